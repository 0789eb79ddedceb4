"""The lists people work from (SPEC 8.2, 12; issue 14): enquiries by status — open, answered,
closed, cancelled, all — filtered by topic, sister city, coordinator, creation period (Perm dates,
`to` exclusive), 59-FZ, SLA state, channel and words (the search index), sorted and paged; the
same filters for the page, its CSV/XLSX export and `GET /api/v1/enquiries`. Scoped by SPEC 10."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, false, or_, select
from sqlalchemy.orm import selectinload

from .. import visibility
from ..extensions import db
from ..models import Call, CallChannel, Enquiry, EnquiryStatus, Role, SisterCity, Topic, User, utcnow
from ..request_guard import PAGE_SIZE
from ..search.analysis import QUERY_MAX, parse_query
from ..search.backends import matching_records
from ..search.index import apply_pending
from ..timefmt import local_zone
from .access import is_supervisor, visible

MAX_PAGE = 10_000
INBOX_LIMIT = 500
EXPORT_MAX = 50_000
OPEN = EnquiryStatus.open_values()
VIEWS = {
    "open": OPEN,
    "answered": (EnquiryStatus.ANSWERED,),
    "closed": (EnquiryStatus.CLOSED,),
    "cancelled": (EnquiryStatus.CANCELLED,),
    "all": None,
}
VIEW_LABELS = {"open": _l("Open"), "answered": _l("Answered"), "closed": _l("Closed"),
               "cancelled": _l("Cancelled"), "all": _l("All")}
SLA_STATES = ("ok", "warning", "breached")
SORTS = {
    "created": Enquiry.created_at, "due": Enquiry.due_at, "answered": Enquiry.answered_at,
    "reference": Enquiry.reference,
}


@dataclass(frozen=True)
class ListFilters:
    status: str = "all"  # a view of VIEWS, or a comma list of status values (the API's older form)
    statuses: tuple[EnquiryStatus, ...] | None = None
    topic: str | None = None
    city: str | None = None
    coordinator: str | None = None  # a login, or "me"
    start: date | None = None
    end: date | None = None
    formal_appeal: bool = False
    sla: str | None = None
    channel: str | None = None
    q: str | None = None
    sort: str = "created"
    descending: bool = True
    page: int = 1

    def as_args(self, **overrides) -> dict:
        """The URL's query arguments for these filters (a page link, the export buttons)."""
        values = {
            "status": self.status, "topic": self.topic, "city": self.city, "coordinator": self.coordinator,
            "from": self.start.isoformat() if self.start else None, "to": self.end.isoformat() if self.end else None,
            "formal_appeal": "1" if self.formal_appeal else None, "sla": self.sla, "channel": self.channel,
            "q": self.q, "sort": self.sort if self.sort != "created" else None,
            "dir": "asc" if not self.descending else None, "page": self.page if self.page > 1 else None,
        }
        values.update(overrides)
        return {k: v for k, v in values.items() if v not in (None, "")}


class ListError(Exception):
    def __init__(self, fields: dict[str, str]):
        super().__init__("invalid list filters")
        self.fields = fields


def _date(value: str, errors: dict, name: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value)
        if not 2000 <= parsed.year <= 2100:
            raise ValueError
        return parsed
    except ValueError:
        errors[name] = str(_l("A date as YYYY-MM-DD."))
        return None


