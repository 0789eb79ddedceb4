"""The shapes of `/api/v1`: request models (query strings and bodies) that spectree validates before
a view runs, and response models that say exactly what a view answers — every key required (a
value that can be missing is `null`), codes as enums, no undeclared keys. The same classes make
the OpenAPI document (hotline/api/spec.py). The call's body is `CallIn` in calls/schema.py, shared
with the form, the public pages, Open311 and e-mail intake."""
from __future__ import annotations

from datetime import date, datetime  # noqa: F401
from typing import Annotated, Any, ClassVar, Literal

from flask_babel import lazy_gettext as _l
from pydantic import BeforeValidator, ConfigDict, Field, RootModel, StrictBool, StrictInt, StrictStr, field_validator

from ..models import (CallbackKind, CallbackResult, CallbackStatus, CallChannel, CallDirection, CallOutcome,
                      DeliveryStatus, EnquiryStatus, FaqStatus, ReplyChannel)
from ..request_guard import MAX_ID
from ..sla.watch import SlaState
from ..validation import Strict, invalid
from .errors import CODES

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Time = datetime  # ISO 8601 in UTC, "…Z"
Language = Literal["ru", "en"]
ErrorCode = Literal[tuple(sorted({*CODES.values(), "too_large", "error"}))]  # type: ignore[valid-type]


class Query(Strict):
    """A query string: parameters the route does not know are ignored, as browsers and proxies add some."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


# --- errors ------------------------------------------------------------------------------------

class ErrorBody(Strict):
    code: ErrorCode
    message: str
    fields: dict[str, str] = Field(description="a message per field, keyed by its dotted path (caller.phone)")


class Error(Strict):
    """Every error of the API: {"error": {"code", "message", "fields"}} (SPEC 8.2)."""

    error: ErrorBody


# --- calls and callers -------------------------------------------------------------------------

class EnquirySummary(Strict):
    id: int
    reference: str
    status: EnquiryStatus
    due_at: Time | None
    created_at: Time
    assignee: str | None
    formal_appeal: bool = Field(description="a written appeal under 59-FZ")
    legal_due_at: Time | None = Field(description="its legal deadline: 30 days from registration, extended at most once")


class Caller(Strict):
    id: int
    name: str
    phone: str | None = Field(description="E.164")
    phone_display: str | None
    email: str | None
    language: str
    consent_at: Time | None


class Call(Strict):
    id: int
    channel: CallChannel
    caller: Caller | None
    operator: str | None
    topic: str | None = Field(description="null only on a dropped call")
    city: str | None
    question: str
    answer: str | None
    outcome: CallOutcome
    started_at: Time
    ended_at: Time | None
    handle_seconds: int | None
    enquiry: EnquirySummary | None


class CallSummary(Strict):
    id: int
    started_at: Time
    topic: str | None = Field(description="null only on a dropped call")
    outcome: CallOutcome
    question: str | None = Field(description="null for another operator's call (SPEC 10)")


class CallerHistory(Caller):
    calls: list[CallSummary]
    open_enquiries: list[EnquirySummary]


class Callers(Strict):
    phone: str
    callers: list[CallerHistory]


class CallersQuery(Query):
    phone: StrictStr = Field(description="any way of writing the number")


# --- enquiries ---------------------------------------------------------------------------------

class EnquiriesQuery(Query):
    """The lists' filters (SPEC 8.2); `hotline.enquiries.lists.parse_filters` checks them all at once."""

    status: str | None = Field(None, description="a view (open, answered, closed, cancelled, all) or status values ("
                               + ", ".join(s.value for s in EnquiryStatus) + "), comma-separated; default all")
    assignee: str | None = Field(None, description="me or a login")
    coordinator: str | None = Field(None, description="a coordinator's login")
    topic: str | None = Field(None, description="a topic's code")
    city: str | None = Field(None, description="a sister city's code")
    channel: str | None = Field(None, description=", ".join(c.value for c in CallChannel))
    formal_appeal: str | None = Field(None, description="1: formal appeals (59-FZ) only; 0: none of them")
    sla: str | None = Field(None, description="ok, warning or breached")
    from_: str | None = Field(None, alias="from", description="created on or after, a Perm date YYYY-MM-DD")
    to: str | None = Field(None, description="created before, a Perm date YYYY-MM-DD (exclusive)")
    q: str | None = Field(None, description="words, a reference or a phone, through the search index")
    sort: str | None = Field(None, description="the column to sort by; default: due time, soonest first")
    dir: str | None = Field(None, description="asc or desc")
    page: str | None = Field(None, description="1, 2, … (500 a page)")


