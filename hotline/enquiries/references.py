"""Public references `ЗЛ-YYYY-NNNNNN`: unique and gapless per year, even under concurrent saves."""
from __future__ import annotations

import re

from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import ReferenceCounter

PREFIX = "ЗЛ"
_PATTERN = re.compile(r"^\s*(ЗЛ|ZL|зл|zl)-(\d{4})-(\d{1,6})\s*$")


def format_reference(year: int, number: int) -> str:
    return f"{PREFIX}-{year}-{number:06d}"


def parse_reference(text: str) -> str | None:
    """The canonical reference for `ЗЛ-…` or its Latin alias `ZL-…`, or None if it is not one."""
    match = _PATTERN.match(text or "")
    if not match:
        return None
    return format_reference(int(match.group(2)), int(match.group(3)))


_counter = ReferenceCounter.__table__
# Built once, a plain table statement: every routed call runs it.
BUMP = (update(_counter).where(_counter.c.year == bindparam("for_year"))
        .values(last_value=_counter.c.last_value + 1).returning(_counter.c.last_value))


def next_reference(year: int) -> str:
    """Take the next number for `year`. The counter row stays locked until the transaction ends,
    so two operators saving at the same instant get different numbers."""
    number = db.session.execute(BUMP, {"for_year": year}).scalar()
    if number is None:
        dialect = db.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        db.session.execute(
            insert(ReferenceCounter).values(year=year, last_value=0).on_conflict_do_nothing()
        )
        number = db.session.execute(BUMP, {"for_year": year}).scalar_one()
    return format_reference(year, number)
