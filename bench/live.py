"""The live channel, measured both ways (issue 12: "choose by measurement"), on one gunicorn
process with the project's threads (gthread, 2):

1. the 1 s poll of `GET /live` that the desk uses: N open pages (one signed-in session, N
   keep-alive connections, each asking once a second as static/js/live.js does) — latency
   p50/p95, requests served per second and the process's CPU share, for growing N;
2. server-sent events: a throw-away SSE app under the same gunicorn settings — an open stream
   holds a worker thread, so with `threads` pages open the next request waits (time to answer).

    .venv/bin/python bench/live.py [--pages 50,100,200,400] [--seconds 10] [--threads 2]
"""
from __future__ import annotations

import argparse
import asyncio
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

from _client import Connection
from _server import ROOT, children, cpu_seconds, free_port, gunicorn, percentile, scratch_instance

SETUP = r"""
from hotline import create_app
from hotline.extensions import db
from hotline.auth.service import create_user
app = create_app()
with app.app_context():
    create_user("bench-page", "operator", "bench-password", "Оператор")
    db.session.commit()
"""

SSE_APP = textwrap.dedent('''
    import time

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/stream":
            start_response("200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")])

            def events():
                while True:
                    yield b"data: {}\\n\\n"
                    time.sleep(1)
            return events()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
''')


async def poll_pages(base: str, cookie: str, pages: int, seconds: float) -> dict:
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds

    async def page(index: int):
        nonlocal errors
        await asyncio.sleep(index / pages)  # pages opened over a second, not all at once
        conn, since = Connection(base), 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                status, _payload = await conn.request("GET", f"/live?since={since}", {"Cookie": cookie})
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                conn = Connection(base)
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            errors += status != 200
            await asyncio.sleep(1.0)  # the page waits a second after each answer

    began = time.perf_counter()
    await asyncio.gather(*(page(i) for i in range(pages)))
    return {"latencies": sorted(latencies), "errors": errors, "elapsed": time.perf_counter() - began}


def sse_wait(threads: int, open_streams: int) -> float:
    """Seconds until a plain request is answered while `open_streams` event streams are open."""
    workdir = Path(tempfile.mkdtemp(prefix="hotline-sse-"))
    (workdir / "sse_app.py").write_text(SSE_APP)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", str(threads),
                             "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(workdir),
                             "sse_app:app"], cwd=ROOT)
    streams = []
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/ping", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        for _ in range(open_streams):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(1024)  # the stream is open and held by a thread
            streams.append(sock)
        started = time.perf_counter()
        try:
            httpx.get(f"http://127.0.0.1:{port}/ping", timeout=5)
        except httpx.HTTPError:
            return float("inf")
        return time.perf_counter() - started
    finally:
        for sock in streams:
            sock.close()
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", default="50,100,200,400")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    with scratch_instance() as env:
        subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True)
        with gunicorn(env, workers=1, threads=args.threads) as (base, proc):
            with httpx.Client(base_url=base, timeout=10) as client:
                token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
                client.post("/login", data={"login": "bench-page", "password": "bench-password", "csrf_token": token})
                cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            pids = [proc.pid] + children(proc.pid)
            for pages in [int(p) for p in args.pages.split(",")]:
                before, wall = cpu_seconds(pids), time.perf_counter()
                result = asyncio.run(poll_pages(base, cookie, pages, args.seconds))
                cpu = (cpu_seconds(pids) - before) / (time.perf_counter() - wall)
                lat = result["latencies"]
                print(f"poll, {pages} pages on one process ({args.threads} threads): "
                      f"{len(lat) / result['elapsed']:.0f} req/s, p50 {percentile(lat, .5):.1f} ms, "
                      f"p95 {percentile(lat, .95):.1f} ms, errors {result['errors']}, process CPU {cpu:.0%} of a core")
    for streams in (args.threads - 1, args.threads):
        wait = sse_wait(args.threads, streams)
        shown = "not answered within 5 s" if wait == float("inf") else f"answered in {wait * 1000:.0f} ms"
        print(f"SSE, {args.threads} threads, {streams} streams open: the next request {shown}")


if __name__ == "__main__":
    main()
