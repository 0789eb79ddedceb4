"""`import-calls FILE.csv`: historical calls (and their enquiries) from a spreadsheet export.
The file is read as a stream; every row is validated; rows go in with batched inserts inside one
transaction, so a file with a bad row imports nothing unless `skip_bad` is set."""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone

import openpyxl
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from ..extensions import db
from ..models import CallChannel, CallOutcome, Caller, ImportedRow, SisterCity, Topic, User, utcnow
from ..phones import InvalidPhone, normalise_phone
from ..timefmt import local_zone
from .history import BATCH, HistoryWriter, IdBlock

COLUMNS = ("started_at", "ended_at", "channel", "phone", "caller_name", "topic", "city", "question",
           "outcome", "operator", "answer", "created_at", "assigned_at", "coordinator", "answered_at",
           "enquiry_answer")
REQUIRED = ("started_at", "topic", "outcome")
ALIASES = {"caller": "caller_name", "name": "caller_name", "topic_code": "topic", "city_code": "city",
           "sister_city": "city", "operator_login": "operator", "coordinator_login": "coordinator",
           "call_answer": "answer"}
ENQUIRY_COLUMNS = ("created_at", "assigned_at", "coordinator", "answered_at", "enquiry_answer")
MAX_REPORTED = 1000
DATE_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


class ImportFailed(Exception):
    def __init__(self, message: str, report: "ImportReport | None" = None):
        super().__init__(message)
        self.report = report


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    enquiries: int = 0
    bad: int = 0
    skipped: int = 0  # rows imported before (the same file again)
    errors: list[tuple[int, str]] = field(default_factory=list)
    encoding: str = "utf-8"

    def error(self, line: int, message: str) -> None:
        self.bad += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append((line, message))


def _header(name: str) -> str:
    key = name.strip().lstrip("\ufeff").lower().replace(" ", "_").replace("-", "_")
    return ALIASES.get(key, key)


def open_text(path: str, encoding: str | None = None) -> tuple[io.TextIOBase, str]:
    """The file as text: a BOM means UTF-8; otherwise UTF-8 if the first 1 MB decodes, else
    Windows-1251 (what Russian Excel writes)."""
    if encoding is None:
        with open(path, "rb") as raw:
            head = raw.read(1 << 20)
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        else:
            try:
                codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
                encoding = "utf-8"
            except UnicodeDecodeError:
                encoding = "cp1251"
    return open(path, encoding=encoding, newline=""), encoding


class RowParser:
    def __init__(self):
        self.zone = local_zone()
        self.region = current_app.config["HOTLINE_PHONE_REGION"]
        self.max_question = current_app.config["QUESTION_MAX_LENGTH"]
        self.topics = dict(db.session.execute(select(Topic.code, Topic.id)).all())
        self.cities = dict(db.session.execute(select(SisterCity.code, SisterCity.id)).all())
        self.users = {login: (user_id, role.value) for login, user_id, role in
                      db.session.execute(select(User.login, User.id, User.role)).all()}

    def moment(self, name: str, value: str, errors: list[str]) -> datetime | None:
        value = value.strip()
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
            for fmt in DATE_FORMATS:
                try:
                    parsed = datetime.strptime(value, fmt)
                    break
                except ValueError:
                    continue
        if parsed is None:
            errors.append(str(_l("%(column)s: not a date and time: «%(value)s»", column=name, value=value[:40])))
            return None
        if parsed.tzinfo is None:  # spreadsheets hold Perm local time
            parsed = parsed.replace(tzinfo=self.zone)
        return parsed.astimezone(timezone.utc)

    def parse(self, row: dict[str, str]) -> tuple[dict, dict | None, str | None, str] | list[str]:
        """(call, enquiry or None, phone, caller name), or the list of errors."""
        errors: list[str] = []
        dropped = row.get("outcome", "").strip().lower() == CallOutcome.DROPPED.value
        for name in REQUIRED:
            if not row.get(name, "").strip() and not (name == "topic" and dropped):  # a dropped call needs none
                errors.append(str(_l("%(column)s: required", column=name)))
        started = self.moment("started_at", row.get("started_at", ""), errors)
        ended = self.moment("ended_at", row.get("ended_at", ""), errors)
        if started and ended and ended < started:
            errors.append(str(_l("ended_at: before started_at")))
        channel = row.get("channel", "").strip().lower() or "phone"
        if channel not in {c.value for c in CallChannel}:
            errors.append(str(_l("channel: unknown «%(value)s»", value=channel[:40])))
        outcome = row.get("outcome", "").strip().lower()
        if outcome and outcome not in {o.value for o in CallOutcome}:
            errors.append(str(_l("outcome: unknown «%(value)s»", value=outcome[:40])))
        topic = row.get("topic", "").strip()
        if topic and topic not in self.topics:
            errors.append(str(_l("topic: unknown code «%(value)s»", value=topic[:40])))
        city = row.get("city", "").strip()
        if city and city not in self.cities:
            errors.append(str(_l("city: unknown code «%(value)s»", value=city[:40])))
        phone = row.get("phone", "").strip() or None
        if phone:
            try:
                phone = normalise_phone(phone, self.region)
            except InvalidPhone:
                errors.append(str(_l("phone: not a phone number «%(value)s»", value=phone[:30])))
        question = row.get("question", "")
        if len(question) > self.max_question:
            errors.append(str(_l("question: too long")))
        operator = row.get("operator", "").strip()
        if operator and operator not in self.users:
            errors.append(str(_l("operator: no user «%(value)s»", value=operator[:64])))
        enquiry = None
        routed = outcome == CallOutcome.ROUTED.value
        if not routed and any(row.get(name, "").strip() for name in ENQUIRY_COLUMNS):
            errors.append(str(_l("assigned_at, coordinator, answered_at and enquiry_answer are for routed calls only")))
        if routed:
            created = self.moment("created_at", row.get("created_at", ""), errors) or ended or started
            assigned = self.moment("assigned_at", row.get("assigned_at", ""), errors)
            answered = self.moment("answered_at", row.get("answered_at", ""), errors)
            coordinator = row.get("coordinator", "").strip()
            assignee = None
            if coordinator:
                if coordinator not in self.users:
                    errors.append(str(_l("coordinator: no user «%(value)s»", value=coordinator[:64])))
                else:
                    assignee = self.users[coordinator][0]
            if assigned and not coordinator:
                errors.append(str(_l("assigned_at: given without a coordinator")))
            if created and assigned and assigned < created:
                errors.append(str(_l("assigned_at: before the enquiry was created")))
            if answered and not coordinator:
                errors.append(str(_l("answered_at: given without a coordinator")))
            if created and answered and answered < created:
                errors.append(str(_l("answered_at: before the enquiry was created")))
            if answered and answered > utcnow():
                errors.append(str(_l("answered_at: in the future")))
            enquiry = {"created_at": created, "assignee_id": assignee,
                       "assigned_at": assigned or (created if assignee else None),
                       "answered_at": answered, "answer": row.get("enquiry_answer", "").strip() or None}
        if errors:
            return errors
        call = {"channel": CallChannel(channel), "topic_id": self.topics[topic] if topic else None,
                "city_id": self.cities.get(city) if city else None, "question": question,
                "answer": row.get("answer", "").strip() or None, "outcome": CallOutcome(outcome),
                "operator_id": self.users[operator][0] if operator else None,
                "started_at": started, "ended_at": ended}
        return call, enquiry, phone, row.get("caller_name", "").strip()


