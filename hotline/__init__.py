"""The Green Line hotline: `create_app()` builds the Flask application."""
from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import tempfile

from config import CONFIGS, ProductionConfig
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import attachments, i18n, labels, limits, numbers, queue, request_guard, security, timefmt
from .admin import bp as admin_bp
from .api import bp as api_bp
from .auth import tokens
from .auth.views import bp as auth_bp
from .callbacks.views import bp as callbacks_bp
from .calls import bp as calls_bp
from .cli import register_cli
from .enquiries import bp as enquiries_bp
from .extensions import babel, csrf, db, login_manager, migrate
from .faq import bp as faq_bp
from .feedback import bp as feedback_bp
from .imports import bp as imports_bp
from .mail import bp as mail_bp
from .main import bp as main_bp
from .notifications import bp as notifications_bp
from .open311 import bp as open311_bp
from .privacy import bp as privacy_bp
from .public import bp as public_bp
from .search import bp as search_bp
from .stats import bp as stats_bp
from .telephony import bp as telephony_bp


def create_app(config: object | str | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=os.environ.get("HOTLINE_INSTANCE") or None,
    )
    _load_config(app, config)
    if app.config.get("PROXY_COUNT"):
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    attachments.init_app(app)  # before csrf, which reads the form: it sets how large an upload may be
    csrf.init_app(app)
    login_manager.init_app(app)

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    timefmt.init_app(app)
    numbers.init_app(app)
    labels.init_app(app)
    queue.init_app(app)
    security.init_app(app)
    request_guard.init_app(app)  # before the blueprints: their routes use its `int` converter
    tokens.init_app(app)
    limits.init_app(app)

    for blueprint in (main_bp, auth_bp, calls_bp, enquiries_bp, faq_bp, stats_bp, admin_bp, privacy_bp,
                      notifications_bp, public_bp, api_bp, open311_bp, callbacks_bp, feedback_bp, mail_bp,
                      telephony_bp, search_bp, imports_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)
    csrf.exempt(open311_bp)  # partner servers post with an api_key, not a browser session

    register_cli(app)
    return app


def _load_config(app: Flask, config: object | str | None) -> None:
    if config is None or isinstance(config, str):
        name = config or os.environ.get("HOTLINE_CONFIG", "development")
        if name not in CONFIGS:
            raise RuntimeError(f"HOTLINE_CONFIG must be one of {sorted(CONFIGS)}, not {name!r}")
        config = CONFIGS[name]
    app.config.from_object(config)
    if isinstance(config, type) and issubclass(config, ProductionConfig) or config is ProductionConfig:
        missing = [key for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI") if not app.config.get(key)]
        if missing:
            names = {"SECRET_KEY": "SECRET_KEY", "SQLALCHEMY_DATABASE_URI": "DATABASE_URL"}
            raise RuntimeError(
                "production configuration needs " + ", ".join(names[k] for k in missing)
            )
        if not app.config.get("MAIL_SERVER") and not app.config.get("MAIL_DISABLED"):
            raise RuntimeError("production configuration needs MAIL_SERVER (or MAIL_DISABLED=1 to keep answers "
                               "in the outbox on purpose)")
    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or ""
    if uri.startswith("sqlite:///"):
        from .sqlite_lock import LockingConnection

        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {**options.get("connect_args", {}), "factory": LockingConnection}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if uri.startswith("postgresql://") or uri.startswith("postgres://"):
        # psycopg 3 is the PostgreSQL driver (SPEC 9).
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]


def _instance_secret_key(instance_path: str) -> str:
    """This instance's own development key, made on first start (production sets SECRET_KEY):
    written to a temporary file and linked into place, so processes starting together agree."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        fd, tmp = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process made it first: use theirs
        finally:
            os.unlink(tmp)
    with open(path) as fh:
        return fh.read().strip()


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL and a busy timeout, so web workers and the RQ worker write side by side; pysqlite's own
    BEGIN handling is turned off so that `_sqlite_begin` decides how each transaction begins."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's own lower() knows only ASCII: «Соколова» would not match «соколова».
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    """Writers take SQLite's write lock up front (BEGIN IMMEDIATE), queueing on a file lock first
    (see hotline/sqlite_lock.py), so they wait their turn instead of failing or sleep-polling."""
    if conn.dialect.name != "sqlite":
        return
    from .writes import wants_write_lock

    if wants_write_lock():
        dbapi = conn.connection.dbapi_connection
        if hasattr(dbapi, "acquire_write_lock"):
            dbapi.acquire_write_lock()
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")
