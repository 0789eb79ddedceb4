"""Exports of the statistics tables: CSV (one table) and XLSX (one table, or every table on its
own sheet), written in the request — the figures of any period come from the daily tables in a
fraction of a second (README, Benchmarks), so there is nothing to wait for in the background."""
from __future__ import annotations

from .. import spreadsheets
from .tables import TABLE_NAMES, Table

FORMATS = ("csv", "xlsx")


def exportable(name: str, fmt: str) -> bool:
    return fmt in FORMATS and (name in TABLE_NAMES or (name == "all" and fmt == "xlsx"))


def filename(name: str, fmt: str, period_from: str, period_to: str) -> str:
    return f"statistics-{name}-{period_from}-{period_to}.{fmt}"


def render(tables: dict[str, Table], name: str, fmt: str) -> bytes:
    chosen = list(tables.values()) if name == "all" else [tables[name]]
    if fmt == "csv":
        return spreadsheets.to_csv(chosen[0].headers, chosen[0].rows)
    return spreadsheets.to_xlsx((table.name, table.headers, table.rows) for table in chosen)
