"""A call as the form, the API, the public form, Open311 and e-mail submit it: one pydantic model
(`CallIn`) checks it, field by field, and is also what the OpenAPI document shows for `POST /calls`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Annotated, ClassVar, Literal

from flask import current_app
from flask_babel import lazy_gettext as _l
from pydantic import (BeforeValidator, Field, StrictBool, StrictInt, StrictStr, ValidationError, ValidationInfo,
                      field_validator)
from sqlalchemy import select

from ..delivery.service import parse_reply_channel
from ..errors import ValidationFailed
from ..extensions import db
from ..models import CallChannel, CallOutcome, FaqEntry, FaqStatus, ReplyChannel, utcnow
from ..phones import InvalidPhone, normalise_phone
from ..reference import Ref, reference
from ..request_guard import MAX_ID, plain_name
from ..telephony.service import times_for_logged_call
from ..timefmt import local_zone
from ..validation import Strict, check, field_errors, invalid

NAME_MAX = 200
EMAIL_MAX = 254
ANSWER_MAX = 10_000
QUESTION_MAX = 10_000  # the documented maximum; QUESTION_MAX_LENGTH may set a lower one


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
    topic: Ref | None  # None only on a dropped call
    city: Ref | None
    question: str
    outcome: CallOutcome
    caller: CallerInput
    faq_entries: list[FaqEntry] = field(default_factory=list)
    answer: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    reply_channel: ReplyChannel | None = None  # routed calls: how the answer reaches the caller
    cti_call_id: str | None = None  # the phone system's callId: the times come from its answer and hang-up
    formal_appeal: bool = False  # a written appeal under 59-FZ, registered with its enquiry


MISSING = {"topic": _l("Choose a topic."), "outcome": _l("Choose an outcome.")}
MESSAGES = {
    "caller": _l("Must be an object with name, phone, email and language."),
    "caller.language": _l("Unknown language; expected ru or en."),
    "faq_ids": _l("Must be a list of FAQ entry numbers."),
    "reply_channel": _l("Unknown reply channel; expected email, phone or none."),
    "formal_appeal": _l("Must be true or false."),
}


def _blank_to_none(value):
    return None if value == "" else value


def _moment(value):
    """ISO 8601; a time without a zone is Perm local time; stored in UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise invalid(_l("Must be a date and time in ISO 8601."))
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=local_zone())
        return parsed.astimezone(timezone.utc)
    except ValueError:
        raise invalid(_l("Must be a date and time in ISO 8601.")) from None
    except OverflowError:  # 0001-01-01 or 9999-12-31 moved to UTC leaves the calendar
        raise invalid(_l("The call cannot be that long ago.")) from None


Moment = Annotated[datetime | None, BeforeValidator(_moment),
                   Field(description="ISO 8601; without a zone, Perm local time")]
FaqId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


class CallerIn(Strict):
    """Who called: every field optional (an anonymous call has none)."""

    name: StrictStr | None = Field(None, max_length=NAME_MAX)
    phone: StrictStr | None = Field(None, max_length=40, description="any way of writing it; stored as E.164")
    email: StrictStr | None = Field(None, max_length=EMAIL_MAX)
    language: Annotated[Literal["ru", "en"], BeforeValidator(lambda v: v or "ru")] = "ru"
    consent: StrictBool = Field(False, description="consent to processing personal data (152-FZ) given")

    @field_validator("name")
    @classmethod
    def _name(cls, value):
        return plain_name(value or "")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value):
        if not value:
            return None
        try:
            return normalise_phone(value, current_app.config["HOTLINE_PHONE_REGION"])
        except InvalidPhone:
            raise invalid(_l("Not a phone number: %(phone)s.", phone=value)) from None

    @field_validator("email")
    @classmethod
    def _email(cls, value):
        if not value:
            return None
        local, _, domain = value.partition("@")
        if not local or "." not in domain or " " in value:
            raise invalid(_l("Not an e-mail address."))
        return value.lower()

    def to_input(self) -> CallerInput:
        return CallerInput(name=self.name or "", phone=self.phone, email=self.email, language=self.language,
                           consent=self.consent)


