"""Building and running workers: the app, the job class that gives each job its own app
context, and the start-up sweep of enquiries left `new`.

A worker rides out a Redis outage (issue 13.17): RQ's own wait loop retries with backoff (at
most REDIS_RETRY_MAX_SECONDS apart) and, the moment Redis answers again, the worker sweeps — what
was saved during the outage is `new` in the database and its jobs never reached Redis (or Redis
came back empty). Where RQ gives up instead (a Redis timeout, an error after a job), `main()`
waits for Redis with the same backoff and starts a fresh worker. Every process the worker forks
(RQ's scheduler, a job's work horse) dies with it, so a killed worker leaves no scheduler behind
holding RQ's scheduler lock."""
from __future__ import annotations

import argparse
import ctypes
import gc
import logging
import os
import signal
import threading
import time

import redis
from flask import Flask
from rq import SimpleWorker, SpawnWorker, Worker
from rq.cron import CronScheduler

from . import create_app, jobs
from .auth.startup import refuse_demo_passwords
from .enquiries.routing import schedule_periodic_sweep, sweep
from .extensions import db
from .mail.intake import schedule_poll
from .mail.outbox import sweep_outbox
from .privacy.retention import schedule_retention
from .queue import AppJob, get_queue, get_redis
from .sla.watch import WATCH_INTERVAL_SECONDS
from .stats.daily import schedule_refresh

log = logging.getLogger(__name__)


REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
REDIS_RETRY_MAX_SECONDS = 10.0
SCHEDULER_RETRY_SECONDS = 15.0
# An idle worker wakes (and beats) every WORKER_TTL - 15 s, RQ's default being 405 s: often enough
# here to notice a lost scheduler or a Redis that came back.
WORKER_TTL = 35


class RidesOutRedis:
    """Mixed into the RQ worker class: a heartbeat that fails marks Redis as lost (RQ's dequeue
    loop then waits and retries, doubling the wait up to `max_connection_wait_time`); the first
    one that succeeds after that runs the sweep."""

    max_connection_wait_time = REDIS_RETRY_MAX_SECONDS
    app: Flask | None = None
    redis_lost = False
    stop_asked = False
    burst = False
    _scheduler_tried = 0.0

    def work(self, burst: bool = False, *args, **kwargs):
        self.burst = burst  # a burst worker's scheduler only enqueues what is due, once
        return super().work(burst, *args, **kwargs)

    def _keep_scheduler(self, at_once: bool = False) -> None:
        """RQ's scheduler process ends at its first Redis error, and a killed worker's scheduler
        lock outlives it by a minute; RQ itself tries again only at its maintenance, ten minutes
        apart. Here: every SCHEDULER_RETRY_SECONDS while this worker has no scheduler running."""
        scheduler = getattr(self, "scheduler", None)
        if self.burst or getattr(self, "is_horse", False) or scheduler is None:
            return  # a work horse (fork worker class) beats too, but the scheduler is its parent's
        if self.stop_asked or self._stop_requested:
            return  # shutting down: RQ has just stopped the scheduler on purpose
        if scheduler._process is not None and scheduler._process.is_alive():
            return
        now = time.monotonic()
        if not at_once and now - self._scheduler_tried < SCHEDULER_RETRY_SECONDS:
            return
        self._scheduler_tried = now
        try:
            scheduler.acquire_locks(auto_start=True)
        except REDIS_DOWN:
            pass

    def request_stop(self, signum, frame):
        self.stop_asked = True  # RQ raises StopRequested for an idle worker without noting it
        return super().request_stop(signum, frame)

    def heartbeat(self, *args, **kwargs):
        try:
            result = super().heartbeat(*args, **kwargs)
        except REDIS_DOWN as exc:
            if not self.redis_lost:
                log.warning("worker %s: Redis is unreachable (%s); retrying", self.name, exc)
            self.redis_lost = True
            raise
        if self.redis_lost:
            self.redis_lost = False
            log.warning("worker %s: Redis is back; sweeping what was saved meanwhile", self.name)
            self._keep_scheduler(at_once=True)
            if self.app is not None:
                startup_sweep(self.app)
        else:
            self._keep_scheduler()
        return result


_CLASSES: dict[type, type] = {}


