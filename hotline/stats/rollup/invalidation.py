"""Invalidation of the rollup: every change made through the session to a call, an enquiry or a
FAQ use (unit of work, or bulk UPDATE / DELETE / INSERT statements through `Session.execute`)
bumps the version of every day the row is counted on, before and after the change."""
from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from typing import Iterable

from flask_sqlalchemy.session import Session
from sqlalchemy import bindparam, event, select, union_all, update

from ...extensions import db
from ...models import Call, Enquiry, FaqUse, StatsDay
from ...timefmt import local_zone
from ..period import today_local



def _local(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(local_zone()).date()


def _before_today() -> datetime:
    """The start of today, Perm time: days from then on are never built, so never dirty."""
    return datetime.combine(today_local(), time.min, tzinfo=local_zone())


@lru_cache(maxsize=None)
def _days_statement(kinds: tuple[str, ...]):
    """The UNION ALL of every moment the rows of `kinds` count on, before :before; the ids of
    each kind are an expanding parameter named after it, so each shape is built once."""
    given = {kind: bindparam(kind, expanding=True) for kind in kinds}
    own_calls = {"call": lambda ids: select(Call.id).where(Call.id.in_(ids)),
                 "enquiry": lambda ids: select(Enquiry.call_id).where(Enquiry.id.in_(ids)),
                 "use": lambda ids: select(FaqUse.call_id).where(FaqUse.id.in_(ids))}
    calls = [own_calls[kind](given[kind]) for kind in kinds]
    of_calls = union_all(*calls) if len(calls) > 1 else calls[0]
    before = bindparam("before")

    def moments(columns, condition):
        return [select(moment.label("at")).where(condition, moment < before) for moment in columns]

    enquiry_moments = (Enquiry.created_at, Enquiry.assigned_at, Enquiry.answered_at)
    parts = [*moments((Call.started_at,), Call.id.in_(of_calls)),
             *moments(enquiry_moments, Enquiry.call_id.in_(of_calls)),
             *moments((FaqUse.used_at,), FaqUse.call_id.in_(of_calls))]
    if "enquiry" in kinds:  # the rows themselves (an enquiry or a use may have no call)
        parts += moments(enquiry_moments, Enquiry.id.in_(given["enquiry"]))
    if "use" in kinds:
        parts += moments((FaqUse.used_at,), FaqUse.id.in_(given["use"]))
    return union_all(*parts)


def days_of(call_ids=(), enquiry_ids=(), use_ids=()) -> set[date]:
    """Every closed day (before today) the rows are counted on: a call's day and its enquiries'
    and FAQ uses' days; an enquiry's created / assigned / answered days and its call's; a FAQ
    use's day and its call's. One query; the moments are filtered in the database, so the usual
    case (today's rows) returns nothing."""
    given = {kind: sorted(set(ids)) for kind, ids in (("call", call_ids), ("enquiry", enquiry_ids),
                                                      ("use", use_ids)) if ids}
    if not given:
        return set()
    params = {"before": _before_today(), **given}
    found = db.session.connection().execute(_days_statement(tuple(given)), params).scalars()
    return {_local(moment) for moment in found if moment is not None}


def mark_dirty(days: Iterable[date]) -> None:
    """Bump the version of these days (only built days have a row; the others are live anyway).
    Today and later are never built, so the usual case — a change to today's facts — costs nothing."""
    today = today_local()
    days = sorted({day for day in days if day is not None and day < today})
    if days:
        db.session.connection().execute(
            update(StatsDay).where(StatsDay.day.in_(days)).values(version=StatsDay.version + 1))


_WATCHED = {
    Call: {"started_at", "ended_at", "topic_id", "city_id", "channel", "operator_id", "outcome"},
    Enquiry: {"created_at", "assigned_at", "answered_at", "status", "assignee_id", "topic_id", "city_id",
              "due_at", "answer_business_seconds", "call_id", "reopened_at", "cancelled_at"},
    FaqUse: {"used_at", "call_id", "entry_id"},
}


def _changed(obj) -> bool:
    from sqlalchemy import inspect

    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in _WATCHED[type(obj)])


def _collect(objects) -> tuple[set, set, set]:
    calls, enquiries, uses = set(), set(), set()
    for obj in objects:
        target = {Call: calls, Enquiry: enquiries, FaqUse: uses}.get(type(obj))
        if target is not None and obj.id is not None:
            target.add(obj.id)
    return calls, enquiries, uses


