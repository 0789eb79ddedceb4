"""Routing (SPEC 5.2 and 6): which coordinator gets an enquiry, the sweep that keeps `new`
enquiries moving, and re-routing when an assignee is away.

The database decides: an assignment is a conditional UPDATE from `new` (or `reopened`), so a job
that runs twice, or two workers racing, assign once."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import and_, case, func, insert, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit
from ..extensions import db
from ..models import (
    Absence, CoordinatorGroup, Enquiry, EnquiryEvent, EnquiryStatus, GroupMember, Role, RoutingRule, User,
    utcnow,
)
from ..notifications.service import notify, notify_many, notify_supervisors
from ..queue import enqueue_after_commit, enqueue_unless_waiting, withdraw_after_commit
from ..search.index import changed
from ..timefmt import local_zone, to_local
from ..writes import begin_reads, begin_writes

log = logging.getLogger(__name__)
ROUTE_JOB = "hotline.jobs.route_enquiry"
OPEN_ASSIGNED = (EnquiryStatus.ASSIGNED, EnquiryStatus.REOPENED)
# An enquiry nobody could take is tried again this often (someone may be back, or a rule added).
UNROUTED_RETRY = timedelta(minutes=5)


def route_job_id(enquiry_id: int) -> str:
    return f"route-{enquiry_id}"


@dataclass(frozen=True)
class Choice:
    user_id: int
    group_id: int


def absent_user_ids(day: date) -> set[int]:
    return set(db.session.execute(
        select(Absence.user_id).where(Absence.starts_on <= day, Absence.ends_on >= day)
    ).scalars())


_NEVER = datetime.min.replace(tzinfo=timezone.utc)


class Router:
    """The choice of SPEC 5.2 for one enquiry or a batch: the rules, the groups' members, who is
    away and everyone's open load are read once (three queries), and each choice counts the
    assignments chosen before it, so a batch divides work exactly as one job after another would."""

    def __init__(self, topic_ids: Iterable[int], *, exclude: Iterable[int] = (), now: datetime | None = None):
        self.now = now or utcnow()
        self.away = absent_user_ids(to_local(self.now).date()) | set(exclude)
        self.rules = db.session.execute(
            select(RoutingRule.topic_id, RoutingRule.city_id, RoutingRule.group_id)
            .where(RoutingRule.topic_id.in_(set(topic_ids)))
            .order_by(RoutingRule.priority.desc(), RoutingRule.city_id.is_(None), RoutingRule.id)
        ).all()
        open_count = (
            select(func.count(Enquiry.id))
            .where(Enquiry.assignee_id == User.id, Enquiry.status.in_(OPEN_ASSIGNED))
            .correlate(User).scalar_subquery()
        )
        self.members: dict[int, list[tuple[int | None, int]]] = {}
        self.open: dict[int, int] = {}
        self.last: dict[int, datetime] = {}
        group_ids = {rule.group_id for rule in self.rules}
        if group_ids:
            for group_id, city_id, user_id, last, load in db.session.execute(
                select(GroupMember.group_id, GroupMember.city_id, User.id, User.last_assigned_at, open_count)
                .join(User, GroupMember.user_id == User.id)
                .where(GroupMember.group_id.in_(group_ids), User.active.is_(True), User.role == Role.COORDINATOR)
            ):
                self.members.setdefault(group_id, []).append((city_id, user_id))
                self.open[user_id], self.last[user_id] = load, last or _NEVER

    def choose(self, topic_id: int, city_id: int | None) -> Choice | None:
        """The matching rule's group (highest priority first, a city-specific rule before "any
        city"), skipping absent coordinators; the one with the fewest open enquiries; ties to the
        one assigned longest ago. None when no rule matches or nobody in those groups is present."""
        groups = [rule.group_id for rule in self.rules
                  if rule.topic_id == topic_id and rule.city_id in (None, city_id)]
        for group_id in dict.fromkeys(groups):
            present = {user_id for only_city, user_id in self.members.get(group_id, ())
                       if only_city in (None, city_id) and user_id not in self.away}
            if present:
                best = min(present, key=lambda user_id: (self.open[user_id], self.last[user_id], user_id))
                return Choice(best, group_id)
        return None

    def count(self, choice: Choice, at: datetime) -> None:
        """Record an assignment made from `choice`, for the choices that follow."""
        self.open[choice.user_id] += 1
        self.last[choice.user_id] = at


def choose_coordinator(topic_id: int, city_id: int | None, *, exclude: set[int] = frozenset(),
                       now: datetime | None = None) -> Choice | None:
    """The coordinator SPEC 5.2 picks for one enquiry (see `Router.choose`)."""
    return Router([topic_id], exclude=exclude, now=now).choose(topic_id, city_id)


def route_enquiry(enquiry_id: int) -> str:
    """Assign a `new` (or `reopened`) enquiry; returns what happened, for the job's log.

    The check is a read alone, so a job whose enquiry is already routed (a duplicate, or one a
    batch took) never touches SQLite's write lock; the assignment is a conditional UPDATE, so a
    stale choice or a racing worker is harmless."""
    begin_reads()
    try:
        return _route(enquiry_id)
    finally:
        begin_writes()


def _route(enquiry_id: int) -> str:
    enquiry = db.session.get(Enquiry, enquiry_id)
    if enquiry is None:
        return "missing"
    if enquiry.status is EnquiryStatus.REOPENED and enquiry.assignee_id is not None:
        if enquiry.assignee_id not in absent_user_ids(to_local(utcnow()).date()):
            return _assign(enquiry, Choice(enquiry.assignee_id, enquiry.group_id), kind="reassigned-after-reopen")
    elif enquiry.status is not EnquiryStatus.NEW:
        return "already-routed"
    if enquiry.returned_at is not None:
        return "returned-to-operator"
    if enquiry.unrouted_at is None and enquiry.assigned_at is None:
        return _route_waiting(enquiry)
    # Tried before and nobody could take it, or released by an absent coordinator.
    choice = choose_coordinator(enquiry.topic_id, enquiry.city_id)
    if choice is None:
        return _mark_unrouted(enquiry)
    return _assign(enquiry, choice)


def _waiting():
    """Enquiries that have never been routed nor tried: what a batch may take."""
    return select(Enquiry.id, Enquiry.topic_id, Enquiry.city_id).where(
        Enquiry.status == EnquiryStatus.NEW, Enquiry.returned_at.is_(None), Enquiry.unrouted_at.is_(None),
        Enquiry.assigned_at.is_(None))


def _route_waiting(enquiry: Enquiry) -> str:
    """Route a fresh enquiry, and with it up to ROUTE_BATCH_SIZE - 1 others waiting (oldest first).

    The batch is read and chosen inside the write transaction: on SQLite under the write lock, so
    the loads are exact and two workers never take the same batch; on PostgreSQL the rows are
    locked (SKIP LOCKED), so two workers take different ones."""
    begin_writes()
    size = max(1, int(current_app.config["ROUTE_BATCH_SIZE"]))
    own = db.session.execute(_waiting().where(Enquiry.id == enquiry.id).with_for_update(skip_locked=True)).first()
    if own is None:  # taken by another worker since it was read
        return "already-routed"
    batch = [own]
    if size > 1:
        batch += db.session.execute(
            _waiting().where(Enquiry.id != enquiry.id).order_by(Enquiry.created_at, Enquiry.id).limit(size - 1)
            .with_for_update(skip_locked=True)).all()
    router = Router({row.topic_id for row in batch})
    chosen: dict[int, Choice] = {}
    for row in batch:
        choice = router.choose(row.topic_id, row.city_id)
        if choice is not None:  # nobody for one of the others: its own job marks it unrouted
            chosen[row.id] = choice
            router.count(choice, utcnow())  # later in the batch is "assigned more recently"
    outcome = None if enquiry.id in chosen else _mark_unrouted(enquiry)
    if not chosen:
        return outcome
    assigned = _assign_batch(chosen, router)
    # The others' own jobs have nothing left to do: out of the queue with them, once committed.
    withdraw_after_commit([route_job_id(i) for i in assigned if i != enquiry.id])
    if enquiry.id in assigned:
        db.session.expire(enquiry)
        outcome = f"assigned:{assigned[enquiry.id]}"
    others = len(assigned) - (enquiry.id in assigned)
    return (outcome or "already-routed") + (f" (+{others} waiting)" if others else "")


def _assign_batch(chosen: dict[int, Choice], router: Router) -> dict[int, str]:
    """Assign each enquiry to its chosen coordinator in a handful of statements; returns the
    logins of those assigned (a row another worker took meanwhile is left out)."""
    if not chosen:
        return {}
    now = router.now
    taken = sorted(db.session.execute(
        update(Enquiry).where(Enquiry.id.in_(chosen), Enquiry.status == EnquiryStatus.NEW)
        .values(status=EnquiryStatus.ASSIGNED, assigned_at=now,
                assignee_id=case({i: c.user_id for i, c in chosen.items()}, value=Enquiry.id),
                group_id=case({i: c.group_id for i, c in chosen.items()}, value=Enquiry.id))
        .returning(Enquiry.id).execution_options(synchronize_session=False)
    ).scalars())
    if not taken:
        return {}
    changed("enquiry", taken)  # the assignee decides who finds it (SPEC 10)
    last = {chosen[i].user_id: router.last[chosen[i].user_id] for i in taken}
    users = {user.id: user for user in db.session.execute(select(User).where(User.id.in_(last))).scalars()}
    db.session.execute(
        update(User).where(User.id.in_(last)).values(last_assigned_at=case(last, value=User.id))
        .execution_options(synchronize_session=False))
    login = {i: users[chosen[i].user_id].login for i in taken}
    db.session.execute(insert(EnquiryEvent), [
        {"enquiry_id": i, "actor_id": None, "kind": "assigned", "created_at": now, "detail": {"to": login[i]}}
        for i in taken])
    enquiries = {e.id: e for e in db.session.execute(select(Enquiry).where(Enquiry.id.in_(taken))).scalars()}
    notify_many([(users[chosen[i].user_id], "assigned", enquiries[i]) for i in taken])
    return login


def _assign(enquiry: Enquiry, choice: Choice, kind: str = "assigned") -> str:
    assignee = db.session.get(User, choice.user_id)
    begin_writes()
    now = utcnow()
    values = dict(status=EnquiryStatus.ASSIGNED, assignee_id=choice.user_id, group_id=choice.group_id,
                  assigned_at=enquiry.assigned_at or now,  # the first assignment counts
                  unrouted_at=None, unrouted_reason=None)
    result = db.session.execute(
        update(Enquiry).where(Enquiry.id == enquiry.id, Enquiry.status == enquiry.status).values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # another worker assigned it first; nothing was written here
        return "lost-race"
    changed("enquiry", [enquiry.id])
    for name, value in values.items():  # the object now says what the row says, without a reload
        set_committed_value(enquiry, name, value)
    set_committed_value(enquiry, "assignee", assignee)
    db.session.execute(update(User).where(User.id == choice.user_id).values(last_assigned_at=now))
    db.session.add(EnquiryEvent(enquiry_id=enquiry.id, actor_id=None, kind=kind,
                                detail={"to": assignee.login}, created_at=now))
    notify(assignee, "assigned", enquiry)
    return f"{kind}:{assignee.login}"


def _mark_unrouted(enquiry: Enquiry) -> str:
    """Nobody can take it: the supervisors' unrouted list, visibly, and a notification."""
    has_rule = db.session.execute(
        select(RoutingRule.id).where(RoutingRule.topic_id == enquiry.topic_id)).first()
    begin_writes()
    if enquiry.unrouted_at is not None:
        enquiry.unrouted_at = utcnow()  # tried again, still nobody
        return "still-unrouted"
    reason = "no-coordinator-present" if has_rule else "no-rule"
    enquiry.unrouted_at = utcnow()
    enquiry.unrouted_reason = reason
    db.session.add(EnquiryEvent(enquiry_id=enquiry.id, kind="unrouted", detail={"reason": reason},
                                created_at=enquiry.unrouted_at))
    notify_supervisors("unrouted", enquiry)
    return f"unrouted:{reason}"


