"""FAQ entries from a spreadsheet (CSV or XLSX): columns question, answer, topic, and optionally
city, language (ru, en), status (draft, published, retired; draft when empty) and wordings
(separated by «;»). Each row goes through the editor's own checks and verb (`create_entry`),
so an imported entry is indexed and has its first revision like one typed in."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import ServiceError
from ..faq.schema import parse_entry
from ..faq.service import create_entry
from .calls import ImportFailed, ImportReport, check_header, new_keys, read_table, row_key, table_rows

COLUMNS = ("question", "answer", "topic", "city", "language", "status", "wordings")
REQUIRED = ("question", "answer", "topic")
BATCH = 200


def _payload(row: dict[str, str]) -> dict:
    payload = {name: (row.get(name) or "").strip() for name in ("question", "answer", "topic")}
    for name in ("city", "language", "status"):
        value = (row.get(name) or "").strip()
        if value:
            payload[name] = value.lower()
    payload.setdefault("language", "ru")
    payload["wordings"] = [w.strip() for w in (row.get("wordings") or "").split(";") if w.strip()]
    return payload


def _errors(exc: ServiceError) -> str:
    if exc.fields:
        return "; ".join(f"{name}: {message}" for name, message in exc.fields.items())
    return str(exc.message)


def import_faq(path: str, actor, skip_bad: bool = False, validate_only: bool = False, limit: int | None = None,
               on_batch=None) -> ImportReport:
    header, rows, used = read_table(path)
    header = [(h or "").strip().lstrip("\ufeff").lower() for h in header]
    check_header(header, REQUIRED, COLUMNS)
    report = ImportReport(encoding=used)
    good: list[tuple[str, dict]] = []
    for line, row in table_rows(rows, header, report, limit):
        payload = _payload(row)
        try:
            parse_entry(payload)
        except ServiceError as exc:
            report.error(line, _errors(exc))
            continue
        good.append((row_key("faq", {k: v for k, v in row.items()}), payload))
    if validate_only:
        return report
    if report.bad and not skip_bad:
        raise ImportFailed(str(_l("%(count)d bad rows; nothing was imported", count=report.bad)), report)
    for start in range(0, len(good), BATCH):
        chunk = good[start:start + BATCH]
        fresh = new_keys([key for key, _payload_ in chunk])
        taken = set()
        for key, payload in chunk:
            if key in fresh and key not in taken:
                taken.add(key)
                create_entry(actor, payload)
                report.imported += 1
            else:
                report.skipped += 1
        if on_batch:
            on_batch(report)
    return report