def rides_out_redis(worker_class: type) -> type:
    if worker_class not in _CLASSES:
        _CLASSES[worker_class] = type(worker_class.__name__, (RidesOutRedis, worker_class), {})
    return _CLASSES[worker_class]


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In a process the worker forks (RQ's scheduler, a work horse): SIGTERM when the worker dies,
    however it dies (Linux; elsewhere the launcher's process group does it)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


_fork_hook_installed = False


def children_die_with_the_worker() -> None:
    global _fork_hook_installed
    if not _fork_hook_installed:
        os.register_at_fork(after_in_child=_die_with_parent)
        _fork_hook_installed = True


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
                db.engine.dispose(close=False)

        os.register_at_fork(after_in_child=dispose_inherited_connections)
    with app.app_context():
        queue = get_queue()
        worker = rides_out_redis(worker_class)([queue], connection=get_redis(), job_class=AppJob, name=name,
                                               worker_ttl=WORKER_TTL)
    worker.app = app
    return worker


def startup_sweep(app: Flask) -> int:
    """At every worker start: re-enqueue what was left `new`, and keep the periodic sweep going."""
    with app.app_context():
        try:
            count = sweep()
            schedule_periodic_sweep()
            schedule_refresh()
            schedule_retention()
            schedule_poll()
            sweep_outbox()
            db.session.commit()
            return count
        except Exception:  # Redis or the database not up yet: the next start or sweep catches up
            log.exception("start-up sweep failed")
            return 0


def deadline_cron(connection, queue_name: str):
    """RQ's cron scheduler with the deadline watch every minute. It keeps its schedule in the
    worker's memory, not in Redis, so a Redis emptied or restarted loses no run."""
    cron = CronScheduler(connection=connection)
    cron.register(jobs.watch_deadlines, queue_name, interval=WATCH_INTERVAL_SECONDS,
                  job_timeout=300, result_ttl=0, failure_ttl=3600)
    return cron


def start_deadline_cron(app: Flask) -> threading.Event:
    """RQ's cron scheduler for the deadline watch (and the FAQ matches of routed calls), in a daemon
    thread of this worker: it asks for a
    run every minute from its own memory (an emptied Redis loses nothing) and ends with the worker,
    so a killed worker leaves no scheduler behind. Returns the event that stops it."""
    with app.app_context():
        cron = deadline_cron(get_redis(), app.config["RQ_QUEUE"])
        # FAQ curation rides on the same clock: routed calls matched against the published entries.
        cron.register(jobs.match_routed_calls, app.config["RQ_QUEUE"], interval=60, job_timeout=300,
                      result_ttl=0, failure_ttl=3600)
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
    refuse_demo_passwords(app, "the worker")
    gc.freeze()  # the app's long-lived objects out of the collector's view (see gunicorn.conf.py)
    children_die_with_the_worker()
    start_deadline_cron(app)  # a thread of this process: it outlives a worker that run() replaces
    run(app, WORKER_CLASSES[args.worker_class], name=args.name, burst=args.burst)


def run(app: Flask, worker_class=SimpleWorker, name: str | None = None, burst: bool = False) -> None:
    """Work until asked to stop; when RQ's worker gives up on Redis, wait for it and start anew."""
    stopped = threading.Event()
    pid = os.getpid()
    while True:
        worker = None
        try:
            worker = make_worker(app, worker_class, name=name)
            startup_sweep(app)
            worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
        except REDIS_DOWN as exc:
            if os.getpid() == pid:
                log.warning("worker: lost Redis (%s)", exc)
        if os.getpid() != pid:
            # A fork worker's work horse whose job ended in an error RQ let through to here: it
            # must end, not become a worker of its own.
            os._exit(1)
        if burst or (worker is not None and (worker.stop_asked or worker._stop_requested)):
            return
        # RQ's worker quit (a Redis timeout, an error it does not handle) or never started: from
        # here on a stop request ends the wait, as it would have ended the work.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopped.set())
        _stop_listening(worker)
        if not wait_for_redis(app, stopped):
            return
        if worker is not None:
            try:  # its registration, if Redis kept it, would refuse a new worker of the same name
                worker.register_death()
            except REDIS_DOWN:
                pass
        log.warning("worker: Redis answers; starting a new worker")


def _stop_listening(worker) -> None:
    """The old worker's command listener (a thread RQ stops only once Redis answers) goes now."""
    thread = getattr(worker, "pubsub_thread", None)
    if thread is None:
        return
    try:
        thread.stop()
        thread.join(timeout=1)
        worker.pubsub.close()
    except Exception:  # noqa: BLE001 - a listener that is already gone is fine
        pass
    worker.pubsub_thread = None


def wait_for_redis(app: Flask, stopped: threading.Event) -> bool:
    """Ping Redis with backoff (1 s, 2 s, 4 s … at most REDIS_RETRY_MAX_SECONDS); False if a stop
    was asked for meanwhile."""
    delay = 1.0
    while not stopped.wait(delay):
        try:
            with app.app_context():
                get_redis().ping()
            return True
        except REDIS_DOWN as exc:
            log.warning("worker: Redis still unreachable (%s); next try in %.0f s", exc, delay)
            delay = min(delay * 2, REDIS_RETRY_MAX_SECONDS)
    return False