def parse_filters(args, default_status: str = "all") -> ListFilters:
    """Every filter from the query arguments; every error at once (ListError, in Russian)."""
    errors: dict[str, str] = {}
    status = (args.get("status") or default_status).strip().lower()
    statuses = None
    if status in VIEWS:
        statuses = VIEWS[status]
    else:
        try:
            statuses = tuple(EnquiryStatus(part.strip()) for part in status.split(",") if part.strip())
        except ValueError:
            errors["status"] = str(_l("Unknown status; expected one of: %(allowed)s.", allowed=", ".join(
                [*VIEWS, *(s.value for s in EnquiryStatus)])))
    start, end = _date(args.get("from"), errors, "from"), _date(args.get("to"), errors, "to")
    if start and end and end <= start:
        errors["to"] = str(_l("The end must be after the start."))
    sla = (args.get("sla") or "").strip() or None
    if sla and sla not in SLA_STATES:
        errors["sla"] = str(_l("Expected one of: %(allowed)s.", allowed=", ".join(SLA_STATES)))
    channel = (args.get("channel") or "").strip() or None
    if channel and channel not in {c.value for c in CallChannel}:
        errors["channel"] = str(_l("Expected one of: %(allowed)s.", allowed=", ".join(c.value for c in CallChannel)))
    appeal = (args.get("formal_appeal") or "").strip()
    if appeal not in ("", "0", "1", "true", "false"):
        errors["formal_appeal"] = str(_l("Expected 1 or 0."))
    sort = (args.get("sort") or "created").strip()
    if sort not in SORTS:
        errors["sort"] = str(_l("Expected one of: %(allowed)s.", allowed=", ".join(SORTS)))
    direction = (args.get("dir") or "desc").strip()
    if direction not in ("asc", "desc"):
        errors["dir"] = str(_l("Expected one of: %(allowed)s.", allowed="asc, desc"))
    page = args.get("page", "1")
    try:
        page = int(page)
        if not 1 <= page <= MAX_PAGE:
            raise ValueError
    except (TypeError, ValueError):
        errors["page"] = str(_l("A whole number from 1 to %(max)d.", max=MAX_PAGE))
        page = 1
    q = (args.get("q") or "").strip() or None
    if q and len(q) > QUERY_MAX:
        errors["q"] = str(_l("Too long: at most %(max)d characters.", max=QUERY_MAX))
    texts = {}
    for name in ("topic", "city", "coordinator", "assignee"):
        value = (args.get(name) or "").strip() or None
        if value and len(value) > 64:
            errors[name] = str(_l("Too long: at most %(max)d characters.", max=64))
        texts[name] = value
    if errors:
        raise ListError(errors)
    return ListFilters(status=status, statuses=statuses, topic=texts["topic"], city=texts["city"],
                       coordinator=texts["coordinator"] or texts["assignee"], start=start, end=end,
                       formal_appeal=appeal in ("1", "true"), sla=sla, channel=channel, q=q, sort=sort,
                       descending=direction == "desc", page=page)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_zone())


def sla_condition(state: str, now: datetime):
    """SPEC 8.2's `sla`: for open enquiries their state now (as the inbox badge says); for the
    answered and closed, whether the answer came in time (`ok`) or late (`breached`)."""
    watched = Enquiry.status.in_(OPEN)
    done = Enquiry.status.in_((EnquiryStatus.ANSWERED, EnquiryStatus.CLOSED))
    if state == "breached":
        return or_(and_(watched, Enquiry.due_at <= now),
                   and_(done, Enquiry.answered_at.is_not(None), Enquiry.due_at.is_not(None),
                        Enquiry.answered_at > Enquiry.due_at))
    if state == "warning":
        return and_(watched, Enquiry.sla_warn_at <= now, or_(Enquiry.due_at.is_(None), Enquiry.due_at > now))
    return or_(and_(watched, or_(Enquiry.due_at.is_(None), Enquiry.due_at > now),
                    or_(Enquiry.sla_warn_at.is_(None), Enquiry.sla_warn_at > now)),
               and_(done, or_(Enquiry.due_at.is_(None), Enquiry.answered_at.is_(None),
                              Enquiry.answered_at <= Enquiry.due_at)))


