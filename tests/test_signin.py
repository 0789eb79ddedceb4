"""Accounts and sessions (issue 13, items 5-7): demo passwords refused in production, a per-instance
development key, sessions ended server-side, and sign-in slowed per (login, address) and per
address instead of an account lock."""
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from config import DEMO_PASSWORD
from hotline import create_app
from hotline.models import LoginThrottle, User

from .factories import PASSWORD, count, make_user

ROOT = Path(__file__).resolve().parent.parent
HOME = "/calls/new"
CSRF = re.compile(r'name="csrf_token" value="[^"]*"')  # signed with the time: differs from page to page


def attempt(client, login, password, address="10.0.0.1", **headers):
    return client.post("/login", data={"login": login, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


# --- sessions ---------------------------------------------------------------------------------

def test_a_session_cookie_copied_before_logout_no_longer_works(client, db, reference):
    user = make_user("operator")
    db.session.commit()
    assert attempt(client, user.login, PASSWORD).status_code == 302
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    client.set_cookie("session", stolen)
    assert client.get(HOME).status_code == 302  # sent to the login page: the session is over


def test_a_new_password_ends_the_users_sessions(client, db, reference, app):
    user = make_user("operator")
    db.session.commit()
    assert attempt(client, user.login, PASSWORD).status_code == 302
    assert client.get(HOME).status_code == 200
    result = CliRunner().invoke(app.cli, ["users", "password", user.login], input="another-pass-1\nanother-pass-1\n")
    assert result.exit_code == 0, result.output
    assert client.get(HOME).status_code == 302
    assert attempt(client, user.login, "another-pass-1").status_code == 302
    refused = CliRunner().invoke(app.cli, ["users", "password", user.login], input=f"{DEMO_PASSWORD}\n{DEMO_PASSWORD}\n")
    assert refused.exit_code != 0


# --- sign-in delay ----------------------------------------------------------------------------

def test_failures_earn_a_delay_per_login_and_address_not_a_lock(client, db, app):
    user = make_user("admin")
    db.session.commit()
    free = app.config["LOGIN_FREE_FAILURES"]
    statuses = [attempt(client, user.login, "wrong").status_code for _ in range(free)]
    assert statuses == [401] * free
    slowed = attempt(client, user.login, PASSWORD)  # even the right password waits
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) == app.config["LOGIN_DELAY_SECONDS"]
    assert "Слишком много неудачных попыток" in attempt(client, user.login, "x", **{"Accept-Language": "ru"}).get_data(
        as_text=True)
    # The stranger at 10.0.0.1 has not locked the admin out: from their own address they sign in.
    assert attempt(client, user.login, PASSWORD, address="10.0.0.2").status_code == 302


def test_the_delay_doubles(client, db, app):
    from hotline.auth import throttle

    make_user("operator", login="olga")
    db.session.commit()
    free, base = app.config["LOGIN_FREE_FAILURES"], app.config["LOGIN_DELAY_SECONDS"]
    waits = [throttle.record_failure("olga", "10.0.0.9") for _ in range(free + 3)]
    assert waits == [0] * (free - 1) + [base, 2 * base, 4 * base, 8 * base]


def test_the_nightly_run_forgets_counts_that_slow_no_one(client, db, app):
    from datetime import timedelta

    import time_machine

    from hotline.auth import throttle
    from hotline.models import utcnow
    from hotline.privacy.retention import run_retention

    free, window = app.config["LOGIN_FREE_FAILURES"], app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    start = utcnow()
    with time_machine.travel(start, tick=False):
        throttle.record_failure("olga", "10.0.0.7")                  # one failure: no wait
        for _ in range(free + 8):                                     # a wait far past the window
            throttle.record_failure("ivan", "10.0.0.8")
        db.session.commit()
    assert count(db, LoginThrottle) == 4                              # (login, address) and address rows
    with time_machine.travel(start + timedelta(seconds=window + 60), tick=False):
        for _ in range(free + 1):                                     # a fresh run, waiting now
            throttle.record_failure("maria", "10.0.0.9")
        db.session.commit()
        run_retention()
        left = {(row.login, row.address) for row in db.session.execute(db.select(LoginThrottle)).scalars()}
        assert left == {("maria", "10.0.0.9"), ("", "10.0.0.9")}      # recent: kept; the old runs forgotten
        assert throttle.wait_seconds("maria", "10.0.0.9") > 0


def test_spraying_many_logins_from_one_address_is_slowed(client, db, app):
    limit = app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"]
    statuses = [attempt(client, f"user{i}", "password1").status_code for i in range(limit + 1)]
    assert statuses[:limit] == [401] * limit and statuses[limit] == 429
    assert attempt(client, "user-other", "password1", address="10.0.0.3").status_code == 401


def test_an_unknown_login_gets_the_same_answer_in_the_same_time(client, db, app):
    make_user("operator", login="known")
    db.session.commit()
    free = app.config["LOGIN_FREE_FAILURES"]

    def run(login, address):
        answers, started = [], time.perf_counter()
        for _ in range(free + 1):
            response = attempt(client, login, "wrong", address=address, **{"Accept-Language": "ru"})
            answers.append((response.status_code, response.headers.get("Retry-After"),
                            CSRF.sub("", response.get_data(as_text=True)).replace(login, "LOGIN")))
        return answers, time.perf_counter() - started

    run("warm-up", "10.1.0.9")  # the first requests of a process compile templates: not timed
    known, known_time = run("known", "10.1.0.1")
    unknown, unknown_time = run("nobody-here", "10.1.0.2")
    assert known == unknown
    assert known[0][0] == 401 and known[-1][0] == 429
    # One password hash each way: the unknown login is not answered faster (it was 3 ms vs 87 ms).
    assert 0.5 < unknown_time / known_time < 2, (known_time, unknown_time)


def test_the_admin_sees_the_delay_and_clears_it(client, db, app, login_as):
    user = make_user("operator", login="petr")
    db.session.commit()
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        attempt(client, "Petr", "wrong", address="10.2.0.7")
    assert attempt(client, "petr", PASSWORD, address="10.2.0.7").status_code == 429
    login_as("admin")
    page = client.get(f"/admin/users/{user.id}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "10.2.0.7" in page and "Снять задержку входа" in page
    response = client.post(f"/admin/users/{user.id}/sign-in-delay/clear")
    assert response.status_code == 303
    assert count(db, LoginThrottle, LoginThrottle.login == "petr") == 0
    client.post("/logout")
    assert attempt(client, "petr", PASSWORD, address="10.2.0.7").status_code == 302


# --- production start-up and the development key -----------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _production_env(database_url: str, redis_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "HOTLINE_"))}
    env.update(HOTLINE_CONFIG="production", DATABASE_URL=database_url, REDIS_URL=redis_url,
               SECRET_KEY="a-production-key-for-the-test", WEB_CONCURRENCY="1",
               MAIL_DISABLED="1")  # no SMTP here: answers kept in the outbox on purpose
    return env


def test_production_refuses_demo_passwords_in_gunicorn_and_the_worker(db, database_url, redis_url):
    make_user("supervisor", login="demo-sup", password=DEMO_PASSWORD)
    make_user("admin", login="demo-admin", password=DEMO_PASSWORD)
    make_user("operator", login="real-op", password="a-real-password")
    db.session.commit()
    env = _production_env(database_url, redis_url)
    port = _free_port()
    web = subprocess.run([sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "hotline:create_app()"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert web.returncode != 0
    assert "demo-admin, demo-sup" in web.stderr and "real-op" not in web.stderr
    worker = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert worker.returncode != 0 and "demo-admin, demo-sup" in worker.stderr

    # The CLI still runs, and once the passwords are changed gunicorn serves.
    for login in ("demo-sup", "demo-admin"):
        fixed = subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", "users", "password", login,
                                "--password", "now-a-real-one"], cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=120)
        assert fixed.returncode == 0, fixed.stderr
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "hotline:create_app()"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_development_key_is_generated_per_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    from config import DevelopmentConfig

    class Config(DevelopmentConfig):
        SECRET_KEY = None
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    keys = []
    for name in ("one", "one", "two"):
        monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path / name))
        keys.append(create_app(Config).config["SECRET_KEY"])
    assert keys[0] == keys[1] != keys[2]
    assert len(keys[0]) == 64 and "dev-only" not in keys[0]
    assert (tmp_path / "one" / "secret_key").stat().st_mode & 0o077 == 0
