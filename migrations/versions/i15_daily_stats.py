"""statistics as typed daily tables (issue 15): the generic cube and its version bookkeeping go;
per kind of fact a table with named columns, and the change log the database's triggers write

Revision ID: i15_daily_stats
Revises: i14_search_scope
"""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "i15_daily_stats"
down_revision = "i14_search_scope"
branch_labels = None
depends_on = None

OLD_TABLES = ("stats_sample", "stats_cube_month", "stats_month", "stats_cube", "stats_day")
NEW_TABLES = ("stats_faq_day", "stats_duration_day", "stats_enquiry_day", "stats_call_day", "stats_change")

# The triggers as this revision made them (frozen: later changes of hotline/models/stats.py come
# with their own revision).
SQLITE_TRIGGERS = [
    'CREATE TRIGGER stats_note_call_insert AFTER INSERT ON "call" FOR EACH ROW BEGIN INSERT INTO stats_change (at) SELECT at FROM (SELECT NEW.started_at AS at UNION SELECT created_at FROM enquiry WHERE call_id = NEW.id UNION SELECT assigned_at FROM enquiry WHERE call_id = NEW.id UNION SELECT first_response_at FROM enquiry WHERE call_id = NEW.id UNION SELECT answered_at FROM enquiry WHERE call_id = NEW.id UNION SELECT reopened_at FROM enquiry WHERE call_id = NEW.id UNION SELECT registered_at FROM enquiry WHERE call_id = NEW.id UNION SELECT legal_extended_at FROM enquiry WHERE call_id = NEW.id UNION SELECT used_at FROM faq_use WHERE call_id = NEW.id) AS m WHERE at IS NOT NULL; END',
    'CREATE TRIGGER stats_note_call_delete AFTER DELETE ON "call" FOR EACH ROW BEGIN INSERT INTO stats_change (at) SELECT at FROM (SELECT OLD.started_at AS at UNION SELECT created_at FROM enquiry WHERE call_id = OLD.id UNION SELECT assigned_at FROM enquiry WHERE call_id = OLD.id UNION SELECT first_response_at FROM enquiry WHERE call_id = OLD.id UNION SELECT answered_at FROM enquiry WHERE call_id = OLD.id UNION SELECT reopened_at FROM enquiry WHERE call_id = OLD.id UNION SELECT registered_at FROM enquiry WHERE call_id = OLD.id UNION SELECT legal_extended_at FROM enquiry WHERE call_id = OLD.id UNION SELECT used_at FROM faq_use WHERE call_id = OLD.id) AS m WHERE at IS NOT NULL; END',
    'CREATE TRIGGER stats_note_call_update AFTER UPDATE OF started_at, ended_at, topic_id, city_id, channel, operator_id, outcome, faq_match_id ON "call" FOR EACH ROW BEGIN INSERT INTO stats_change (at) SELECT at FROM (SELECT OLD.started_at AS at UNION SELECT created_at FROM enquiry WHERE call_id = OLD.id UNION SELECT assigned_at FROM enquiry WHERE call_id = OLD.id UNION SELECT first_response_at FROM enquiry WHERE call_id = OLD.id UNION SELECT answered_at FROM enquiry WHERE call_id = OLD.id UNION SELECT reopened_at FROM enquiry WHERE call_id = OLD.id UNION SELECT registered_at FROM enquiry WHERE call_id = OLD.id UNION SELECT legal_extended_at FROM enquiry WHERE call_id = OLD.id UNION SELECT used_at FROM faq_use WHERE call_id = OLD.id) AS m WHERE at IS NOT NULL; INSERT INTO stats_change (at) SELECT at FROM (SELECT NEW.started_at AS at UNION SELECT created_at FROM enquiry WHERE call_id = NEW.id UNION SELECT assigned_at FROM enquiry WHERE call_id = NEW.id UNION SELECT first_response_at FROM enquiry WHERE call_id = NEW.id UNION SELECT answered_at FROM enquiry WHERE call_id = NEW.id UNION SELECT reopened_at FROM enquiry WHERE call_id = NEW.id UNION SELECT registered_at FROM enquiry WHERE call_id = NEW.id UNION SELECT legal_extended_at FROM enquiry WHERE call_id = NEW.id UNION SELECT used_at FROM faq_use WHERE call_id = NEW.id) AS m WHERE at IS NOT NULL; END',
    'CREATE TRIGGER stats_note_enquiry_insert AFTER INSERT ON "enquiry" FOR EACH ROW BEGIN INSERT INTO stats_change (at) SELECT at FROM (SELECT NEW.created_at AS at UNION SELECT NEW.assigned_at AS at UNION SELECT NEW.first_response_at AS at UNION SELECT NEW.answered_at AS at UNION SELECT NEW.reopened_at AS at UNION SELECT NEW.registered_at AS at UNION SELECT NEW.legal_extended_at AS at UNION SELECT started_at FROM "call" WHERE id = NEW.call_id UNION SELECT used_at FROM faq_use WHERE call_id = NEW.call_id) AS m WHERE at IS NOT NULL; END',
    'CREATE TRIGGER stats_note_enquiry_delete AFTER DELETE ON "enquiry" FOR EACH ROW BEGIN INSERT INTO stats_change (at) SELECT at FROM (SELECT OLD.created_at AS at UNION SELECT OLD.assigned_at AS at UNION SELECT OLD.first_response_at AS at UNION SELECT OLD.answered_at AS at UNION SELECT OLD.reopened_at AS at UNION SELECT OLD.registered_at AS at UNION SELECT OLD.legal_extended_at AS at UNION SELECT started_at FROM "call" WHERE id = OLD.call_id UNION SELECT used_at FROM faq_use WHERE call_id = OLD.call_id) AS m WHERE at IS NOT NULL; END',
    'CREATE TRIGGER stats_note_enquiry_update AFTER UPDATE OF call_id, topic_id, city_id, status, assignee_id, due_at, first_response_due_at, answer_business_seconds, first_response_business_seconds, cancelled_at, formal_appeal, legal_due_at, created_at, assigned_at, first_response_at, answered_at, reopened_at, registered_at, legal_extended_at ON "enquiry" FOR EACH ROW BEGIN INSERT INTO stats_change (at) SELECT at FROM (SELECT OLD.created_at AS at UNION SELECT OLD.assigned_at AS at UNION SELECT OLD.first_response_at AS at UNION SELECT OLD.answered_at AS at UNION SELECT OLD.reopened_at AS at UNION SELECT OLD.registered_at AS at UNION SELECT OLD.legal_extended_at AS at UNION SELECT started_at FROM "call" WHERE id = OLD.call_id UNION SELECT used_at FROM faq_use WHERE call_id = OLD.call_id) AS m WHERE at IS NOT NULL; INSERT INTO stats_change (at) SELECT at FROM (SELECT NEW.created_at AS at UNION SELECT NEW.assigned_at AS at UNION SELECT NEW.first_response_at AS at UNION SELECT NEW.answered_at AS at UNION SELECT NEW.reopened_at AS at UNION SELECT NEW.registered_at AS at UNION SELECT NEW.legal_extended_at AS at UNION SELECT started_at FROM "call" WHERE id = NEW.call_id UNION SELECT used_at FROM faq_use WHERE call_id = NEW.call_id) AS m WHERE at IS NOT NULL; END',
    'CREATE TRIGGER stats_note_faq_use_insert AFTER INSERT ON "faq_use" FOR EACH ROW BEGIN INSERT INTO stats_change (at) SELECT at FROM (SELECT NEW.used_at AS at UNION SELECT started_at FROM "call" WHERE id = NEW.call_id) AS m WHERE at IS NOT NULL; END',
    'CREATE TRIGGER stats_note_faq_use_delete AFTER DELETE ON "faq_use" FOR EACH ROW BEGIN INSERT INTO stats_change (at) SELECT at FROM (SELECT OLD.used_at AS at UNION SELECT started_at FROM "call" WHERE id = OLD.call_id) AS m WHERE at IS NOT NULL; END',
    'CREATE TRIGGER stats_note_faq_use_update AFTER UPDATE OF entry_id, call_id, used_at ON "faq_use" FOR EACH ROW BEGIN INSERT INTO stats_change (at) SELECT at FROM (SELECT OLD.used_at AS at UNION SELECT started_at FROM "call" WHERE id = OLD.call_id) AS m WHERE at IS NOT NULL; INSERT INTO stats_change (at) SELECT at FROM (SELECT NEW.used_at AS at UNION SELECT started_at FROM "call" WHERE id = NEW.call_id) AS m WHERE at IS NOT NULL; END',
]
POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION stats_note_call() RETURNS trigger AS $$ BEGIN IF TG_OP <> 'INSERT' THEN INSERT INTO stats_change (at) SELECT at FROM (SELECT OLD.started_at AS at UNION SELECT created_at FROM enquiry WHERE call_id = OLD.id UNION SELECT assigned_at FROM enquiry WHERE call_id = OLD.id UNION SELECT first_response_at FROM enquiry WHERE call_id = OLD.id UNION SELECT answered_at FROM enquiry WHERE call_id = OLD.id UNION SELECT reopened_at FROM enquiry WHERE call_id = OLD.id UNION SELECT registered_at FROM enquiry WHERE call_id = OLD.id UNION SELECT legal_extended_at FROM enquiry WHERE call_id = OLD.id UNION SELECT used_at FROM faq_use WHERE call_id = OLD.id) AS m WHERE at IS NOT NULL; END IF; IF TG_OP <> 'DELETE' THEN INSERT INTO stats_change (at) SELECT at FROM (SELECT NEW.started_at AS at UNION SELECT created_at FROM enquiry WHERE call_id = NEW.id UNION SELECT assigned_at FROM enquiry WHERE call_id = NEW.id UNION SELECT first_response_at FROM enquiry WHERE call_id = NEW.id UNION SELECT answered_at FROM enquiry WHERE call_id = NEW.id UNION SELECT reopened_at FROM enquiry WHERE call_id = NEW.id UNION SELECT registered_at FROM enquiry WHERE call_id = NEW.id UNION SELECT legal_extended_at FROM enquiry WHERE call_id = NEW.id UNION SELECT used_at FROM faq_use WHERE call_id = NEW.id) AS m WHERE at IS NOT NULL; END IF; RETURN NULL; END $$ LANGUAGE plpgsql",
    'CREATE TRIGGER stats_note_call AFTER INSERT OR DELETE OR UPDATE OF started_at, ended_at, topic_id, city_id, channel, operator_id, outcome, faq_match_id ON "call" FOR EACH ROW EXECUTE FUNCTION stats_note_call()',
    'CREATE OR REPLACE FUNCTION stats_note_enquiry() RETURNS trigger AS $$ BEGIN IF TG_OP <> \'INSERT\' THEN INSERT INTO stats_change (at) SELECT at FROM (SELECT OLD.created_at AS at UNION SELECT OLD.assigned_at AS at UNION SELECT OLD.first_response_at AS at UNION SELECT OLD.answered_at AS at UNION SELECT OLD.reopened_at AS at UNION SELECT OLD.registered_at AS at UNION SELECT OLD.legal_extended_at AS at UNION SELECT started_at FROM "call" WHERE id = OLD.call_id UNION SELECT used_at FROM faq_use WHERE call_id = OLD.call_id) AS m WHERE at IS NOT NULL; END IF; IF TG_OP <> \'DELETE\' THEN INSERT INTO stats_change (at) SELECT at FROM (SELECT NEW.created_at AS at UNION SELECT NEW.assigned_at AS at UNION SELECT NEW.first_response_at AS at UNION SELECT NEW.answered_at AS at UNION SELECT NEW.reopened_at AS at UNION SELECT NEW.registered_at AS at UNION SELECT NEW.legal_extended_at AS at UNION SELECT started_at FROM "call" WHERE id = NEW.call_id UNION SELECT used_at FROM faq_use WHERE call_id = NEW.call_id) AS m WHERE at IS NOT NULL; END IF; RETURN NULL; END $$ LANGUAGE plpgsql',
    'CREATE TRIGGER stats_note_enquiry AFTER INSERT OR DELETE OR UPDATE OF call_id, topic_id, city_id, status, assignee_id, due_at, first_response_due_at, answer_business_seconds, first_response_business_seconds, cancelled_at, formal_appeal, legal_due_at, created_at, assigned_at, first_response_at, answered_at, reopened_at, registered_at, legal_extended_at ON "enquiry" FOR EACH ROW EXECUTE FUNCTION stats_note_enquiry()',
    'CREATE OR REPLACE FUNCTION stats_note_faq_use() RETURNS trigger AS $$ BEGIN IF TG_OP <> \'INSERT\' THEN INSERT INTO stats_change (at) SELECT at FROM (SELECT OLD.used_at AS at UNION SELECT started_at FROM "call" WHERE id = OLD.call_id) AS m WHERE at IS NOT NULL; END IF; IF TG_OP <> \'DELETE\' THEN INSERT INTO stats_change (at) SELECT at FROM (SELECT NEW.used_at AS at UNION SELECT started_at FROM "call" WHERE id = NEW.call_id) AS m WHERE at IS NOT NULL; END IF; RETURN NULL; END $$ LANGUAGE plpgsql',
    'CREATE TRIGGER stats_note_faq_use AFTER INSERT OR DELETE OR UPDATE OF entry_id, call_id, used_at ON "faq_use" FOR EACH ROW EXECUTE FUNCTION stats_note_faq_use()',
]


