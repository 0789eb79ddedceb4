"""Validation of a call as the form and the API submit it: one set of rules, errors per field."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import ValidationFailed
from ..extensions import db
from ..models import CallChannel, CallOutcome, FaqEntry, FaqStatus, utcnow
from ..phones import InvalidPhone, normalise_phone
from ..reference import Ref, reference
from ..request_guard import plain_name
from ..timefmt import local_zone

NAME_MAX = 200
EMAIL_MAX = 254
ANSWER_MAX = 10_000


@dataclass
class CallerInput:
    name: str = ""
    phone: str | None = None
    email: str | None = None
    language: str = "ru"
    consent: bool = False


@dataclass
class CallInput:
    channel: CallChannel
    topic: Ref
    city: Ref | None
    question: str
    outcome: CallOutcome
    caller: CallerInput
    faq_entries: list[FaqEntry] = field(default_factory=list)
    answer: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    reply_channel: "ReplyChannel | None" = None  # routed calls: how the answer reaches the caller
    cti_call_id: str | None = None  # the phone system's callId: the times come from its answer and hang-up
    formal_appeal: bool = False  # a written appeal under 59-FZ, registered with its enquiry


class _Collector:
    def __init__(self):
        self.errors: dict[str, str] = {}

    def add(self, name: str, message) -> None:
        self.errors.setdefault(name, str(message))

    def text(self, payload: dict, name: str, key: str | None = None, *, max_length: int,
             required: bool = False) -> str:
        value = payload.get(key or name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(name, _l("Must be text."))
            return ""
        value = value.strip()
        if required and not value:
            self.add(name, _l("This field is required."))
        elif len(value) > max_length:
            self.add(name, _l("Too long: at most %(max)d characters.", max=max_length))
        return value

    def moment(self, payload: dict, name: str) -> datetime | None:
        value = payload.get(name)
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            self.add(name, _l("Must be a date and time in ISO 8601."))
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if parsed.tzinfo is None:  # a time without a zone is Perm local time
                parsed = parsed.replace(tzinfo=local_zone())
            return parsed.astimezone(timezone.utc)
        except ValueError:
            self.add(name, _l("Must be a date and time in ISO 8601."))
        except OverflowError:  # 0001-01-01 or 9999-12-31 moved to UTC leaves the calendar
            self.add(name, _l("The call cannot be that long ago."))
        return None


def _enum(collector: _Collector, enum_cls, value, name: str, default=None):
    if value in (None, "") and default is not None:
        return default
    if not isinstance(value, str):
        collector.add(name, _l("This field is required.") if value is None else _l("Must be text."))
        return None
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_cls)
        collector.add(name, _l("Unknown value; expected one of: %(allowed)s.", allowed=allowed))
        return None


def parse_call(payload: dict) -> CallInput:
    """Check a submitted call; raises ValidationFailed with every field's error at once."""
    if not isinstance(payload, dict):
        raise ValidationFailed(_l("The request body must be a JSON object."))
    c = _Collector()
    max_question = current_app.config["QUESTION_MAX_LENGTH"]

    channel = _enum(c, CallChannel, payload.get("channel"), "channel", default=CallChannel.PHONE)
    outcome = None
    if payload.get("outcome") in (None, ""):  # nothing is chosen for the operator (issue 16)
        c.add("outcome", _l("Choose an outcome."))
    else:
        outcome = _enum(c, CallOutcome, payload.get("outcome"), "outcome")

    topic = None
    topic_code = payload.get("topic")
    if topic_code in (None, ""):
        c.add("topic", _l("Choose a topic."))
    elif not isinstance(topic_code, str):
        c.add("topic", _l("Must be text."))
    else:
        topic = reference().topics.get(topic_code)
        if topic is None or not topic.active:
            topic = None
            c.add("topic", _l("Unknown topic code: %(code)s.", code=topic_code[:40]))

    city = None
    city_code = payload.get("city")
    if city_code not in (None, ""):
        if not isinstance(city_code, str):
            c.add("city", _l("Must be text."))
        else:
            city = reference().cities.get(city_code)
            if city is None:
                c.add("city", _l("Unknown sister city code: %(code)s.", code=city_code[:40]))

    needs_question = outcome in (CallOutcome.ANSWERED, CallOutcome.ROUTED)
    question = c.text(payload, "question", max_length=max_question, required=needs_question)
    answer = c.text(payload, "answer", max_length=ANSWER_MAX) or None

    caller = _parse_caller(c, payload.get("caller"))
    faq_entries = _parse_faq_ids(c, payload.get("faq_ids"), outcome)

    started_at = c.moment(payload, "started_at")
    ended_at = c.moment(payload, "ended_at")
    _check_times(c, started_at, ended_at)
    cti_call_id = c.text(payload, "cti_call_id", max_length=250) or None
    if cti_call_id and "cti_call_id" not in c.errors:
        # A call the phone system reported: its talk time is the handle time (SPEC 5.9).
        from ..telephony.service import times_for_logged_call

        try:
            started_at, ended_at = times_for_logged_call(cti_call_id)
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                c.add(name, message)

    reply_channel = None
    if outcome is CallOutcome.ROUTED:
        from ..delivery.service import parse_reply_channel

        try:
            reply_channel = parse_reply_channel(payload.get("reply_channel"), caller.email, caller.phone)
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                c.add(name, message)
    formal_appeal = payload.get("formal_appeal", False)
    if formal_appeal is None:
        formal_appeal = False
    if not isinstance(formal_appeal, bool):
        c.add("formal_appeal", _l("Must be true or false."))
    elif formal_appeal and outcome is not CallOutcome.ROUTED:
        c.add("formal_appeal", _l("Only a routed call becomes an enquiry, and so a formal appeal."))
    if c.errors:
        raise ValidationFailed(_l("The call was not saved: check the marked fields."), c.errors)
    return CallInput(
        channel=channel, topic=topic, city=city, question=question, outcome=outcome,
        caller=caller, faq_entries=faq_entries, answer=answer,
        started_at=started_at, ended_at=ended_at, reply_channel=reply_channel, cti_call_id=cti_call_id,
        formal_appeal=formal_appeal is True,
    )


