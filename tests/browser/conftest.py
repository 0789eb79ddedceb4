"""Browser tests: the app served from a thread (werkzeug, a free port in 5200–5299) against the
test database, driven by Playwright with the system Chromium. Skipped only where no Chromium is.

Fixtures: `live_server` (yields the base URL), `page` (a fresh Playwright page), and
`browser_login(page, role)` which creates a user through the factories and signs in."""
from __future__ import annotations

import os
import socket
import threading

import pytest
from werkzeug.serving import make_server

from .. import factories

CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    for port in range(5200, 5300):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5200–5299")


@pytest.fixture
def live_server(app, db):
    """Serve `app` on 127.0.0.1 from a thread; yields the base URL. The test's own session is
    committed first so that the server's requests see (and can write past) its rows."""
    db.session.commit()
    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def _browser():
    if not os.path.exists(CHROMIUM):
        message = f"no Chromium at {CHROMIUM}: browser tests need the system Chromium (apt-get install chromium)"
        if os.environ.get("HOTLINE_BROWSER_TESTS") == "required":  # set by .ci/run: CI must not pass without them
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture
def page(_browser):
    context = _browser.new_context(accept_downloads=True, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def browser_login(db, live_server):
    """Create a user of `role` (factories) and sign `page` in as them; returns the user."""

    def login(page, role: str = "operator", **kwargs):
        user = factories.make_user(role=role, **kwargs)
        db.session.commit()
        page.goto(f"{live_server}/login")
        page.fill("input[name=login]", user.login)
        page.fill("input[name=password]", factories.PASSWORD)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        return user

    return login
