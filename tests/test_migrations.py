"""The schema comes from migrations: they upgrade an empty database and match the models."""
import os
import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from hotline import create_app
from hotline.extensions import db
from hotline.models.stats import trigger_statements


def trigger_names(conn) -> set[str]:
    if conn.dialect.name == "sqlite":
        return set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    return set(conn.execute(text("SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                 "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                 "WHERE NOT t.tgisinternal AND n.nspname = current_schema()")).scalars())


@pytest.fixture
def empty_database_url(tmp_path, database_url):
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    # A scratch schema on the same PostgreSQL server.
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migrate_check CASCADE"))
        conn.execute(text("CREATE SCHEMA migrate_check"))
    sep = "&" if "?" in database_url else "?"
    yield f"{database_url}{sep}options=-csearch_path%3Dmigrate_check"
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migrate_check CASCADE"))
    engine.dispose()


def test_upgrade_builds_the_schema_the_models_describe(empty_database_url, test_config):
    class Config(test_config):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(Config)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert {"call", "caller", "enquiry", "faq_entry", "routing_rule", "sla_policy"} <= tables
            # The search index's FTS5 table and tsvector column are the database's own (hotline/search/schema.py).
            from hotline.search.schema import include_object

            diff = compare_metadata(MigrationContext.configure(
                conn, opts={"compare_type": False, "include_object": include_object}), db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        with db.engine.connect() as conn:
            # The statistics' triggers are the database's own too: every one the models make is
            # there after the migrations (a table rebuilt on SQLite loses its triggers).
            expected = {re.search(r"CREATE TRIGGER (\w+)", sql).group(1)
                        for sql in trigger_statements(conn.dialect.name) if "CREATE TRIGGER" in sql}
            assert expected and expected <= trigger_names(conn)
            # The search index reads the scope words too (i14_search_scope_words).
            if conn.dialect.name == "sqlite":
                assert {"search_document_ai", "search_document_ad", "search_document_au"} <= trigger_names(conn)
                fts = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'search_fts'")).scalar()
                assert "scope" in fts
            else:
                tsv = conn.execute(text(
                    "SELECT generation_expression FROM information_schema.columns WHERE table_schema = "
                    "current_schema() AND table_name = 'search_document' AND column_name = 'tsv'")).scalar()
                assert "scope" in tsv
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert "call" not in set(inspect(conn).get_table_names())
        db.engine.dispose()
