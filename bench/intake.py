"""Intake benchmark (issue 2): N operators post routed calls through `POST /api/v1/calls` for a
fixed time against gunicorn on the embedded default; then the New call page and caller lookup
with 100 000 callers in the database. Prints requests/s, p50/p95/p99 and the client's CPU share.

    .venv/bin/python bench/intake.py [--operators 8] [--seconds 20] [--workers 4] [--threads 2]
                                     [--callers 100000] [--mode all|intake|lookup]
                                     [--database-url URL] [--redis-url URL] [--with-worker]
"""
from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import random
import re
import resource
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from _client import drive
from _server import ROOT, children, cpu_seconds, flask, gunicorn, percentile, scratch_instance

SETUP = r"""
import json, sys
from sqlalchemy import insert
from hotline import create_app
from hotline.extensions import db
from hotline.models import Caller, utcnow
from hotline.auth.service import create_user, issue_token
app = create_app()
operators, callers = int(sys.argv[1]), int(sys.argv[2])
with app.app_context():
    tokens = []
    for i in range(operators):
        user = create_user(f"bench-op{i}", "operator", "bench-password", f"Оператор {i}")
        tokens.append(issue_token(user))
    create_user("bench-coord", "coordinator", "bench-password", "Координатор", topics=["youth", "culture"])
    now = utcnow()
    batch = []
    for i in range(callers):
        batch.append({"name": f"Заявитель {i}", "phone": f"+7342{1000000 + i:07d}", "language": "ru",
                      "email": None, "created_at": now})
        if len(batch) == 5000:
            db.session.execute(insert(Caller), batch); batch = []
    if batch:
        db.session.execute(insert(Caller), batch)
    db.session.commit()
    print(json.dumps(tokens))
"""

TOPICS = ["youth", "business", "staffing", "culture", "archives", "information"]
CITIES = [None, "duisburg", "oxford", "qingdao", "amneville", "louisville", "agrigento"]


def summarise(name: str, result: dict, client_cpu: float, server_cpu: float) -> None:
    lat = result["latencies"]
    rate = len(lat) / result["elapsed"]
    total_cpu = client_cpu + server_cpu
    share = 100 * client_cpu / total_cpu if total_cpu else 0
    print(f"{name:<28} {len(lat):>7} req  {rate:8.1f} req/s   p50 {percentile(lat, .5):6.1f} ms   "
          f"p95 {percentile(lat, .95):6.1f} ms   p99 {percentile(lat, .99):6.1f} ms   "
          f"errors {len(result['errors'])}   client CPU {share:4.1f}% of {total_cpu:5.1f} s")
    for error in result["errors"][:5]:
        print("   error:", error)


def client_cpu_now() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(name, base, server_pids, concurrency, seconds, make_request):
    cpu_before, server_before = client_cpu_now(), cpu_seconds(server_pids)
    result = asyncio.run(drive(base, concurrency, seconds, make_request))
    summarise(name, result, client_cpu_now() - cpu_before, cpu_seconds(server_pids) - server_before)
    return result


def login_cookie(base: str, login: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "login": login, "password": password}).encode()
    opener.open(base + "/login", data)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--operators", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)  # as gunicorn.conf.py on 2 cores
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--callers", type=int, default=100_000)
    parser.add_argument("--mode", choices=["all", "intake", "lookup"], default="all")
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--with-worker", action="store_true", help="run one RQ worker during the load")
    args = parser.parse_args()

    with scratch_instance(args.database_url, args.redis_url) as env:
        flask(env, "db", "upgrade")
        flask(env, "seed-reference")
        out = subprocess.run([sys.executable, "-c", SETUP, str(args.operators), str(args.callers)], cwd=ROOT,
                             env=env, check=True, capture_output=True, text=True).stdout
        tokens = json.loads(out.strip().splitlines()[-1])
        backend = "PostgreSQL" if "postgres" in env["DATABASE_URL"] else "SQLite"
        print(f"backend {backend}; gunicorn {args.workers} workers"
              f"{f' x {args.threads} threads' if args.threads > 1 else ''}; {args.callers} callers; "
              f"{args.operators} concurrent operators; {args.seconds:.0f} s per run")
        worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env) if args.with_worker else None
        try:
            with gunicorn(env, args.workers, args.threads) as (base, proc):
                pids = [proc.pid, *children(proc.pid)] + ([worker.pid] if worker else [])
                rng = random.Random(7)
                ok = True
                if args.mode in ("all", "intake"):
                    def post_call(index: int, n: int):
                        body = json.dumps({
                            "caller": {"name": "Анна", "phone": f"+7342{1000000 + rng.randrange(args.callers * 2):07d}"},
                            "topic": rng.choice(TOPICS), "city": rng.choice(CITIES), "outcome": "routed",
                            "question": "Как попасть в молодёжный обмен с городом-побратимом?",
                        }).encode()
                        return "POST", "/api/v1/calls", {"Authorization": f"Bearer {tokens[index % len(tokens)]}",
                                                         "Content-Type": "application/json"}, body
                    measure("warm-up", base, pids, args.operators, 3, post_call)
                    result = measure("POST /api/v1/calls (routed)", base, pids, args.operators, args.seconds, post_call)
                    ok &= not result["errors"]
                if args.mode in ("all", "lookup"):
                    cookie = login_cookie(base, "bench-op0", "bench-password")
                    headers = {"Cookie": cookie}

                    def lookup(index: int, n: int):
                        phone = f"8 342 {1000000 + rng.randrange(args.callers):07d}"
                        return "GET", "/calls/lookup?phone=" + urllib.parse.quote(phone), headers, b""

                    def new_call_page(index: int, n: int):
                        return "GET", "/calls/new", headers, b""

                    result = measure("GET /calls/lookup (found)", base, pids, args.operators, args.seconds / 2, lookup)
                    ok &= not result["errors"]
                    # One operator typing: the latency a person sees when the desk is not saturated.
                    result = measure("GET /calls/lookup, 1 operator", base, pids, 1, args.seconds / 2, lookup)
                    ok &= not result["errors"]
                    result = measure("GET /calls/new (page)", base, pids, args.operators, args.seconds / 2, new_call_page)
                    ok &= not result["errors"]
        finally:
            if worker:
                worker.terminate()
                worker.wait(10)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
