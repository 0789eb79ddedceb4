"""Building and running workers: the app, the job class that gives each job its own app
context, and the start-up sweep of enquiries left `new`."""
from __future__ import annotations

import argparse
import gc
import logging
import os
import threading

import redis

from flask import Flask
from rq import SimpleWorker, SpawnWorker, Worker

from . import create_app
from .queue import AppJob, get_queue, get_redis

log = logging.getLogger(__name__)


# SimpleWorker runs jobs in its own process: no fork per job, so a routing job starts in well
# under a millisecond (bench/routing.py compares the classes). A job that hangs is still cut off
# by its job_timeout (SIGALRM), and a worker that dies is covered by the sweep.
WORKER_CLASSES = {"simple": SimpleWorker, "fork": Worker, "spawn": SpawnWorker}


def make_worker(app: Flask, worker_class=SimpleWorker, name: str | None = None):
    AppJob.app = app
    if worker_class is not SimpleWorker:
        # A forked job must not share the parent's database connections.
        def dispose_inherited_connections():
            with app.app_context():
                from .extensions import db

                db.engine.dispose(close=False)

        os.register_at_fork(after_in_child=dispose_inherited_connections)
    with app.app_context():
        queue = get_queue()
        return worker_class([queue], connection=get_redis(), job_class=AppJob, name=name)


def startup_sweep(app: Flask) -> int:
    """At every worker start: re-enqueue what was left `new`, and keep the periodic sweep going."""
    from .enquiries.routing import schedule_periodic_sweep, sweep
    from .extensions import db

    with app.app_context():
        try:
            count = sweep()
            schedule_periodic_sweep()
            __import__("hotline.stats.rollup", fromlist=["schedule_rollup"]).schedule_rollup()
            __import__("hotline.privacy.retention", fromlist=["schedule_retention"]).schedule_retention()
            __import__("hotline.mail.intake", fromlist=["schedule_poll"]).schedule_poll()
            __import__("hotline.mail.outbox", fromlist=["sweep_outbox"]).sweep_outbox()
            db.session.commit()
            return count
        except Exception:  # Redis or the database not up yet: the next start or sweep catches up
            log.exception("start-up sweep failed")
            return 0


def start_deadline_cron(app: Flask) -> threading.Event:
    """RQ's cron scheduler for the deadline watch, in a daemon thread of this worker: it asks for a
    run every minute from its own memory (an emptied Redis loses nothing) and ends with the worker,
    so a killed worker leaves no scheduler behind. Returns the event that stops it."""
    from .sla.watch import deadline_cron

    with app.app_context():
        cron = deadline_cron(get_redis(), app.config["RQ_QUEUE"])
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                cron.enqueue_jobs()
                pause = max(1.0, cron.calculate_sleep_interval())
            except (redis.RedisError, OSError) as exc:  # Redis away: ask again shortly
                log.warning("deadline watch not enqueued: %s", exc)
                pause = 5.0
            stop.wait(pause)

    threading.Thread(target=run, name="deadline-cron", daemon=True).start()
    return stop


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Green Line RQ worker")
    parser.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    parser.add_argument("--name", default=None)
    parser.add_argument("--worker-class", choices=sorted(WORKER_CLASSES), default="simple",
                        help="simple (default: no fork per job), fork (RQ's Worker) or spawn")
    args = parser.parse_args(argv)
    app = create_app()
    from .auth.startup import refuse_demo_passwords

    refuse_demo_passwords(app, "the worker")
    gc.freeze()  # the app's long-lived objects out of the collector's view (see gunicorn.conf.py)
    worker = make_worker(app, WORKER_CLASSES[args.worker_class], name=args.name)
    startup_sweep(app)
    start_deadline_cron(app)
    worker.work(burst=args.burst, with_scheduler=True, logging_level="INFO")
