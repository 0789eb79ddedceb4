"""Exports of the statistics tables: CSV (one table) and XLSX (one table, or every table on its
own sheet). Small periods are written in the request; long ones by an RQ job into
instance/exports/, from where their owner downloads them."""
from __future__ import annotations

import json
import os
import secrets
from datetime import datetime, timezone

from flask import current_app

from .. import spreadsheets
from .tables import TABLE_NAMES, Table

FORMATS = ("csv", "xlsx")
# Periods longer than this are exported by a background job.
INLINE_MAX_DAYS = 92
TOKEN_LENGTH = 24


def exportable(name: str, fmt: str) -> bool:
    return fmt in FORMATS and (name in TABLE_NAMES or (name == "all" and fmt == "xlsx"))


def filename(name: str, fmt: str, period_from: str, period_to: str) -> str:
    return f"statistics-{name}-{period_from}-{period_to}.{fmt}"


def render(tables: dict[str, Table], name: str, fmt: str) -> bytes:
    chosen = list(tables.values()) if name == "all" else [tables[name]]
    return to_csv(chosen[0]) if fmt == "csv" else to_xlsx(chosen)


def to_csv(table: Table) -> bytes:
    return spreadsheets.to_csv(table.headers, table.rows)


def to_xlsx(tables: list[Table]) -> bytes:
    return spreadsheets.to_xlsx((table.name, table.headers, table.rows) for table in tables)


# --- files made by the background job -----------------------------------------------------------


def export_dir() -> str:
    path = os.path.join(current_app.instance_path, "exports")
    os.makedirs(path, exist_ok=True)
    return path


def _meta_path(token: str) -> str:
    return os.path.join(export_dir(), f"{token}.json")


def valid_token(token: str) -> bool:
    return len(token) == TOKEN_LENGTH * 4 // 3 and all(c.isalnum() or c in "-_" for c in token)


def create_request(user_id: int, name: str, fmt: str, args: dict, locale: str) -> str:
    token = secrets.token_urlsafe(TOKEN_LENGTH)
    save_meta(token, {"user_id": user_id, "name": name, "fmt": fmt, "args": args, "locale": locale,
                      "status": "queued", "filename": None, "error": None,
                      "created_at": datetime.now(timezone.utc).isoformat()})
    return token


def load_meta(token: str) -> dict | None:
    if not valid_token(token):
        return None
    try:
        with open(_meta_path(token), encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None


def save_meta(token: str, meta: dict) -> None:
    temp = _meta_path(token) + ".tmp"
    with open(temp, "w", encoding="utf-8") as fh:
        json.dump(meta, fh)
    os.replace(temp, _meta_path(token))


def file_path(token: str, fmt: str) -> str:
    return os.path.join(export_dir(), f"{token}.{fmt}")


def run_export(token: str) -> str:
    """Compute the figures for the stored request and write the file; returns its path."""
    from flask_babel import force_locale

    from .figures import compute
    from .period import parse_filters, parse_period
    from .tables import build_tables

    meta = load_meta(token)
    if meta is None:
        raise LookupError(f"no export request {token}")
    with force_locale(meta["locale"]):
        period = parse_period(meta["args"])
        figures = compute(period, parse_filters(meta["args"]))
        data = render(build_tables(figures), meta["name"], meta["fmt"])
    path = file_path(token, meta["fmt"])
    with open(path + ".tmp", "wb") as fh:
        fh.write(data)
    os.replace(path + ".tmp", path)
    meta.update(status="finished", filename=filename(meta["name"], meta["fmt"], period.start.isoformat(),
                                                     period.end.isoformat()))
    save_meta(token, meta)
    return path