class CallIn(Strict):
    """A call as an operator logs it (the form, `POST /api/v1/calls`), a resident submits it (the
    public form, Open311) or an e-mail brings it. The order of the fields matters: a field's rule
    may look at those before it (the question is required for answered and routed calls)."""

    MISSING: ClassVar[dict] = MISSING
    MESSAGES: ClassVar[dict] = MESSAGES
    FAILED: ClassVar = _l("The call was not saved: check the marked fields.")

    channel: Annotated[CallChannel | None, BeforeValidator(_blank_to_none)] = Field(
        None, description="default phone")
    outcome: CallOutcome
    topic: StrictStr | None = Field(None, validate_default=True,
                                    description="an active topic's code; not needed for a dropped call")
    city: Annotated[StrictStr | None, BeforeValidator(_blank_to_none)] = Field(
        None, description="a sister city's code")
    caller: Annotated[CallerIn | None, BeforeValidator(_blank_to_none)] = None
    question: StrictStr | None = Field(None, max_length=QUESTION_MAX,
                                       description="required for answered and routed calls")
    answer: StrictStr | None = Field(None, max_length=ANSWER_MAX)
    faq_ids: list[FaqId] | None = Field(None, description="published entries used; answered calls only")
    started_at: Moment = None
    ended_at: Moment = None
    cti_call_id: StrictStr | None = Field(
        None, max_length=250, description="the phone system's callId: started/ended come from its answer and hang-up")
    reply_channel: Annotated[ReplyChannel | None, BeforeValidator(_blank_to_none)] = Field(
        None, validate_default=True,
        description="routed calls: how the answer reaches the caller (default: e-mail if given, else a call-back)")
    formal_appeal: Annotated[StrictBool, BeforeValidator(lambda value: False if value is None else value)] = Field(
        False, description="a written appeal under 59-FZ (routed calls; marked by staff, not by residents)")

    @field_validator("outcome", "topic", mode="before")
    @classmethod
    def _chosen(cls, value, info: ValidationInfo):
        if value in (None, ""):
            if info.field_name == "topic" and info.data.get("outcome") is CallOutcome.DROPPED:
                return None  # the line went dead before the caller said what it was about
            raise invalid(MISSING[info.field_name])
        return value

    @field_validator("topic")
    @classmethod
    def _topic(cls, code):
        if code is None:
            return None
        topic = reference().topics.get(code)
        if topic is None or not topic.active:
            raise invalid(_l("Unknown topic code: %(code)s.", code=code[:40]))
        return code

    @field_validator("city")
    @classmethod
    def _city(cls, code):
        if code and reference().cities.get(code) is None:
            raise invalid(_l("Unknown sister city code: %(code)s.", code=code[:40]))
        return code

    @field_validator("question")
    @classmethod
    def _question(cls, value, info: ValidationInfo):
        value = value or ""
        limit = current_app.config["QUESTION_MAX_LENGTH"]
        if not value and info.data.get("outcome") in (CallOutcome.ANSWERED, CallOutcome.ROUTED):
            raise invalid(_l("This field is required."))
        if len(value) > limit:
            raise invalid(_l("Too long: at most %(max)d characters.", max=limit))
        return value

    @field_validator("answer")
    @classmethod
    def _answer(cls, value):
        return value or None

    @field_validator("faq_ids")
    @classmethod
    def _faq_ids(cls, ids, info: ValidationInfo):
        if not ids:
            return []
        if info.data.get("outcome") is not CallOutcome.ANSWERED:
            raise invalid(_l("FAQ entries are recorded only for calls answered on first contact."))
        ids = list(dict.fromkeys(ids))
        found = set(db.session.execute(
            select(FaqEntry.id).where(FaqEntry.id.in_(ids), FaqEntry.status == FaqStatus.PUBLISHED)).scalars())
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise invalid(_l("No published FAQ entry with number: %(ids)s.", ids=", ".join(missing)))
        return ids

    @field_validator("started_at", "ended_at")
    @classmethod
    def _sane_time(cls, moment, info: ValidationInfo):
        """Not in the future, not before CALLS_SINCE; ended after it started, within
        CALL_MAX_HANDLE_MINUTES."""
        if moment is None:
            return None
        config = current_app.config
        now = utcnow()
        earliest = datetime.fromisoformat(config["CALLS_SINCE"]).replace(tzinfo=local_zone())
        longest = timedelta(minutes=config["CALL_MAX_HANDLE_MINUTES"])
        starting = info.field_name == "started_at"
        if moment > now + timedelta(minutes=5):
            raise invalid(_l("The call cannot start in the future.") if starting
                          else _l("The call cannot end in the future."))
        if moment < earliest:
            raise invalid(_l("A call before %(day)s cannot be right.", day=earliest.strftime("%d.%m.%Y")))
        if starting or "started_at" not in info.data:  # a start that was wrong: said there
            return moment
        started_at = info.data["started_at"]
        if started_at is not None and moment < started_at:
            raise invalid(_l("The call cannot end before it started."))
        if (started_at is not None and moment - started_at > longest) or (started_at is None and moment < now - longest):
            raise invalid(_l("A call lasts at most %(minutes)d minutes.", minutes=config["CALL_MAX_HANDLE_MINUTES"]))
        return moment

    @field_validator("cti_call_id")
    @classmethod
    def _cti_call(cls, value):
        """A call the phone system reported: its talk time is the handle time (SPEC 5.9)."""
        if not value:
            return None
        try:
            times_for_logged_call(value)
        except ValidationFailed as exc:
            raise invalid(exc.fields.get("cti_call_id") or exc.message) from None
        return value

    @field_validator("reply_channel")
    @classmethod
    def _reply_channel(cls, value, info: ValidationInfo):
        if info.data.get("outcome") is not CallOutcome.ROUTED:
            return None
        caller = info.data.get("caller") or CallerIn()
        try:
            return parse_reply_channel(value, caller.email, caller.phone)
        except ValidationFailed as exc:
            raise invalid(exc.fields.get("reply_channel") or exc.message) from None

    @field_validator("formal_appeal")
    @classmethod
    def _formal_appeal(cls, value, info: ValidationInfo):
        if value and info.data.get("outcome") is not CallOutcome.ROUTED:
            raise invalid(_l("Only a routed call becomes an enquiry, and so a formal appeal."))
        return value

    def to_input(self) -> CallInput:
        faq_entries: list[FaqEntry] = []
        if self.faq_ids:
            rows = db.session.execute(select(FaqEntry).where(FaqEntry.id.in_(self.faq_ids))).scalars().all()
            faq_entries = sorted(rows, key=lambda entry: self.faq_ids.index(entry.id))
        started_at, ended_at = self.started_at, self.ended_at
        if self.cti_call_id:
            started_at, ended_at = times_for_logged_call(self.cti_call_id)
        return CallInput(
            channel=self.channel or CallChannel.PHONE, topic=reference().topics[self.topic] if self.topic else None,
            city=reference().cities[self.city] if self.city else None, question=self.question or "",
            outcome=self.outcome, caller=(self.caller or CallerIn()).to_input(), faq_entries=faq_entries,
            answer=self.answer, started_at=started_at, ended_at=ended_at,
            reply_channel=self.reply_channel, cti_call_id=self.cti_call_id, formal_appeal=self.formal_appeal)


def parse_call(payload) -> CallInput:
    """Check a submitted call; raises ValidationFailed with every field's error at once."""
    model = payload if isinstance(payload, CallIn) else check(CallIn, payload, CallIn.FAILED)
    return model.to_input()


def parse_contact(name: str, phone: str, email: str) -> tuple[CallerInput, dict[str, str]]:
    """A caller's name, phone and e-mail as corrected on an enquiry: the values, or errors keyed
    caller.name / caller.phone / caller.email."""
    try:
        return CallerIn.model_validate({"name": name, "phone": phone, "email": email}).to_input(), {}
    except ValidationError as exc:
        return CallerInput(), {f"caller.{k}": v for k, v in field_errors(exc).items()}