class Attachment(Strict):
    id: int
    name: str
    type: str = Field(description="the content type, read from the bytes")
    size: int


class DeliveryAttempt(Strict):
    at: Time
    channel: Literal["email", "phone"]
    result: str
    detail: str | None


class Delivery(Strict):
    status: DeliveryStatus
    channel: ReplyChannel
    at: Time | None
    answered_at: Time | None
    attempts: list[DeliveryAttempt]


class TrailEvent(Strict):
    at: Time
    kind: str
    actor: str | None
    detail: dict[str, Any] | None


class Enquiry(EnquirySummary):
    topic: str
    city: str | None
    question: str
    assigned_at: Time | None
    first_response_at: Time | None
    answered_at: Time | None
    closed_at: Time | None
    cancelled_at: Time | None
    answer: str | None
    sla: SlaState
    registered_at: Time | None = Field(description="a formal appeal's registration (59-FZ: within 3 days of receipt)")
    legal_extended_at: Time | None = Field(description="when a supervisor extended the legal deadline (once)")
    legal_extension_reason: str | None
    unrouted: bool
    returned_reason: str | None
    reply_channel: ReplyChannel


class EnquiryDetail(Enquiry):
    attachments: list[Attachment]
    delivery: Delivery | None
    trail: list[TrailEvent]


class Enquiries(Strict):
    enquiries: list[Enquiry]
    page: int
    has_next: bool


class AnswerIn(Strict):
    text: StrictStr
    faq_ids: list[Annotated[StrictInt, Field(ge=1, le=MAX_ID)]] | None = None

    MESSAGES: ClassVar[dict] = {"faq_ids": _l("Must be a list of FAQ entry numbers.")}


class ExtendIn(Strict):
    days: StrictInt | None = Field(None, description="1 … 30")
    reason: StrictStr | None = Field(None, description="required")


class ReassignIn(Strict):
    to: StrictStr = Field(description="the login of a coordinator of the enquiry's topic")
    reason: StrictStr


class UploadIn(Strict):
    file: bytes = Field(json_schema_extra={"format": "binary"})


# --- FAQ ---------------------------------------------------------------------------------------

class Faq(Strict):
    id: int
    question: str
    answer: str
    topic: str | None
    city: str | None
    language: str
    status: FaqStatus
    wordings: list[str]
    owner: str | None
    use_count: int
    last_used_at: Time | None
    updated_at: Time | None


class Highlight(Strict):
    question: str = Field(description="HTML: the matched words in <mark>")
    answer: str


class FaqHit(Faq):
    score: float
    relevance: float = Field(ge=0, le=1)
    highlight: Highlight


class FaqList(Strict):
    query: str
    results: list[FaqHit] | list[Faq] = Field(description="ranked hits for q, else the most used entries")


class FaqQuery(Query):
    q: str | None = None
    topic: str | None = None
    lang: Annotated[Language | None, BeforeValidator(lambda v: v or None)] = None
    status: Literal["draft", "published", "retired", "all"] | None = Field(
        None, description="editors only; default published")
    limit: Annotated[int, Field(ge=1, le=50)] = 10

    MESSAGES: ClassVar[dict] = {"lang": _l("Unknown language; expected ru or en.")}


