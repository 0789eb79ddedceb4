"""The schema comes from migrations: they upgrade an empty database and match the models."""
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from hotline import create_app
from hotline.extensions import db


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
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert "call" not in set(inspect(conn).get_table_names())
        db.engine.dispose()