def read_table(path: str, encoding: str | None = None):
    """(header, rows, encoding) of a CSV (UTF-8 or Windows-1251, `,` `;` or tab) or an XLSX file
    (its first sheet); rows yield (line number, values as text) or raise ImportFailed."""
    with open(path, "rb") as raw:
        magic = raw.read(4)
    if magic == b"PK\x03\x04":  # a zip: an Office Open XML workbook
        return _read_xlsx(path)
    stream, used = open_text(path, encoding)
    sample = stream.read(8192)
    stream.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(stream, dialect)
    try:
        header = next(reader)
    except StopIteration:
        stream.close()
        raise ImportFailed(str(_l("The file is empty."))) from None
    except UnicodeDecodeError as exc:
        stream.close()
        raise ImportFailed(str(_l("Cannot read the file as %(encoding)s: %(error)s", encoding=used, error=exc))) from None

    def rows():
        line = 1
        with stream:
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except (csv.Error, UnicodeDecodeError) as exc:
                    yield reader.line_num, exc
                    return
                start_line, line = line + 1, reader.line_num
                yield start_line, values

    return header, rows(), used


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: str):
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFailed(str(_l("Cannot read the workbook: %(error)s", error=exc))) from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = [_xlsx_text(v) for v in next(values)]
    except StopIteration:
        book.close()
        raise ImportFailed(str(_l("The file is empty."))) from None

    def rows():
        try:
            for number, row in enumerate(values, start=2):
                yield number, [_xlsx_text(v) for v in row][:len(header)] + [""] * max(0, len(header) - len(row))
        finally:
            book.close()

    while header and not header[-1]:
        header.pop()
    return header, rows(), "xlsx"


def row_key(kind: str, row: dict[str, str]) -> str:
    """What makes a row the same row when a file is loaded again: its values, column order aside."""
    text = "\x1f".join(f"{name}={(row.get(name) or '').strip()}" for name in sorted(row) if name)
    return hashlib.sha1(f"{kind}\x1e{text}".encode()).hexdigest()


def check_header(header: list[str], required, columns) -> None:
    """Refuse a file whose header lacks a required column or names one we do not know."""
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportFailed(str(_l("Missing columns: %(names)s", names=", ".join(missing))))
    unknown = [name for name in header if name and name not in columns]
    if unknown:
        raise ImportFailed(str(_l("Unknown columns: %(names)s; expected %(expected)s", names=", ".join(unknown),
                                  expected=", ".join(columns))))


