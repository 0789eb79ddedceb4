"""The statistics tables (see hotline/stats/daily.py): one typed table per kind of fact, a row per
Perm-local day (and per calendar month, summed from the days) and per combination of the filter
dimensions, and the change log that tells the refresh job which days to compute again.

The change log is written by the database itself: triggers on `call`, `enquiry` and `faq_use` note
every instant a changed row is counted on, before and after the change, and the instants of the
rows counted with it (a call's enquiry and FAQ uses, an enquiry's call). Whatever writes — a verb,
a bulk UPDATE, an import, a hand-typed SQL statement — the log has it, in the same transaction."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DDL, Index, Integer, SmallInteger, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime

DIMENSIONS = ("topic_id", "city_id", "channel", "operator_id", "coordinator_id")
DAY, MONTH = "day", "month"  # the grain of the rows by every dimension
# The same facts by a few dimensions alone, the others summed (a few rows a day, not hundreds): what
# a figure reads when it groups and filters by nothing else. Their grains are "<code>-d"/"<code>-m".
NARROW = {"c": ("coordinator_id",), "t": ("topic_id",), "y": ("city_id",), "h": ("channel",),
          "o": ("operator_id",), "ct": ("coordinator_id", "topic_id")}
GRAINS = {(DAY, MONTH): DIMENSIONS, **{(f"{code}-d", f"{code}-m"): by for code, by in NARROW.items()}}
HOURS = tuple(f"h{hour:02d}" for hour in range(24))


class StatsChange(db.Model):
    """An instant whose Perm-local day must be computed again. The refresh reads a batch, computes
    the days, and deletes exactly the rows it read, so a transaction that commits late (a lower
    id, visible only after a later one) is read by the next run: nothing slips past."""

    __tablename__ = "stats_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatsKey:
    """What every statistics row is keyed by: its span and the filter dimensions of SPEC 7."""

    id: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(5))  # a key of GRAINS (a month's `day` is its 1st)
    day: Mapped[date]
    topic_id: Mapped[int | None]
    city_id: Mapped[int | None]
    channel: Mapped[str | None] = mapped_column(String(20))
    operator_id: Mapped[int | None]  # who logged the call
    coordinator_id: Mapped[int | None]  # who holds the enquiry (the call's, for call facts)


class CallDay(StatsKey, db.Model):
    """Calls by the day they started: counts by outcome, handle time over the calls with an end,
    answered calls a FAQ entry helped, and the calls per local hour (h00 … h23)."""

    __tablename__ = "stats_call_day"
    __table_args__ = (Index("ix_stats_call_day", "grain", "day"),)

    calls: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0)
    routed: Mapped[int] = mapped_column(default=0)
    info: Mapped[int] = mapped_column(default=0)
    dropped: Mapped[int] = mapped_column(default=0)
    ended: Mapped[int] = mapped_column(default=0)
    handle_seconds: Mapped[float] = mapped_column(default=0.0)
    faq_assisted: Mapped[int] = mapped_column(default=0)
    for _hour in HOURS:
        locals()[_hour] = mapped_column(Integer, default=0, nullable=False)
    del _hour


class EnquiryDay(StatsKey, db.Model):
    """Enquiry events, each on the day it happened: created (and since cancelled), assigned,
    answered (latest answer, status answered or closed; on time; business seconds), answers given
    whatever followed (the reopen rate's denominator), reopened, first responses (in time), and
    the 59-FZ appeals registered (within 3 days), answered (by the legal deadline) and extended."""

    __tablename__ = "stats_enquiry_day"
    __table_args__ = (Index("ix_stats_enquiry_day", "grain", "day"),)

    created: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)
    assigned: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0)
    on_time: Mapped[int] = mapped_column(default=0)
    answer_timed: Mapped[int] = mapped_column(default=0)
    answer_seconds: Mapped[float] = mapped_column(default=0.0)
    answers: Mapped[int] = mapped_column(default=0)
    reopened: Mapped[int] = mapped_column(default=0)
    responded: Mapped[int] = mapped_column(default=0)
    responded_in_time: Mapped[int] = mapped_column(default=0)
    appeals_registered: Mapped[int] = mapped_column(default=0)
    appeals_registered_in_time: Mapped[int] = mapped_column(default=0)
    appeals_answered: Mapped[int] = mapped_column(default=0)
    appeals_answered_in_time: Mapped[int] = mapped_column(default=0)
    appeals_extended: Mapped[int] = mapped_column(default=0)


class DurationDay(StatsKey, db.Model):
    """How many durations of a kind (`assign`, `answer`, `first_response`) fell in each bucket,
    on the day of the event they end with; percentiles are read from these (hotline/stats/daily.py
    gives the buckets and their error bound)."""

    __tablename__ = "stats_duration_day"
    __table_args__ = (Index("ix_stats_duration_day", "grain", "day"),)

    measure: Mapped[str] = mapped_column(String(16))
    bucket: Mapped[int] = mapped_column(SmallInteger)
    n: Mapped[int] = mapped_column(default=0)


class FaqDay(StatsKey, db.Model):
    """Per FAQ entry: its uses (`use`, by the day used) and the routed calls a published entry
    answered well (`routed_match`, by the day of the call); dimensions from the call."""

    __tablename__ = "stats_faq_day"
    __table_args__ = (Index("ix_stats_faq_day", "grain", "day"),)

    entry_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    n: Mapped[int] = mapped_column(default=0)


# --- the change log's triggers -----------------------------------------------------------------

ENQUIRY_INSTANTS = ("created_at", "assigned_at", "first_response_at", "answered_at", "reopened_at",
                    "registered_at", "legal_extended_at")
WATCHED = {  # table → (the columns a figure reads, its own instants, the related rows' instants)
    "call": (("started_at", "ended_at", "topic_id", "city_id", "channel", "operator_id", "outcome", "faq_match_id"),
             ("started_at",),
             tuple(f'SELECT {c} FROM enquiry WHERE call_id = {{row}}.id' for c in ENQUIRY_INSTANTS)
             + ("SELECT used_at FROM faq_use WHERE call_id = {row}.id",)),
    "enquiry": (("call_id", "topic_id", "city_id", "status", "assignee_id", "due_at", "first_response_due_at",
                 "answer_business_seconds", "first_response_business_seconds", "cancelled_at", "formal_appeal",
                 "legal_due_at") + ENQUIRY_INSTANTS,
                ENQUIRY_INSTANTS,
                ('SELECT started_at FROM "call" WHERE id = {row}.call_id',
                 "SELECT used_at FROM faq_use WHERE call_id = {row}.call_id")),
    "faq_use": (("entry_id", "call_id", "used_at"), ("used_at",),
                ('SELECT started_at FROM "call" WHERE id = {row}.call_id',)),
}


def _note(table: str, row: str) -> str:
    _columns, own, related = WATCHED[table]
    moments = [f"SELECT {row}.{column} AS at" for column in own] + [q.format(row=row) for q in related]
    return f"INSERT INTO stats_change (at) SELECT at FROM ({' UNION '.join(moments)}) AS m WHERE at IS NOT NULL;"


def trigger_statements(dialect: str) -> list[str]:
    statements = []
    for table, (columns, _own, _related) in WATCHED.items():
        quoted, name = f'"{table}"', f"stats_note_{table}"
        if dialect == "postgresql":
            statements.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
                f"IF TG_OP <> 'INSERT' THEN {_note(table, 'OLD')} END IF; "
                f"IF TG_OP <> 'DELETE' THEN {_note(table, 'NEW')} END IF; RETURN NULL; END $$ LANGUAGE plpgsql")
            statements.append(f"CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF {', '.join(columns)} "
                              f"ON {quoted} FOR EACH ROW EXECUTE FUNCTION {name}()")
            continue
        for event_, rows in (("INSERT", ("NEW",)), ("DELETE", ("OLD",)),
                             (f"UPDATE OF {', '.join(columns)}", ("OLD", "NEW"))):
            body = " ".join(_note(table, row) for row in rows)
            statements.append(f"CREATE TRIGGER {name}_{event_.split()[0].lower()} AFTER {event_} ON {quoted} "
                              f"FOR EACH ROW BEGIN {body} END")
    return statements


def _create_triggers(target, connection, tables=(), **kw) -> None:
    if StatsChange.__table__ not in tables:
        return  # the log was there already, and so were its triggers
    for statement in trigger_statements(connection.dialect.name):
        connection.execute(DDL(statement))


# Created with the log (the watched tables exist by then: create_all orders by foreign keys, and
# the log has none, so it waits for the end of the metadata instead).
event.listen(db.Model.metadata, "after_create", _create_triggers)
