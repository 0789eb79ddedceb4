"""`import-calls FILE.csv`: historical calls (and their enquiries) from a spreadsheet export.
The file is read as a stream; every row is validated; rows go in with batched inserts inside one
transaction, so a file with a bad row imports nothing unless `skip_bad` is set."""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import insert, select

from ..extensions import db
from ..models import CallChannel, CallOutcome, Caller, SisterCity, Topic, User, utcnow
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
            errors.append(f"{name}: not a date and time: {value[:40]!r}")
            return None
        if parsed.tzinfo is None:  # spreadsheets hold Perm local time
            parsed = parsed.replace(tzinfo=self.zone)
        return parsed.astimezone(timezone.utc)

    def parse(self, row: dict[str, str]) -> tuple[dict, dict | None, str | None, str] | list[str]:
        """(call, enquiry or None, phone, caller name), or the list of errors."""
        errors: list[str] = []
        for name in REQUIRED:
            if not row.get(name, "").strip():
                errors.append(f"{name}: required")
        started = self.moment("started_at", row.get("started_at", ""), errors)
        ended = self.moment("ended_at", row.get("ended_at", ""), errors)
        if started and ended and ended < started:
            errors.append("ended_at: before started_at")
        channel = row.get("channel", "").strip().lower() or "phone"
        if channel not in {c.value for c in CallChannel}:
            errors.append(f"channel: unknown {channel!r}")
        outcome = row.get("outcome", "").strip().lower()
        if outcome and outcome not in {o.value for o in CallOutcome}:
            errors.append(f"outcome: unknown {outcome!r}")
        topic = row.get("topic", "").strip()
        if topic and topic not in self.topics:
            errors.append(f"topic: unknown code {topic!r}")
        city = row.get("city", "").strip()
        if city and city not in self.cities:
            errors.append(f"city: unknown code {city!r}")
        phone = row.get("phone", "").strip() or None
        if phone:
            try:
                phone = normalise_phone(phone, self.region)
            except InvalidPhone:
                errors.append(f"phone: not a phone number {phone[:30]!r}")
        question = row.get("question", "")
        if len(question) > self.max_question:
            errors.append("question: too long")
        operator = row.get("operator", "").strip()
        if operator and operator not in self.users:
            errors.append(f"operator: no user {operator!r}")
        enquiry = None
        routed = outcome == CallOutcome.ROUTED.value
        if not routed and any(row.get(name, "").strip() for name in ENQUIRY_COLUMNS):
            errors.append("assigned_at, coordinator, answered_at and enquiry_answer are for routed calls only")
        if routed:
            created = self.moment("created_at", row.get("created_at", ""), errors) or ended or started
            assigned = self.moment("assigned_at", row.get("assigned_at", ""), errors)
            answered = self.moment("answered_at", row.get("answered_at", ""), errors)
            coordinator = row.get("coordinator", "").strip()
            assignee = None
            if coordinator:
                if coordinator not in self.users:
                    errors.append(f"coordinator: no user {coordinator!r}")
                else:
                    assignee = self.users[coordinator][0]
            if assigned and not coordinator:
                errors.append("assigned_at: given without a coordinator")
            if created and assigned and assigned < created:
                errors.append("assigned_at: before the enquiry was created")
            if answered and not coordinator:
                errors.append("answered_at: given without a coordinator")
            if created and answered and answered < created:
                errors.append("answered_at: before the enquiry was created")
            if answered and answered > utcnow():
                errors.append("answered_at: in the future")
            enquiry = {"created_at": created, "assignee_id": assignee,
                       "assigned_at": assigned or (created if assignee else None),
                       "answered_at": answered, "answer": row.get("enquiry_answer", "").strip() or None}
        if errors:
            return errors
        call = {"channel": CallChannel(channel), "topic_id": self.topics[topic],
                "city_id": self.cities.get(city) if city else None, "question": question,
                "answer": row.get("answer", "").strip() or None, "outcome": CallOutcome(outcome),
                "operator_id": self.users[operator][0] if operator else None,
                "started_at": started, "ended_at": ended}
        return call, enquiry, phone, row.get("caller_name", "").strip()


def import_calls(path: str, skip_bad: bool = False, encoding: str | None = None, progress=None,
                 batch: int = BATCH) -> ImportReport:
    """Import the file in the current transaction (the caller commits). Raises ImportFailed,
    having written nothing that would survive a rollback, when a row is bad and not `skip_bad`."""
    stream, used = open_text(path, encoding)
    report = ImportReport(encoding=used)
    with stream:
        sample = stream.read(8192)
        stream.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(stream, dialect)
        try:
            header = [_header(name) for name in next(reader)]
        except StopIteration:
            raise ImportFailed("the file is empty") from None
        except UnicodeDecodeError as exc:
            raise ImportFailed(f"cannot read the file as {used}: {exc}") from None
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise ImportFailed("missing columns: " + ", ".join(missing))
        unknown = [name for name in header if name and name not in COLUMNS]
        if unknown:
            raise ImportFailed("unknown columns: " + ", ".join(unknown) + "; expected " + ", ".join(COLUMNS))
        parser = RowParser()
        writer = HistoryWriter(batch=batch)
        callers = CallerResolver()
        pending: list[tuple] = []
        line = 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                report.rows += 1
                report.error(reader.line_num, f"cannot read the row: {exc}")
                break
            start_line, line = line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            report.rows += 1
            if len(values) != len(header):
                report.error(start_line, f"{len(values)} fields where the header has {len(header)}")
                continue
            parsed = parser.parse(dict(zip(header, values)))
            if isinstance(parsed, list):
                report.error(start_line, "; ".join(parsed))
                continue
            if report.bad and not skip_bad:
                continue  # keep validating, to report every bad row, but write nothing more
            pending.append(parsed)
            if len(pending) >= batch:
                _write(pending, writer, callers)
                pending = []
            if progress and report.rows % 10_000 == 0:
                progress(report.rows)
        if report.bad and not skip_bad:
            raise ImportFailed(f"{report.bad} bad rows; nothing was imported", report)
        _write(pending, writer, callers)
        writer.flush()
        writer.refresh_rollup()
    report.imported, report.enquiries = writer.calls, writer.enquiries
    return report


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


def _write(pending: list[tuple], writer: HistoryWriter, callers: CallerResolver) -> None:
    wanted: dict[str, str] = {}
    for _call, _enquiry, phone, name in pending:
        if phone and phone not in wanted:
            wanted[phone] = name
    ids = callers.resolve(wanted)
    for call, enquiry, phone, _name in pending:
        call["caller_id"] = ids.get(phone) if phone else None
        writer.add(call, enquiry)