def table_rows(rows, header: list[str], report: "ImportReport", limit: int | None):
    """Each row worth parsing as (line, {column: value}), counted in `report`: an unreadable row
    ends the file, a blank one is skipped, one of the wrong width is reported, and `limit` rows
    are enough (the preview)."""
    for line, values in rows:
        if isinstance(values, Exception):
            report.rows += 1
            report.error(line, str(_l("Cannot read the row: %(error)s", error=values)))
            return
        if not any(str(v).strip() for v in values):
            continue
        if limit is not None and report.rows >= limit:
            return
        report.rows += 1
        if len(values) != len(header):
            report.error(line, str(_l("%(found)d fields where the header has %(expected)d",
                                      found=len(values), expected=len(header))))
            continue
        yield line, dict(zip(header, values))


def import_calls(path: str, skip_bad: bool = False, encoding: str | None = None, progress=None,
                 batch: int = BATCH, validate_only: bool = False, limit: int | None = None,
                 on_batch=None) -> ImportReport:
    """Import the file in the current transaction (the caller commits). Raises ImportFailed,
    having written nothing that would survive a rollback, when a row is bad and not `skip_bad`.
    A row imported before (the same values: `row_key`) is skipped, so the same file twice adds
    nothing. `validate_only`: read and check, write nothing (the preview, with `limit` rows);
    `on_batch(report)` after each written batch (the browser import commits there)."""
    header, rows, used = read_table(path, encoding)
    report = ImportReport(encoding=used)
    header = [_header(name) for name in header]
    check_header(header, REQUIRED, COLUMNS)
    parser = RowParser()
    writer = None if validate_only else HistoryWriter(batch=batch)
    callers = CallerResolver()
    pending: list[tuple] = []
    for start_line, row in table_rows(rows, header, report, limit):
        parsed = parser.parse(row)
        if isinstance(parsed, list):
            report.error(start_line, "; ".join(parsed))
            continue
        if validate_only or (report.bad and not skip_bad):
            continue  # keep validating, to report every bad row, but write nothing more
        pending.append((*parsed, row_key("call", row)))
        if len(pending) >= batch:
            report.skipped += _write(pending, writer, callers)
            pending = []
            if on_batch:
                writer.flush()
                report.imported, report.enquiries = writer.calls, writer.enquiries
                on_batch(report)  # commits: ids handed out in blocks are asked for afresh
                writer.reset_ids()
                callers.ids.next_id = None
        if progress and report.rows % 10_000 == 0:
            progress(report.rows)
    if validate_only:
        return report
    if report.bad and not skip_bad:
        raise ImportFailed(str(_l("%(count)d bad rows; nothing was imported", count=report.bad)), report)
    report.skipped += _write(pending, writer, callers)
    writer.flush()
    report.imported, report.enquiries = writer.calls, writer.enquiries
    return report


def new_keys(keys: list[str]) -> set[str]:
    """Of these row keys, those not imported before; records them as imported."""
    keys = list(dict.fromkeys(keys))
    seen = set(db.session.execute(select(ImportedRow.key).where(ImportedRow.key.in_(keys))).scalars()) if keys else set()
    fresh = [k for k in keys if k not in seen]
    if fresh:
        db.session.connection().execute(insert(ImportedRow.__table__),
                                        [{"key": k, "created_at": utcnow()} for k in fresh])
    return set(fresh)


class CallerResolver:
    """Callers by phone, a batch at a time: existing ones found with one query, new ones inserted."""

    def __init__(self):
        self.ids = IdBlock(Caller.__table__)

    def resolve(self, wanted: dict[str, str]) -> dict[str, int]:
        if not wanted:
            return {}
        found: dict[str, int] = {}
        for phone, caller_id in db.session.execute(
                select(Caller.phone, Caller.id).where(Caller.phone.in_(list(wanted))).order_by(Caller.id)).all():
            found.setdefault(phone, caller_id)
        missing = [phone for phone in wanted if phone not in found]
        now = utcnow()
        rows = [{"id": caller_id, "name": wanted[phone], "phone": phone, "email": None, "language": "ru",
                 "consent_at": None, "created_at": now, "anonymised_at": None}
                for phone, caller_id in zip(missing, self.ids.take(len(missing)))]
        if rows:
            db.session.connection().execute(insert(Caller.__table__), rows)
            found.update({row["phone"]: row["id"] for row in rows})
        return found


def _write(pending: list[tuple], writer: HistoryWriter, callers: CallerResolver) -> int:
    """Write the batch's rows not imported before (and each only once); returns how many were
    skipped as imported already."""
    fresh = new_keys([item[-1] for item in pending])
    kept, taken = [], set()
    for item in pending:
        if item[-1] in fresh and item[-1] not in taken:
            taken.add(item[-1])
            kept.append(item)
    wanted: dict[str, str] = {}
    for _call, _enquiry, phone, name, _key in kept:
        if phone and phone not in wanted:
            wanted[phone] = name
    ids = callers.resolve(wanted)
    for call, enquiry, phone, _name, _key in kept:
        call["caller_id"] = ids.get(phone) if phone else None
        writer.add(call, enquiry)
    return len(pending) - len(kept)
