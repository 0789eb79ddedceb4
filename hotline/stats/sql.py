"""SQL building blocks that differ between SQLite and PostgreSQL: Perm local day / hour /
weekday of a UTC column, durations in seconds, and percentiles computed in the database."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, Integer, cast, func, literal_column, over, select
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from ..extensions import db
from ..timefmt import local_zone


def dialect() -> str:
    return db.engine.dialect.name


def _sqlite_shift(at: datetime) -> str:
    # Perm keeps one offset (UTC+5) since 2014; SQLite has no zone database, so the offset in
    # force at the start of the period is applied to the whole period.
    seconds = int(local_zone().utcoffset(at.replace(tzinfo=None)).total_seconds())
    return f"{seconds:+d} seconds"


def local_day(column, at: datetime) -> ColumnElement:
    if dialect() == "sqlite":
        return func.date(column, _sqlite_shift(at))
    return cast(func.timezone(local_zone().key, column), db.Date)


def local_hour(column, at: datetime) -> ColumnElement:
    if dialect() == "sqlite":
        return cast(func.strftime("%H", column, _sqlite_shift(at)), Integer)
    return cast(func.extract("hour", func.timezone(local_zone().key, column)), Integer)


def local_weekday(column, at: datetime) -> ColumnElement:
    """0 = Sunday … 6 = Saturday, as both databases count."""
    if dialect() == "sqlite":
        return cast(func.strftime("%w", column, _sqlite_shift(at)), Integer)
    return cast(func.extract("dow", func.timezone(local_zone().key, column)), Integer)


class not_indexed(ColumnElement):
    """`column` in a condition SQLite must not answer through an index on it (rendered `+column`,
    SQLite's own way to rule an index out; PostgreSQL sees the plain column).

    Without table statistics SQLite takes `status IN (answered, closed)` for the most selective
    condition and walks `ix_enquiry_status_*` over most of the enquiries instead of the range of
    the instant index (answered_at …). `with_hint` cannot say INDEXED BY: SQLAlchemy's SQLite
    compiler renders no FROM hints."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column
        self.type = column.type


@compiles(not_indexed)
def _not_indexed(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(not_indexed, "sqlite")
def _not_indexed_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.column, **kw)


def _sqlite_from_hint(self, table, text):
    return text


# SQLAlchemy places a FROM hint right after the table name, where SQLite wants `INDEXED BY`, but
# its SQLite compiler renders none (the base method returns None). Only statements that ask for
# a hint for "sqlite" are affected: `indexed_by` below.
SQLiteCompiler.get_from_hint_text = _sqlite_from_hint


def indexed_by(statement, table, index: str):
    """`statement` reading `table` through `index` on SQLite (INDEXED BY; the statement fails
    if the index cannot serve it); unchanged on PostgreSQL, whose planner has statistics."""
    return statement.with_hint(table, f"INDEXED BY {index}", "sqlite")


def seconds_between(start, end) -> ColumnElement:
    if dialect() == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return cast(func.extract("epoch", end - start), Float)


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def rank_for(pct: int, n: int) -> int:
    """Nearest-rank percentile: the value at 1-based rank ceil(pct/100 · n)."""
    return max(1, (pct * n + 99) // 100)


def percentiles(value, where: list, pcts: tuple[int, ...] = (50, 90), group=None,
                from_obj=None) -> dict:
    """Nearest-rank percentiles of `value` over the rows matching `where`, in one sorted pass in
    the database. Returns {pct: value} or, with `group`, {group_value: {pct: value}}."""
    partition = [group] if group is not None else None
    rn = over(func.row_number(), partition_by=partition, order_by=value).label("rn")
    n = over(func.count(literal_column("1")), partition_by=partition).label("n")
    columns = [value.label("v"), rn, n] + ([group.label("g")] if group is not None else [])
    inner = select(*columns).where(value.is_not(None), *where)
    if from_obj is not None:
        inner = inner.select_from(from_obj)
    inner = inner.subquery()
    wanted = [inner.c.rn == (inner.c.n * pct + 99) // 100 for pct in pcts]
    cols = [inner.c.v, inner.c.rn, inner.c.n] + ([inner.c.g] if group is not None else [])
    rows = db.session.execute(select(*cols).where(db.or_(*wanted))).all()
    result: dict = {}
    for row in rows:
        key = row.g if group is not None else None
        bucket = result.setdefault(key, {pct: None for pct in pcts})
        for pct in pcts:
            if row.rn == rank_for(pct, row.n):
                bucket[pct] = float(row.v)
    if group is None:
        return result.get(None, {pct: None for pct in pcts})
    return result