def statement(user: User, filters: ListFilters, now: datetime | None = None):
    """The enquiries `user` may see that pass `filters`, in the chosen order (not paged)."""
    now = now or utcnow()
    stmt = select(Enquiry)
    if filters.statuses is not None:
        stmt = stmt.where(Enquiry.status.in_(filters.statuses) if filters.statuses else false())
    if filters.topic:
        stmt = stmt.where(Enquiry.topic_id.in_(select(Topic.id).where(Topic.code == filters.topic)))
    if filters.city:
        stmt = stmt.where(Enquiry.city_id.in_(select(SisterCity.id).where(SisterCity.code == filters.city)))
    if filters.coordinator == "me":
        stmt = stmt.where(Enquiry.assignee_id == user.id)
    elif filters.coordinator:
        stmt = stmt.where(Enquiry.assignee_id.in_(select(User.id).where(User.login == filters.coordinator)))
    if filters.start:
        stmt = stmt.where(Enquiry.created_at >= _local_midnight(filters.start))
    if filters.end:
        stmt = stmt.where(Enquiry.created_at < _local_midnight(filters.end))
    if filters.formal_appeal:
        stmt = stmt.where(Enquiry.formal_appeal.is_(True))
    if filters.sla:
        stmt = stmt.where(sla_condition(filters.sla, now))
    if filters.channel:
        stmt = stmt.where(Enquiry.call_id.in_(select(Call.id).where(Call.channel == CallChannel(filters.channel))))
    if filters.q:
        query = parse_query(filters.q)
        if not query:
            stmt = stmt.where(false())
        else:
            apply_pending(db.session)
            stmt = stmt.where(Enquiry.id.in_(matching_records(db.session, query, "enquiry")))
    stmt = visibility.enquiries(stmt, user)
    column = SORTS[filters.sort]
    order = column.desc() if filters.descending else column.asc()
    # Empty dates last either way, then the newest first so that a page is stable.
    return stmt.order_by(column.is_(None), order, Enquiry.id.desc())


def _loaded(stmt):
    return stmt.options(selectinload(Enquiry.topic), selectinload(Enquiry.city), selectinload(Enquiry.assignee),
                        selectinload(Enquiry.caller), selectinload(Enquiry.call))


def page(user: User, filters: ListFilters, size: int | None = None) -> tuple[list[Enquiry], bool]:
    """One page of the list and whether another follows (no count over everything)."""
    size = size or PAGE_SIZE
    rows = db.session.execute(_loaded(statement(user, filters)).offset((filters.page - 1) * size)
                              .limit(size + 1)).scalars().all()
    return list(rows[:size]), len(rows) > size


def everything(user: User, filters: ListFilters, limit: int = EXPORT_MAX) -> list[Enquiry]:
    return list(db.session.execute(_loaded(statement(user, filters)).limit(limit)).scalars())


def inbox_enquiries(viewer: User, view: str, appeals: bool = False) -> list[Enquiry]:
    """The open enquiries of a coordinator's inbox (a supervisor picks whose, or all, unrouted,
    overdue), soonest due first; `appeals` keeps the formal appeals under 59-FZ only."""
    stmt = (select(Enquiry).options(selectinload(Enquiry.topic), selectinload(Enquiry.city),
                                    selectinload(Enquiry.assignee))
            .where(Enquiry.status.in_(EnquiryStatus.open_values())))
    if appeals:
        stmt = stmt.where(Enquiry.formal_appeal.is_(True))
    if view == "overdue":  # past the answer deadline now (the dashboard's «breached now» opens it)
        stmt = stmt.where(Enquiry.due_at < utcnow())
        if not is_supervisor(viewer):
            stmt = stmt.where(Enquiry.assignee_id == viewer.id)
    elif view == "unrouted":
        stmt = stmt.where(Enquiry.status == EnquiryStatus.NEW)
    elif view == "mine" or not is_supervisor(viewer):
        stmt = stmt.where(Enquiry.assignee_id == viewer.id)
    elif view not in ("all", ""):
        stmt = stmt.join(User, User.id == Enquiry.assignee_id).where(User.login == view)
    stmt = visible(stmt, viewer)
    stmt = stmt.order_by(case((Enquiry.due_at.is_(None), 1), else_=0), Enquiry.due_at, Enquiry.id).limit(INBOX_LIMIT)
    return list(db.session.execute(stmt).scalars())


def active_coordinators() -> list[User]:
    """The coordinators one may pick in a list's filter or as an inbox to look at, by name."""
    return list(db.session.execute(
        select(User).where(User.role == Role.COORDINATOR, User.active.is_(True)).order_by(User.name)).scalars())