class FaqIn(Strict):
    """POST takes every required field; PATCH any of them. Text is stored plain (HTML stripped)."""

    question: StrictStr = Field(max_length=500)
    answer: StrictStr = Field(max_length=5000)
    topic: StrictStr
    city: StrictStr | None = None
    language: Language | None = None
    status: FaqStatus | None = None
    wordings: list[Annotated[StrictStr, Field(max_length=300)]] | None = Field(None, max_length=30)

    MESSAGES: ClassVar[dict] = {"language": _l("Unknown language; expected ru or en."),
                                "wordings": _l("Must be a list of texts.")}

    @field_validator("question", "answer", "topic")
    @classmethod
    def _given(cls, value):
        if not value:
            raise invalid(_l("This field is required."))
        return value


class FaqPatch(FaqIn):
    question: StrictStr | None = Field(None, max_length=500)
    answer: StrictStr | None = Field(None, max_length=5000)
    topic: StrictStr | None = None


class FaqUseIn(Strict):
    call_id: StrictInt | None = Field(None, description="a call the client may see")
    enquiry_id: StrictInt | None = Field(None, description="an enquiry the client may see")


class FaqUse(Strict):
    id: int
    entry_id: int
    call_id: int | None
    enquiry_id: int | None
    user: str
    used_at: Time
    use_count: int


# --- call-backs --------------------------------------------------------------------------------

class CallbackAttempt(Strict):
    at: Time
    result: CallbackResult
    note: str | None
    operator: str | None


class Callback(Strict):
    id: int
    kind: CallbackKind
    status: CallbackStatus
    phone: str | None
    caller: str | None
    enquiry: str | None = Field(description="the enquiry's reference")
    telephony_call_id: int | None
    reason: str | None
    answer: str | None = Field(description="the answer to read out, once the enquiry is answered")
    created_at: Time
    closed_at: Time | None
    attempts: list[CallbackAttempt]


class Callbacks(Strict):
    callbacks: list[Callback]


class CallbacksQuery(Query):
    status: Literal["open", "done", "unreachable", "cancelled", "all"] = "open"
    kind: Annotated[CallbackKind | None, BeforeValidator(lambda v: v or None)] = None

    MESSAGES: ClassVar[dict] = {"status": _l("Unknown status; expected one of: %(allowed)s.",
                                             allowed="open, done, unreachable, cancelled, all"),
                                "kind": _l("Unknown kind; expected answer or missed-call.")}


class AttemptIn(Strict):
    result: CallbackResult
    note: StrictStr | None = Field(None, max_length=2000)


# --- telephony ---------------------------------------------------------------------------------

class TelephonyCall(Strict):
    call_id: str = Field(description="the phone system's callId")
    direction: CallDirection
    phone: str | None = Field(description="masked for supervisors")
    from_: str | None = Field(alias="from", description="null for supervisors")
    to: str | None
    queue: str | None
    rang_at: Time
    answered_at: Time | None
    ended_at: Time | None
    cause: str | None
    missed: bool
    answered_by: str | None
    wait_seconds: float | None
    talk_seconds: float | None
    logged_call_id: int | None


class TelephonyPeriod(Strict):
    from_: date = Field(alias="from")
    to: date


class TelephonyCalls(Strict):
    period: TelephonyPeriod
    calls: list[TelephonyCall]


class TelephonyQuery(Query):
    from_: str | None = Field(None, alias="from", description="Perm local date", json_schema_extra={"format": "date"})
    to: str | None = Field(None, description="exclusive", json_schema_extra={"format": "date"})
    period: Literal["today", "7d", "30d", "quarter", "year"] | None = Field(None, description="default 7d")
    missed: Literal["1", "true", "0", "false", ""] | None = Field(None, description="1: missed calls only")


class ActiveCallerCall(Strict):
    id: int
    started_at: Time
    outcome: CallOutcome
    topic: str | None


class ActiveCaller(Caller):
    calls: list[ActiveCallerCall]
    open_enquiries: list[EnquirySummary]


class TelephonyActive(Strict):
    call: TelephonyCall | None = Field(description="null when the phone system knows no call of this operator")
    caller: ActiveCaller | None


# --- search ------------------------------------------------------------------------------------