def _check_times(c: _Collector, started_at: datetime | None, ended_at: datetime | None) -> None:
    """Times that make sense: not in the future, not before CALLS_SINCE, ended after it started
    and within CALL_MAX_HANDLE_MINUTES."""
    config = current_app.config
    now = utcnow()
    earliest = datetime.fromisoformat(config["CALLS_SINCE"]).replace(tzinfo=local_zone())
    longest = timedelta(minutes=config["CALL_MAX_HANDLE_MINUTES"])
    for name, moment in (("started_at", started_at), ("ended_at", ended_at)):
        if moment is None:
            continue
        if moment > now + timedelta(minutes=5):
            c.add(name, _l("The call cannot start in the future.") if name == "started_at"
                  else _l("The call cannot end in the future."))
        elif moment < earliest:
            c.add(name, _l("A call before %(day)s cannot be right.", day=earliest.strftime("%d.%m.%Y")))
    if started_at and ended_at and "started_at" not in c.errors and "ended_at" not in c.errors:
        if ended_at < started_at:
            c.add("ended_at", _l("The call cannot end before it started."))
        elif ended_at - started_at > longest:
            c.add("ended_at", _l("A call lasts at most %(minutes)d minutes.", minutes=config["CALL_MAX_HANDLE_MINUTES"]))
    elif ended_at and not started_at and ended_at < now - longest:
        c.add("ended_at", _l("A call lasts at most %(minutes)d minutes.", minutes=config["CALL_MAX_HANDLE_MINUTES"]))


def _parse_caller(c: _Collector, raw) -> CallerInput:
    if raw in (None, ""):
        return CallerInput()
    if not isinstance(raw, dict):
        c.add("caller", _l("Must be an object with name, phone, email and language."))
        return CallerInput()
    caller = CallerInput()
    caller.name = plain_name(c.text(raw, "caller.name", "name", max_length=NAME_MAX))
    phone = c.text(raw, "caller.phone", "phone", max_length=40)
    if phone:
        try:
            caller.phone = normalise_phone(phone, current_app.config["HOTLINE_PHONE_REGION"])
        except InvalidPhone:
            c.add("caller.phone", _l("Not a phone number: %(phone)s.", phone=phone))
    email = c.text(raw, "caller.email", "email", max_length=EMAIL_MAX)
    if email:
        local, _, domain = email.partition("@")
        if not local or "." not in domain or " " in email:
            c.add("caller.email", _l("Not an e-mail address."))
        caller.email = email.lower()
    language = raw.get("language") or "ru"
    if language not in current_app.config["LANGUAGES"]:
        c.add("caller.language", _l("Unknown language; expected ru or en."))
    caller.language = language if isinstance(language, str) else "ru"
    consent = raw.get("consent", False)
    if not isinstance(consent, bool):
        c.add("caller.consent", _l("Must be true or false."))
    caller.consent = consent is True
    return caller


def _parse_faq_ids(c: _Collector, raw, outcome) -> list[FaqEntry]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
        c.add("faq_ids", _l("Must be a list of FAQ entry numbers."))
        return []
    if outcome is not CallOutcome.ANSWERED:
        c.add("faq_ids", _l("FAQ entries are recorded only for calls answered on first contact."))
        return []
    ids = list(dict.fromkeys(raw))
    entries = db.session.execute(
        select(FaqEntry).where(FaqEntry.id.in_(ids), FaqEntry.status == FaqStatus.PUBLISHED)
    ).scalars().all()
    found = {entry.id for entry in entries}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        c.add("faq_ids", _l("No published FAQ entry with number: %(ids)s.", ids=", ".join(missing)))
    return sorted(entries, key=lambda entry: ids.index(entry.id))