def upgrade():
    for name in OLD_TABLES:
        op.drop_table(name)
    op.create_table(
        'stats_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_change')),
    )
    op.create_table(
        'stats_call_day',
        sa.Column('calls', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Integer(), nullable=False),
        sa.Column('routed', sa.Integer(), nullable=False),
        sa.Column('info', sa.Integer(), nullable=False),
        sa.Column('dropped', sa.Integer(), nullable=False),
        sa.Column('ended', sa.Integer(), nullable=False),
        sa.Column('handle_seconds', sa.Double(), nullable=False),
        sa.Column('faq_assisted', sa.Integer(), nullable=False),
        sa.Column('h00', sa.Integer(), nullable=False),
        sa.Column('h01', sa.Integer(), nullable=False),
        sa.Column('h02', sa.Integer(), nullable=False),
        sa.Column('h03', sa.Integer(), nullable=False),
        sa.Column('h04', sa.Integer(), nullable=False),
        sa.Column('h05', sa.Integer(), nullable=False),
        sa.Column('h06', sa.Integer(), nullable=False),
        sa.Column('h07', sa.Integer(), nullable=False),
        sa.Column('h08', sa.Integer(), nullable=False),
        sa.Column('h09', sa.Integer(), nullable=False),
        sa.Column('h10', sa.Integer(), nullable=False),
        sa.Column('h11', sa.Integer(), nullable=False),
        sa.Column('h12', sa.Integer(), nullable=False),
        sa.Column('h13', sa.Integer(), nullable=False),
        sa.Column('h14', sa.Integer(), nullable=False),
        sa.Column('h15', sa.Integer(), nullable=False),
        sa.Column('h16', sa.Integer(), nullable=False),
        sa.Column('h17', sa.Integer(), nullable=False),
        sa.Column('h18', sa.Integer(), nullable=False),
        sa.Column('h19', sa.Integer(), nullable=False),
        sa.Column('h20', sa.Integer(), nullable=False),
        sa.Column('h21', sa.Integer(), nullable=False),
        sa.Column('h22', sa.Integer(), nullable=False),
        sa.Column('h23', sa.Integer(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('grain', sa.String(length=5), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=True),
        sa.Column('city_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=True),
        sa.Column('operator_id', sa.Integer(), nullable=True),
        sa.Column('coordinator_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_call_day')),
    )
    op.create_index('ix_stats_call_day', 'stats_call_day', ['grain', 'day'])
    op.create_table(
        'stats_enquiry_day',
        sa.Column('created', sa.Integer(), nullable=False),
        sa.Column('cancelled', sa.Integer(), nullable=False),
        sa.Column('assigned', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Integer(), nullable=False),
        sa.Column('on_time', sa.Integer(), nullable=False),
        sa.Column('answer_timed', sa.Integer(), nullable=False),
        sa.Column('answer_seconds', sa.Double(), nullable=False),
        sa.Column('answers', sa.Integer(), nullable=False),
        sa.Column('reopened', sa.Integer(), nullable=False),
        sa.Column('responded', sa.Integer(), nullable=False),
        sa.Column('responded_in_time', sa.Integer(), nullable=False),
        sa.Column('appeals_registered', sa.Integer(), nullable=False),
        sa.Column('appeals_registered_in_time', sa.Integer(), nullable=False),
        sa.Column('appeals_answered', sa.Integer(), nullable=False),
        sa.Column('appeals_answered_in_time', sa.Integer(), nullable=False),
        sa.Column('appeals_extended', sa.Integer(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('grain', sa.String(length=5), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=True),
        sa.Column('city_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=True),
        sa.Column('operator_id', sa.Integer(), nullable=True),
        sa.Column('coordinator_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_enquiry_day')),
    )
    op.create_index('ix_stats_enquiry_day', 'stats_enquiry_day', ['grain', 'day'])
    op.create_table(
        'stats_duration_day',
        sa.Column('measure', sa.String(length=16), nullable=False),
        sa.Column('bucket', sa.SmallInteger(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('grain', sa.String(length=5), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=True),
        sa.Column('city_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=True),
        sa.Column('operator_id', sa.Integer(), nullable=True),
        sa.Column('coordinator_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_duration_day')),
    )
    op.create_index('ix_stats_duration_day', 'stats_duration_day', ['grain', 'day'])
    op.create_table(
        'stats_faq_day',
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('grain', sa.String(length=5), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=True),
        sa.Column('city_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=True),
        sa.Column('operator_id', sa.Integer(), nullable=True),
        sa.Column('coordinator_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_faq_day')),
    )
    op.create_index('ix_stats_faq_day', 'stats_faq_day', ['grain', 'day'])
    bind = op.get_bind()
    for statement in POSTGRESQL_TRIGGERS if bind.dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)
    _note_every_day(bind)


def _note_every_day(bind):
    """Every day from the first fact to today goes into the change log (local noon), so the first
    refresh computes the whole history."""
    firsts = [bind.execute(sa.text(f"SELECT min({column}) FROM {table}")).scalar()
              for table, column in (('"call"', "started_at"), ("enquiry", "created_at"), ("faq_use", "used_at"))]
    firsts = [_aware(moment) for moment in firsts if moment is not None]
    if not firsts:
        return
    zone = ZoneInfo("Asia/Yekaterinburg")
    first = min(firsts).astimezone(zone).date() - timedelta(days=1)  # a day each side: whatever the
    last = datetime.now(zone).date() + timedelta(days=1)  # configured zone, every local day is covered
    change = sa.table("stats_change", sa.column("at", sa.DateTime(timezone=True)))
    rows = [{"at": datetime.combine(first + timedelta(days=i), time(12), tzinfo=zone).astimezone(timezone.utc)}
            for i in range((last - first).days + 1)]
    if rows:
        op.bulk_insert(change, rows)


def _aware(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in ("call", "enquiry", "faq_use"):
            op.execute(f'DROP TRIGGER IF EXISTS stats_note_{table} ON "{table}"')
            op.execute(f"DROP FUNCTION IF EXISTS stats_note_{table}()")
    else:
        for table in ("call", "enquiry", "faq_use"):
            for kind in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS stats_note_{table}_{kind}")
    for name in NEW_TABLES:
        op.drop_table(name)
    _old_tables()


def _old_tables():
    """The cube as the initial schema made it, empty: the previous revision's code reads the raw
    rows for every day its rollup has not built."""
    op.create_table('stats_cube',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('fact', sa.String(length=12), nullable=False),
    sa.Column('fdim', sa.String(length=12), nullable=False),
    sa.Column('fval', sa.String(length=40), nullable=False),
    sa.Column('gdim', sa.String(length=12), nullable=False),
    sa.Column('gval', sa.String(length=40), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('m1', sa.Integer(), nullable=False),
    sa.Column('m2', sa.Integer(), nullable=False),
    sa.Column('m3', sa.Integer(), nullable=False),
    sa.Column('m4', sa.Integer(), nullable=False),
    sa.Column('m5', sa.Integer(), nullable=False),
    sa.Column('m6', sa.Integer(), nullable=False),
    sa.Column('total', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_cube'))
    )
    with op.batch_alter_table('stats_cube', schema=None) as batch_op:
        batch_op.create_index('ix_stats_cube_day', ['day'], unique=False)
        batch_op.create_index('ix_stats_cube_lookup', ['fact', 'fdim', 'fval', 'gdim', 'day'], unique=False)

    op.create_table('stats_cube_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('fact', sa.String(length=12), nullable=False),
    sa.Column('fdim', sa.String(length=12), nullable=False),
    sa.Column('fval', sa.String(length=40), nullable=False),
    sa.Column('gdim', sa.String(length=12), nullable=False),
    sa.Column('gval', sa.String(length=40), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('m1', sa.Integer(), nullable=False),
    sa.Column('m2', sa.Integer(), nullable=False),
    sa.Column('m3', sa.Integer(), nullable=False),
    sa.Column('m4', sa.Integer(), nullable=False),
    sa.Column('m5', sa.Integer(), nullable=False),
    sa.Column('m6', sa.Integer(), nullable=False),
    sa.Column('total', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_cube_month'))
    )
    with op.batch_alter_table('stats_cube_month', schema=None) as batch_op:
        batch_op.create_index('ix_stats_cube_month_lookup', ['fact', 'fdim', 'fval', 'gdim', 'month'], unique=False)

    op.create_table('stats_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('built_version', sa.Integer(), nullable=True),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_stats_day'))
    )
    op.create_table('stats_month',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_stats_month'))
    )
    op.create_table('stats_sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('bucket', sa.SmallInteger(), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=24), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('coordinator_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_sample'))
    )
    with op.batch_alter_table('stats_sample', schema=None) as batch_op:
        batch_op.create_index('ix_stats_sample_bucket', ['kind', 'bucket', 'day', 'value'], unique=False)
        batch_op.create_index('ix_stats_sample_coordinator', ['kind', 'coordinator_id', 'value', 'day'], unique=False)
        batch_op.create_index('ix_stats_sample_day', ['day'], unique=False)