class SearchQuery(Query):
    q: str | None = Field(None, description="words in any form, a reference (either alphabet), a phone or its last digits, "
                          "a name or an e-mail address; at most 200 characters")
    kind: str | None = Field(None, description="enquiry, call or caller; default all three")
    limit: str | None = Field(None, description="1 … 50, default 20")


class SearchCaller(Strict):
    id: int
    name: str | None
    email: str | None
    phone: str | None = Field(description="masked for supervisors (SPEC 10)")


class _Hit(Strict):
    id: int
    score: float
    highlight: str = Field(description="the matching words in <mark>, everything else escaped")


class EnquiryHit(_Hit):
    kind: Literal["enquiry"]
    reference: str
    status: EnquiryStatus
    topic: str
    created_at: Time
    question: str
    caller: SearchCaller | None


class CallHit(_Hit):
    kind: Literal["call"]
    started_at: Time
    topic: str | None
    outcome: CallOutcome
    question: str | None
    reference: str | None
    caller: SearchCaller | None


class CallerHit(_Hit):
    kind: Literal["caller"]
    name: str | None
    email: str | None
    phone: str | None


class SearchResults(Strict):
    query: str
    kind: str | None
    count: int = Field(description="hits shown; with more, there are more than 100")
    more: bool
    results: list[Annotated[EnquiryHit | CallHit | CallerHit, Field(discriminator="kind")]]


# --- statistics --------------------------------------------------------------------------------

Ratio = Annotated[float, Field(ge=0, le=1)]
Counts = dict[str, int]


class StatsQuery(Query):
    from_: str | None = Field(None, alias="from", description="Perm local date, YYYY-MM-DD",
                              json_schema_extra={"format": "date"})
    to: str | None = Field(None, description="exclusive", json_schema_extra={"format": "date"})
    period: Literal["today", "7d", "30d", "quarter", "year"] | None = None
    topic: str | None = None
    city: str | None = None
    channel: str | None = None
    operator: str | None = None
    coordinator: str | None = None


class StatsPeriod(Strict):
    from_: date = Field(alias="from")
    to: date
    preset: str
    as_of: Time


class StatsFilters(Strict):
    topic: str | None
    city: str | None
    channel: str | None
    operator: str | None
    coordinator: str | None


class CallFigures(Strict):
    total: int
    by_day: Counts
    previous_by_day: Counts
    by_topic: Counts
    by_city: Counts
    by_channel: Counts
    by_outcome: Counts
    by_operator: Counts
    heatmap: list[list[int]] = Field(description="7 rows (Monday first) × 24 hours, Perm time")


class EnquiryFigures(Strict):
    created: int
    answered: int
    open: int
    overdue: int
    cancelled: int


class TimeToAssign(Strict):
    median_seconds: float | None
    p90_seconds: float | None


class TimeToAnswer(Strict):
    median_hours: float | None
    p90_hours: float | None
    mean_hours: float | None


class SlaDay(Strict):
    answered: int
    on_time: int
    compliance: Ratio | None


class CoordinatorFigures(Strict):
    login: str
    assigned: int
    answered: int
    median_hours: float | None
    sla_compliance: Ratio | None
    open: int
    first_response_hours: float | None
    first_response_compliance: Ratio | None


class OperatorFigures(Strict):
    login: str
    calls: int
    aht_seconds: float | None
    fcr: Ratio | None


class FaqTop(Strict):
    id: int
    question: str
    uses: int


class FaqMatched(Strict):
    id: int
    question: str
    calls: int


class RoutedDespiteMatch(Strict):
    total: int = Field(description="routed calls that a published entry matched (recorded by the worker)")
    by_entry: list[FaqMatched]
    by_topic: Counts


class FaqUnhelpful(Strict):
    id: int
    question: str
    not_helpful: int
    responses: int


class FaqFigures(Strict):
    top: list[FaqTop]
    assisted_share: Ratio | None
    never_used: list[int]
    routed_despite_match: RoutedDespiteMatch
    unhelpful: list[FaqUnhelpful]


