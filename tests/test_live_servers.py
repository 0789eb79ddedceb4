"""Several web servers (issue 12): two gunicorn masters on two ports share the database and Redis;
the phone system posts to one, the operator's page is served by the other, and the pop arrives
there through the live channel within 1.5 s. Nothing lives in one web process's memory (SPEC 9)."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from hotline.models import TokenKind

from .factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parent.parent


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _gunicorn(env: dict):
    port = _port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "2",
                             "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--no-control-socket",
                             "hotline:create_app()"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(base + "/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_event_posted_to_one_server_pops_on_the_page_served_by_the_other(app, db, database_url, redis_url, tmp_path):
    from hotline.auth.tokens import issue

    _token, secret = issue(TokenKind.CTI, name="PBX")
    operator = make_user("operator", login="two-servers")
    operator.extension = "401"
    db.session.commit()
    env = {**os.environ, "HOTLINE_CONFIG": "development", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "SECRET_KEY": "two-servers", "HOTLINE_INSTANCE": str(tmp_path), "LOG_LEVEL": "WARNING"}
    with ExitStack() as stack:
        server_a = stack.enter_context(_gunicorn(env))
        server_b = stack.enter_context(_gunicorn(env))
        browser = stack.enter_context(httpx.Client(base_url=server_b, timeout=5))
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', browser.get("/login").text).group(1)
        assert browser.post("/login", data={"login": operator.login, "password": PASSWORD,
                                            "csrf_token": token}).status_code == 302
        page = browser.get("/calls/new").text
        since = int(re.search(r'data-live-since="(\d+)"', page).group(1))
        event = {"direction": "in", "from": "+73422124486", "to": "2124486", "callId": "two-1"}
        assert httpx.post(f"{server_a}/cti/{secret}", data={**event, "event": "newCall"}).status_code == 200
        posted = time.monotonic()
        assert httpx.post(f"{server_a}/cti/{secret}", data={**event, "event": "answer",
                                                             "answeringNumber": "401"}).status_code == 200
        pop = None
        while time.monotonic() - posted < 1.5 and pop is None:
            answer = browser.get(f"/live?since={since}").json()
            pop = answer["changes"].get("call")
            if pop is None:
                time.sleep(1.0)  # the page's own interval
        assert pop is not None and pop["cti_call_id"] == "two-1" and pop["phone"] == "+73422124486"
        assert 'value="two-1"' in browser.get("/calls/new").text  # the other server's page, from the database
