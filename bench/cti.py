"""CTI benchmark (issue 12), over HTTP against gunicorn: 200 concurrent calls (≈ 600 events, a
tenth of them missed, a few events sent twice) posted open-loop at 100 events/s while operators'
pages poll the live channel once a second as static/js/live.js does. Prints the endpoint's
p50/p95/p99, what was lost or double-counted in the database, and the screen-pop latency p50/p95
from posting the answer event to the operator's page seeing it.

    .venv/bin/python bench/cti.py [--calls 200] [--rate 100] [--pages 40] [--workers 4] [--threads 2]
                                  [--duplicates 0.05] [--database-url URL] [--redis-url URL]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import subprocess
import sys
import time
import urllib.parse

import httpx

from _client import Connection
from _server import ROOT, children, cpu_seconds, gunicorn, percentile, scratch_instance

SETUP = r"""
import json, sys
from hotline import create_app
from hotline.extensions import db
from hotline.auth.service import create_user
from hotline.auth.tokens import issue
from hotline.models import TokenKind
app = create_app()
with app.app_context():
    for i in range(int(sys.argv[1])):
        user = create_user(f"bench-op{i}", "operator", "bench-password", f"Оператор {i}")
        user.extension = str(1000 + i)
    _token, secret = issue(TokenKind.CTI, name="bench")
    db.session.commit()
    print(json.dumps(secret))
"""

CHECK = r"""
import json, sys
from sqlalchemy import func, select
from hotline import create_app
from hotline.extensions import db
from hotline.models import CallbackTask, CtiEvent, TelephonyCall
app = create_app()
with app.app_context():
    calls = {c.call_id: c for c in db.session.execute(select(TelephonyCall)).scalars()}
    print(json.dumps({
        "calls": len(calls), "events": db.session.execute(select(func.count(CtiEvent.id))).scalar(),
        "answered": sum(1 for c in calls.values() if c.answered_by_id is not None and c.ended_at is not None),
        "missed": sum(1 for c in calls.values() if c.missed),
        "tasks": db.session.execute(select(func.count(CallbackTask.id))).scalar(),
        "wrong": [k for k, c in calls.items() if c.ended_at is None or c.rang_at is None],
    }))