def sweep() -> int:
    """Enqueue routing for enquiries left `new` longer than SWEEP_AFTER_SECONDS (and unrouted ones
    every few minutes); returns how many were looked at."""
    now = utcnow()
    cutoff = now - timedelta(seconds=current_app.config["SWEEP_AFTER_SECONDS"])
    ids = db.session.execute(
        select(Enquiry.id).where(
            Enquiry.status == EnquiryStatus.NEW,
            Enquiry.returned_at.is_(None),
            or_(and_(Enquiry.unrouted_at.is_(None), Enquiry.created_at <= cutoff),
                Enquiry.unrouted_at <= now - UNROUTED_RETRY),
        ).order_by(Enquiry.created_at).limit(5000)
    ).scalars().all()
    for enquiry_id in ids:
        enqueue_unless_waiting(ROUTE_JOB, enquiry_id, job_id=route_job_id(enquiry_id))
    return len(ids)


SWEEP_JOB = "hotline.jobs.sweep_new_enquiries"


def schedule_periodic_sweep(now: datetime | None = None) -> None:
    """Schedule the next sweep on RQ's scheduler. Its id names the time slot, so every worker
    asking for the same slot gets the same single job."""
    interval = max(1, int(current_app.config["SWEEP_INTERVAL_SECONDS"]))
    moment = (now or utcnow()).timestamp()
    slot = int(moment // interval) + 1
    at = datetime.fromtimestamp(slot * interval, tz=(now or utcnow()).tzinfo)
    enqueue_unless_waiting(SWEEP_JOB, job_id=f"sweep-{slot}", at=at, result_ttl=0, failure_ttl=3600)


def release_for_rerouting(user_id: int, reason: str = "absent") -> list[int]:
    """Take the open enquiries of a coordinator who is away and route them again."""
    now = utcnow()
    ids = db.session.execute(
        select(Enquiry.id).where(Enquiry.assignee_id == user_id, Enquiry.status.in_(OPEN_ASSIGNED))
    ).scalars().all()
    if not ids:
        return []
    login = db.session.execute(select(User.login).where(User.id == user_id)).scalar()
    db.session.execute(
        update(Enquiry).where(Enquiry.id.in_(ids), Enquiry.status.in_(OPEN_ASSIGNED))
        .values(status=EnquiryStatus.NEW, assignee_id=None)
        .execution_options(synchronize_session=False)
    )
    changed("enquiry", ids)
    for enquiry_id in ids:
        db.session.add(EnquiryEvent(enquiry_id=enquiry_id, kind="released", created_at=now,
                                    detail={"from": login, "reason": reason}))
        enqueue_after_commit(ROUTE_JOB, enquiry_id, job_id=route_job_id(enquiry_id))
    db.session.expire_all()
    return ids


def absence_recorded(absence: Absence, actor: User | None = None) -> None:
    """Call after saving an absence: if it covers today, the person's open enquiries are routed
    to others now; if it starts later, a job does that on its first day (Perm time)."""
    today = to_local(utcnow()).date()
    audit.record(actor, "absence", absence, starts_on=absence.starts_on.isoformat(),
                 ends_on=absence.ends_on.isoformat())
    if absence.starts_on <= today <= absence.ends_on:
        release_for_rerouting(absence.user_id)
    elif absence.starts_on > today:
        start = datetime.combine(absence.starts_on, datetime.min.time(), tzinfo=local_zone())
        enqueue_after_commit("hotline.jobs.release_absent", absence.id,
                             job_id=f"absence-start-{absence.id}", at=start)


def group_topics(user_id: int) -> list[int]:
    """The topics of the groups a coordinator belongs to."""
    return list(db.session.execute(
        select(CoordinatorGroup.topic_id).join(GroupMember, GroupMember.group_id == CoordinatorGroup.id)
        .where(GroupMember.user_id == user_id, CoordinatorGroup.topic_id.is_not(None)).distinct()
    ).scalars())
