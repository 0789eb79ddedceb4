"""Two small pieces the figures share: a column SQLite must not reach through its index, and the
nearest rank of a percentile."""
from __future__ import annotations

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class not_indexed(ColumnElement):
    """`column` that SQLite must not answer through an index on it (rendered `+column`, SQLite's
    own way to rule an index out; PostgreSQL, which has table statistics, sees the plain column).
    Without statistics SQLite would take such a column for the most selective way in and walk its
    index over most of the enquiries instead of the narrow range of an instant's index."""

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


def rank_for(pct: int, n: int) -> int:
    """Nearest-rank percentile: the value at 1-based rank ceil(pct/100 · n)."""
    return max(1, (pct * n + 99) // 100)