class AppealFigures(Strict):
    registered: int
    registered_in_3_days: int
    answered: int
    answered_in_time: int
    answered_in_time_share: Ratio | None
    extended: int
    overdue: int


class DeliveryFigures(Strict):
    answers: int
    delivered: int
    delivered_share: Ratio | None
    pending: int
    failed: int
    unreachable: int
    callback_attempts: int
    median_minutes: float | None


class FeedbackBlock(Strict):
    responses: int
    helpful: int
    helpful_share: Ratio | None


class CoordinatorFeedback(FeedbackBlock):
    login: str


class FeedbackFigures(FeedbackBlock):
    by_coordinator: list[CoordinatorFeedback]
    by_topic: dict[str, FeedbackBlock]


class FirstResponseBlock(Strict):
    responded: int
    median_hours: float | None
    compliance: Ratio | None


class FirstResponseFigures(FirstResponseBlock):
    in_time: int
    by_coordinator: dict[str, FirstResponseBlock]


class ReopenBlock(Strict):
    answered: int
    reopened: int
    rate: Ratio | None


class ReopenFigures(ReopenBlock):
    by_coordinator: dict[str, ReopenBlock]
    by_topic: dict[str, ReopenBlock]


class TelephonyBucket(Strict):
    offered: int
    answered: int
    abandoned: int
    service_level: Ratio | None


class OutOfHours(Strict):
    offered: int
    answered: int
    abandoned: int


class TelephonyOperator(Strict):
    login: str
    answered: int
    talk_seconds: float


class TelephonyFigures(Strict):
    offered: int
    answered: int
    abandoned: int
    abandonment_rate: Ratio | None
    asa_seconds: float | None
    asa_p90_seconds: float | None
    service_level: Ratio | None
    service_level_seconds: int
    talk_seconds: float
    talk_mean_seconds: float | None
    forwarded: int
    out_of_hours: OutOfHours
    outbound: int
    ringing: int
    by_hour: list[TelephonyBucket] = Field(description="24 hours, Perm time")
    by_day: dict[str, TelephonyBucket]
    operators: list[TelephonyOperator]


class Stats(Strict):
    """Every figure of SPEC 7 for the period."""

    period: StatsPeriod
    filters: StatsFilters
    calls: CallFigures
    fcr: Ratio | None
    aht_seconds: float | None
    operators: list[OperatorFigures]
    enquiries: EnquiryFigures
    time_to_assign: TimeToAssign
    time_to_answer: TimeToAnswer
    sla_compliance: Ratio | None
    sla_by_day: dict[str, SlaDay]
    backlog_aging: Counts
    coordinators: list[CoordinatorFigures]
    faq: FaqFigures
    delivery: DeliveryFigures
    feedback: FeedbackFigures
    first_response: FirstResponseFigures
    reopen: ReopenFigures
    appeals: AppealFigures
    telephony: TelephonyFigures


# --- audit and health --------------------------------------------------------------------------

class AuditQuery(Query):
    actor: str | None = Field(None, description="a login")
    record: str | None = Field(None, description="KIND or KIND:ID")
    action: str | None = None
    from_: str | None = Field(None, alias="from", description="Perm local date", json_schema_extra={"format": "date"})
    to: str | None = Field(None, description="exclusive", json_schema_extra={"format": "date"})
    page: int | None = Field(None, ge=1, le=MAX_ID)
    per_page: int | None = Field(None, ge=1, le=500)


class AuditEntry(Strict):
    id: int
    at: Time
    actor: str | None
    action: str
    record: str
    ids: list[int] | None
    detail: dict[str, Any]


class AuditPage(Strict):
    filters: dict[str, str]
    page: int
    per_page: int
    has_next: bool
    entries: list[AuditEntry]


class Health(Strict):
    status: Literal["ok", "degraded"]
    database: str = Field(description="ok, or error: <kind>")
    redis: str = Field(description="ok, or error: <kind>")
    queue_length: int | None
    oldest_new_enquiry_seconds: float | None


class OpenApiDocument(RootModel[dict[str, Any]]):
    pass