"""


def schedule(calls: int, rate: float, duplicates: float, seed: int = 12) -> list[tuple[float, dict]]:
    """Every call rings in the first third, is answered (or given up) in the second and hangs up in
    the third: all of them are in progress at once in the middle, `rate` events a second."""
    rng = random.Random(seed)
    step = 1 / rate
    third = calls * step
    out = []
    for i in range(calls):
        base = {"callId": f"bench-{i}", "direction": "in", "from": f"+7342{2000000 + i:07d}", "to": "2124486"}
        missed = i % 10 == 9
        out.append((i * step, {**base, "event": "newCall"}))
        if missed:
            out.append((2 * third + i * step, {**base, "event": "hangup", "cause": "noAnswer"}))
        else:
            out.append((third + i * step, {**base, "event": "answer", "answeringNumber": str(1000 + i)}))
            out.append((2 * third + i * step, {**base, "event": "hangup", "cause": "normalClearing",
                                               "answeringNumber": str(1000 + i)}))
    for at, fields in list(out):
        if rng.random() < duplicates:
            out.append((at + rng.uniform(0.05, 1.0), fields))  # the PBX sends it again
    out.sort(key=lambda item: item[0])
    return out


def sign_in(base: str, login: str) -> str:
    with httpx.Client(base_url=base, timeout=10) as client:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
        response = client.post("/login", data={"login": login, "password": "bench-password", "csrf_token": token})
        assert response.status_code == 302, response.text[:300]
        page = client.get("/calls/new").text
        since = re.search(r'data-live-since="(\d*)"', page).group(1)
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items()), int(since or 0)


async def run(base: str, secret: str, plan: list, pages: dict[int, tuple[str, int]], interval: float) -> dict:
    latencies, errors = [], []
    answered_at: dict[str, float] = {}
    popped: dict[str, float] = {}
    done = asyncio.Event()
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(32):
        pool.put_nowait(Connection(base))

    async def post(fields: dict):
        body = urllib.parse.urlencode(fields).encode()
        conn = await pool.get()
        started = time.perf_counter()
        if fields["event"] == "answer":
            answered_at.setdefault(fields["callId"], time.perf_counter())
        try:
            status, payload = await conn.request("POST", f"/cti/{secret}", {
                "Content-Type": "application/x-www-form-urlencoded"}, body)
        except (OSError, asyncio.IncompleteReadError) as exc:
            errors.append(repr(exc))
            conn = Connection(base)
        else:
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                errors.append(f"{status}: {payload[:120]!r}")
        pool.put_nowait(conn)

    async def page(operator: int, cookie: str, since: int):
        conn = Connection(base)
        while not done.is_set():
            try:
                status, payload = await conn.request("GET", f"/live?since={since}", {"Cookie": cookie})
            except (OSError, asyncio.IncompleteReadError):
                conn = Connection(base)
                continue
            if status == 200:
                answer = json.loads(payload)
                since = answer["seq"]
                call = answer["changes"].get("call")
                if call and call.get("answered_at") and not call.get("ended_at"):
                    popped.setdefault(call["cti_call_id"], time.perf_counter())
            await asyncio.sleep(interval)

    pollers = [asyncio.create_task(page(i, cookie, since)) for i, (cookie, since) in pages.items()]
    await asyncio.sleep(1.5)  # the pages are open before the calls come
    began = time.perf_counter()
    sends = []
    for at, fields in plan:
        delay = at - (time.perf_counter() - began)
        if delay > 0:
            await asyncio.sleep(delay)
        sends.append(asyncio.create_task(post(fields)))
    await asyncio.gather(*sends)
    elapsed = time.perf_counter() - began
    await asyncio.sleep(2 * interval + 0.5)
    done.set()
    await asyncio.gather(*pollers)
    pops = sorted((popped[c] - answered_at[c]) * 1000 for c in popped if c in answered_at)
    watched = [f"bench-{i}" for i in pages if i % 10 != 9]
    return {"latencies": sorted(latencies), "errors": errors, "elapsed": elapsed, "pops": pops,
            "pops_missing": [c for c in watched if c not in popped]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rate", type=float, default=100.0, help="events a second")
    parser.add_argument("--pages", type=int, default=40, help="operators with the New call page open")
    parser.add_argument("--interval", type=float, default=1.0, help="the pages' poll interval, s")
    parser.add_argument("--duplicates", type=float, default=0.05, help="share of events sent twice")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    plan = schedule(args.calls, args.rate, args.duplicates)
    unique = {(f["callId"], f["event"]) for _at, f in plan}
    with scratch_instance(args.database_url, args.redis_url) as env:
        env["LOGIN_REQUESTS_PER_MINUTE"] = "100000"
        subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        secret = json.loads(subprocess.run([sys.executable, "-c", SETUP, str(args.calls)], cwd=ROOT, env=env,
                                           check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        with gunicorn(env, workers=args.workers, threads=args.threads) as (base, proc):
            # Pages for operators spread over the calls (one in ten of their calls is missed: no pop).
            step = max(1, args.calls // max(1, args.pages))
            pages = {i: sign_in(base, f"bench-op{i}") for i in range(0, args.calls, step)[:args.pages]}
            pids = [proc.pid] + children(proc.pid)
            cpu_before = cpu_seconds(pids)
            result = asyncio.run(run(base, secret, plan, pages, args.interval))
            server_cpu = cpu_seconds(pids) - cpu_before
        check = json.loads(subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, check=True,
                                          capture_output=True, text=True).stdout.strip().splitlines()[-1])
    lat, pops = result["latencies"], result["pops"]
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{backend}, gunicorn {args.workers}×{args.threads}: {args.calls} calls, {len(plan)} events "
          f"({len(plan) - len(unique)} sent twice) in {result['elapsed']:.1f} s = {len(plan) / result['elapsed']:.0f}/s; "
          f"server CPU {server_cpu:.1f} s")
    print(f"endpoint ms: p50 {percentile(lat, .5):.1f}  p95 {percentile(lat, .95):.1f}  "
          f"p99 {percentile(lat, .99):.1f}  max {lat[-1]:.1f}; errors {len(result['errors'])} {result['errors'][:3]}")
    answered = sum(1 for i in range(args.calls) if i % 10 != 9)
    print(f"database: {check['calls']} calls (expected {args.calls}), {check['events']} events (expected "
          f"{len(unique)}), {check['answered']} answered and hung up (expected {answered}), {check['missed']} missed, "
          f"{check['tasks']} missed-call tasks (expected {args.calls - answered}), unfinished {len(check['wrong'])}")
    print(f"screen pop ms ({len(pops)} pages, poll every {args.interval:g} s): p50 {percentile(pops, .5):.0f}  "
          f"p95 {percentile(pops, .95):.0f}  max {pops[-1] if pops else float('nan'):.0f}; "
          f"missing {len(result['pops_missing'])}")


if __name__ == "__main__":
    main()
