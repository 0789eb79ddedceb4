"""The deadline watch: one periodic job (RQ's cron, every minute, from worker.py) that reads the
database for enquiries crossing a deadline — 80 % of the answer target and of the first-response
target (warn the assignee), the due time and the first-response due time (escalate to
supervisors), five calendar days before a 59-FZ appeal's legal deadline (both) — and marks each crossing on the enquiry once, with a conditional
update, so several workers and a Redis emptied at any moment neither repeat nor miss one. Also
the SLA state shown beside each enquiry."""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from ..models import Enquiry, EnquiryEvent, EnquiryStatus, Role, User, utcnow
from ..notifications.service import notify_many

log = logging.getLogger(__name__)

WATCHED = (EnquiryStatus.ASSIGNED, EnquiryStatus.REOPENED, EnquiryStatus.NEW)
LEGAL_WARNING_DAYS = 5     # 59-FZ: the assignee and supervisors are warned this long before
WATCH_JOB = "hotline.jobs.watch_deadlines"
WATCH_INTERVAL_SECONDS = 60
WATCH_BATCH = 500          # enquiries marked per statement: a first run over a big backlog stays short


class SlaState(enum.Enum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    DONE = "done"


def sla_state(enquiry: Enquiry, now: datetime | None = None) -> SlaState:
    if enquiry.status not in WATCHED:
        return SlaState.DONE
    now = now or utcnow()
    if enquiry.due_at and now >= enquiry.due_at:
        return SlaState.BREACHED
    if enquiry.sla_warn_at and now >= enquiry.sla_warn_at:
        return SlaState.WARNING
    return SlaState.OK


@dataclass(frozen=True)
class Crossing:
    """One deadline the watch looks for: crossed when `moment` − `ahead` is past; `mark` says it
    was told; `deadline` names the deadline the notification is about (a new deadline after a
    reopen or an extension is told again)."""

    kind: str                  # the notification kind
    moment: object             # the Enquiry column whose time is watched
    mark: object               # the Enquiry column set once when it is told
    deadline: str              # the Enquiry attribute the told deadline is
    supervisors: bool = False  # escalate: every active supervisor too
    needs_assignee: bool = True
    ahead: timedelta = timedelta(0)
    where: tuple[ColumnElement, ...] = ()
    event: str | None = None   # the trail entry it leaves
    moot_past_deadline: bool = False  # a warning found only after its deadline: the breach says it
    statuses: tuple[EnquiryStatus, ...] = field(default=WATCHED)


CROSSINGS: tuple[Crossing, ...] = (
    Crossing("sla-warning", Enquiry.sla_warn_at, Enquiry.sla_warned_at, "due_at", moot_past_deadline=True),
    Crossing("sla-breach", Enquiry.due_at, Enquiry.sla_breached_at, "due_at", supervisors=True,
             needs_assignee=False, event="breached"),
    # SPEC 7: no answer, interim reply or call-back that reached yet.
    Crossing("first-response-warning", Enquiry.first_response_warn_at, Enquiry.first_response_warned_at,
             "first_response_due_at", where=(Enquiry.first_response_at.is_(None),), moot_past_deadline=True),
    Crossing("first-response-breach", Enquiry.first_response_due_at, Enquiry.first_response_breached_at,
             "first_response_due_at", supervisors=True, needs_assignee=False,
             where=(Enquiry.first_response_at.is_(None),), event="first-response-breached"),
    # 59-FZ: calendar days before the legal deadline, to the assignee and the supervisors.
    Crossing("legal-warning", Enquiry.legal_due_at, Enquiry.legal_warned_at, "legal_due_at", supervisors=True,
             needs_assignee=False, ahead=timedelta(days=LEGAL_WARNING_DAYS),
             where=(Enquiry.formal_appeal.is_(True),)),
)


def watch_deadlines(now: datetime | None = None) -> dict[str, int]:
    """Mark and tell every crossing due by `now`; returns how many enquiries each kind marked.
    The update that sets a mark only takes rows whose mark is still empty, so of two workers
    running at once each enquiry is told by one (PostgreSQL re-reads a row the other updated)."""
    now = now or utcnow()
    supervisors = db.session.execute(
        select(User).where(User.role == Role.SUPERVISOR, User.active.is_(True)).order_by(User.id)).scalars().all()
    counts: dict[str, int] = {}
    for crossing in CROSSINGS:
        conditions = [crossing.mark.is_(None), crossing.moment.is_not(None),
                      crossing.moment <= now + crossing.ahead, Enquiry.status.in_(crossing.statuses),
                      *crossing.where]
        if crossing.needs_assignee:
            conditions.append(Enquiry.assignee_id.is_not(None))
        counts[crossing.kind] = 0
        while True:
            batch = select(Enquiry.id).where(*conditions).order_by(Enquiry.id).limit(WATCH_BATCH)
            marked = db.session.execute(
                update(Enquiry).where(Enquiry.id.in_(batch.scalar_subquery()), *conditions)
                .values({crossing.mark: now}).returning(Enquiry.id)
                .execution_options(synchronize_session=False)).scalars().all()
            if not marked:
                break
            counts[crossing.kind] += len(marked)
            # populate_existing: an enquiry this session holds takes the mark the update just set.
            enquiries = db.session.execute(select(Enquiry).where(Enquiry.id.in_(marked))
                                           .execution_options(populate_existing=True)).scalars().all()
            assignees = {u.id: u for u in db.session.execute(
                select(User).where(User.id.in_({e.assignee_id for e in enquiries if e.assignee_id}))).scalars()}
            items, rounds = [], {}
            for enquiry in enquiries:
                told = getattr(enquiry, crossing.deadline)
                rounds[enquiry.id] = told
                if crossing.moot_past_deadline and told and now >= told:
                    continue
                people = list(supervisors) if crossing.supervisors else []
                if enquiry.assignee_id in assignees and enquiry.assignee_id not in {u.id for u in people}:
                    people.append(assignees[enquiry.assignee_id])
                items.extend((user, crossing.kind, enquiry) for user in people)
                if crossing.event:
                    db.session.add(EnquiryEvent(enquiry_id=enquiry.id, kind=crossing.event, created_at=now,
                                                detail={"deadline": told.isoformat() if told else None}))
            notify_many(items, rounds=rounds)
            db.session.flush()
            if len(marked) < WATCH_BATCH:
                break
    return counts


def clear_marks(enquiry: Enquiry, *marks: str) -> None:
    """A deadline moved (reopen, extension): the watch tells its new crossings again."""
    for name in marks:
        setattr(enquiry, name, None)

