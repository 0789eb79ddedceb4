"""The statistics tables get narrow grains (hotline/models/stats.py, GRAINS): the same facts by one
or two dimensions alone, so a figure over a year reads a few hundred rows instead of tens of
thousands. The coordinator-alone grain is renamed from c-day/c-mon to c-d/c-m. Every day goes into
the change log, so the first refresh after the upgrade writes the new rows (about nine minutes per
million calls; until then the figures that read them are short).

Revision ID: i17_stats_narrow_grains
Revises: i16_dropped_call_topic
"""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "i17_stats_narrow_grains"
down_revision = "i16_dropped_call_topic"
branch_labels = None
depends_on = None

TABLES = ("stats_call_day", "stats_enquiry_day", "stats_duration_day", "stats_faq_day")


def _note_every_day(bind):
    """Every day from the first fact to today into the change log (local noon, a day each side)."""
    firsts = [bind.execute(sa.text(f"SELECT min({column}) FROM {table}")).scalar()
              for table, column in (('"call"', "started_at"), ("enquiry", "created_at"), ("faq_use", "used_at"))]
    firsts = [_aware(moment) for moment in firsts if moment is not None]
    if not firsts:
        return
    zone = ZoneInfo("Asia/Yekaterinburg")
    first = min(firsts).astimezone(zone).date() - timedelta(days=1)
    last = datetime.now(zone).date() + timedelta(days=1)
    change = sa.table("stats_change", sa.column("at", sa.DateTime(timezone=True)))
    op.bulk_insert(change, [
        {"at": datetime.combine(first + timedelta(days=i), time(12), tzinfo=zone).astimezone(timezone.utc)}
        for i in range((last - first).days + 1)])


def _aware(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _keep_only(grains) -> None:
    quoted = ", ".join(f"'{grain}'" for grain in grains)
    for table in TABLES:
        op.execute(f"DELETE FROM {table} WHERE grain NOT IN ({quoted})")
    _note_every_day(op.get_bind())


def upgrade():
    _keep_only(("day", "month"))


def downgrade():
    _keep_only(("day", "month"))
