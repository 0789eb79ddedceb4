"""Routing benchmark (issue 3): routed calls posted at a steady rate with one worker — time from
save to assigned (p50/p95/p99) — then the drain rate of a backlog of `new` enquiries with 1 and 2
workers; repeated for each RQ worker class.

    .venv/bin/python bench/routing.py [--rate 50] [--seconds 20] [--backlog 5000]
                                      [--classes simple,fork] [--database-url URL] [--redis-url URL]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time

from _client import Connection
from _server import ROOT, flask, gunicorn, percentile, scratch_instance

SETUP = r"""
import json
from hotline import create_app
from hotline.extensions import db
from hotline.auth.service import create_user, issue_token
app = create_app()
with app.app_context():
    token = issue_token(create_user("bench-op", "operator", "bench-password"))
    for i in range(6):
        create_user(f"bench-c{i}", "coordinator", "bench-password", topics=["youth", "culture", "business"])
    db.session.commit()
    print(json.dumps(token))
"""

BACKLOG = r"""
import sys, time
from hotline import create_app
from hotline.extensions import db
from hotline.calls.service import log_call
from hotline.models import User
from sqlalchemy import select
app = create_app()
n = int(sys.argv[1])
with app.app_context():
    op = db.session.execute(select(User).where(User.login == "bench-op")).scalar_one()
    for i in range(n):
        log_call(op, {"topic": ["youth", "culture", "business"][i % 3], "outcome": "routed",
                      "question": "Вопрос из очереди", "caller": {"phone": f"+7342{2000000 + i:07d}"}})
        if i % 200 == 199:
            db.session.commit()
    db.session.commit()
"""

STATE = r"""
import json
from sqlalchemy import func, select
from hotline import create_app
from hotline.extensions import db
from hotline.models import Enquiry, EnquiryStatus
app = create_app()
with app.app_context():
    rows = db.session.execute(select(Enquiry.created_at, Enquiry.assigned_at)
                              .where(Enquiry.assigned_at.is_not(None))).all()
    waiting = db.session.execute(select(func.count(Enquiry.id)).where(Enquiry.status == EnquiryStatus.NEW)).scalar()
    print(json.dumps({"latencies": [(a - c).total_seconds() * 1000 for c, a in rows], "waiting": waiting,
                      "span": ((max(a for _, a in rows) - min(a for _, a in rows)).total_seconds()
                               if rows else 0.0)}))
"""


def python(env, code, *args) -> str:
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout.strip().rpartition("\n")[2]


def start_workers(env, n: int, worker_class: str) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "worker.py", "--worker-class", worker_class], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            for _ in range(n)]


def stop(workers) -> None:
    import os
    import signal

    for w in workers:
        try:
            os.killpg(w.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for w in workers:
        w.wait(20)


async def steady(base: str, token: str, rate: float, seconds: float) -> int:
    conns = [Connection(base) for _ in range(8)]
    free = asyncio.Queue()
    for c in conns:
        free.put_nowait(c)
    body = json.dumps({"topic": "youth", "outcome": "routed", "question": "Как попасть в обмен?",
                       "caller": {"phone": "+73422124486"}}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    errors = 0

    async def one():
        nonlocal errors
        conn = await free.get()
        try:
            status, _ = await conn.request("POST", "/api/v1/calls", headers, body)
            errors += status != 201
        finally:
            free.put_nowait(conn)

    tasks, start, sent = [], time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        target = start + sent / rate
        await asyncio.sleep(max(0.0, target - time.perf_counter()))
        tasks.append(asyncio.create_task(one()))
        sent += 1
    await asyncio.gather(*tasks)
    return errors


def waiting(env) -> int:
    """Enquiries not yet assigned, read with a bare connection: polling through a new Python
    process with the whole app would itself eat a core of this 2-core machine."""
    from sqlalchemy import create_engine, text

    url = env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM enquiry WHERE assigned_at IS NULL")).scalar()
    finally:
        engine.dispose()


def wait_drained(env, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while waiting(env) and time.monotonic() < deadline:
        time.sleep(0.2)
    return json.loads(python(env, STATE))


def run_class(args, worker_class: str) -> None:
    with scratch_instance(args.database_url, args.redis_url) as env:
        env["SWEEP_AFTER_SECONDS"] = "30"  # the sweep stays out of the measurement
        flask(env, "db", "upgrade")
        flask(env, "seed-reference")
        token = json.loads(python(env, SETUP))
        workers = start_workers(env, 1, worker_class)
        time.sleep(2)
        try:
            with gunicorn(env, workers=2) as (base, _):
                errors = asyncio.run(steady(base, token, args.rate, args.seconds))
        finally:
            state = wait_drained(env, 60)
            stop(workers)
        lat = sorted(state["latencies"])
        print(f"{worker_class:<7} steady {args.rate:.0f}/s x {args.seconds:.0f} s: {len(lat)} assigned, "
              f"save→assigned p50 {percentile(lat, .5):7.1f} ms  p95 {percentile(lat, .95):7.1f} ms  "
              f"p99 {percentile(lat, .99):7.1f} ms  errors {errors}", flush=True)

    for n in (1, 2):
        with scratch_instance(args.database_url, args.redis_url) as env:
            env["SWEEP_AFTER_SECONDS"] = "3600"
            flask(env, "db", "upgrade")
            flask(env, "seed-reference")
            python(env, SETUP)
            python(env, BACKLOG, args.backlog)  # saved with no worker running: jobs wait in Redis
            began = time.perf_counter()
            workers = start_workers(env, n, worker_class)
            try:
                state = wait_drained(env, 600)
            finally:
                elapsed = time.perf_counter() - began
                stop(workers)
            done, span = len(state["latencies"]), state["span"]
            print(f"{worker_class:<7} backlog {args.backlog} with {n} worker(s): {done} assigned in "
                  f"{span:6.1f} s = {done / max(span, 1e-9):7.1f} enquiries/s from first to last assignment "
                  f"({done / elapsed:.1f}/s counting worker start-up, {elapsed:.1f} s)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--backlog", type=int, default=5000)
    parser.add_argument("--classes", default="simple,fork")
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    for worker_class in args.classes.split(","):
        run_class(args, worker_class)
    return 0


if __name__ == "__main__":
    sys.exit(main())