@event.listens_for(Session, "before_flush")
def _mark_before_flush(session, flush_context, instances) -> None:
    changed = [obj for obj in session.dirty if type(obj) in _WATCHED and _changed(obj)]
    deleted = [obj for obj in session.deleted if type(obj) in _WATCHED]
    if not changed and not deleted:
        return
    calls, enquiries, uses = _collect(changed + deleted)
    mark_dirty(days_of(calls, enquiries, uses))  # where they were counted before the change
    session.info["stats.changed"] = _collect(changed)


@event.listens_for(Session, "after_flush")
def _mark_after_flush(session, flush_context) -> None:
    changed = session.info.pop("stats.changed", (set(), set(), set()))
    calls, enquiries, uses = _collect(obj for obj in session.new if type(obj) in _WATCHED)
    calls |= changed[0]
    enquiries |= changed[1]
    uses |= changed[2]
    if calls or enquiries or uses:
        mark_dirty(days_of(calls, enquiries, uses))  # where they are counted now


# Execution option of an INSERT of an enquiry (or FAQ use) for a call inserted in the same
# transaction: that call's start. It then has no other rows counted elsewhere, so the days the
# new row touches are known without asking the database (the hot path of call logging).
NEW_CALL_STARTED = "stats_new_call_started_at"

_TABLES = {Call.__table__.name: "call", Enquiry.__table__.name: "enquiry", FaqUse.__table__.name: "use"}


@event.listens_for(Session, "do_orm_execute")
def _mark_bulk_statements(state):
    if not (state.is_update or state.is_delete or state.is_insert):
        return None
    table = getattr(state.statement, "table", None)
    kind = _TABLES.get(getattr(table, "name", None))
    if kind is None:
        return None
    session = state.session
    if state.is_update and _sets_only_uncounted(state.statement):
        return None  # free text (anonymisation): no figure changes

    def by_kind(ids):
        return days_of(ids if kind == "call" else (), ids if kind == "enquiry" else (), ids if kind == "use" else ())

    if state.is_insert:
        result = state.invoke_statement()
        params = state.parameters
        rows = params if isinstance(params, list) else [params or {}]
        days, call_ids = set(), set()
        for row in rows:
            for name in ("started_at", "created_at", "assigned_at", "answered_at", "used_at"):
                if isinstance(row.get(name), datetime):
                    days.add(_local(row[name]))
            if kind != "call" and row.get("call_id") is not None:
                call_ids.add(row["call_id"])
        if NEW_CALL_STARTED in state.execution_options:
            # The call was inserted in this transaction: its day is all it is counted on so far.
            days.add(_local(state.execution_options[NEW_CALL_STARTED]))
        else:
            days |= days_of(call_ids)
        days.discard(None)
        mark_dirty(days)
        return result
    where = state.statement.whereclause
    matched = select(table.c.id).where(where) if where is not None else select(table.c.id)
    ids = list(session.connection().execute(matched).scalars())  # then the cached days statement
    if not ids:
        return None
    mark_dirty(by_kind(ids))  # where they were counted
    result = state.invoke_statement()
    if state.is_update:
        after = _days_after_update(state.statement)
        mark_dirty(by_kind(ids) if after is None else after)  # where they are counted now
    return result


# Free text that no figure reads: an UPDATE that sets only these leaves every day as it was.
_UNCOUNTED_COLUMNS = {"question", "answer", "cancel_reason", "return_reason", "legal_extension_reason"}


def _sets_only_uncounted(statement) -> bool:
    names = {getattr(column, "key", column) for column in (getattr(statement, "_values", None) or {})}
    return bool(names) and names <= _UNCOUNTED_COLUMNS


# The columns that decide which days a row counts on.
_DAY_COLUMNS = {"started_at", "created_at", "assigned_at", "answered_at", "used_at", "call_id"}


def _days_after_update(statement) -> set[date] | None:
    """The days an UPDATE moves its rows to, when the statement itself says so: none if it sets
    no day-deciding column, the days of the literal values it sets; None when only the rows can
    tell (an expression, or a new call_id), and they must be read again."""
    values = {getattr(column, "key", column): value
              for column, value in (getattr(statement, "_values", None) or {}).items()}
    days: set[date] = set()
    for name in _DAY_COLUMNS & set(values):
        value = values[name]
        literal = getattr(value, "value", None) if hasattr(value, "value") else None
        if name == "call_id" or not isinstance(literal, datetime):
            if name != "call_id" and getattr(value, "value", 0) is None:
                continue  # set to NULL: the row stops counting on a day; the before-pass marked it
            return None
        days.add(_local(literal))
    return days
