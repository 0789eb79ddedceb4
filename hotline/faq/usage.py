"""Which answers carry the load: uses per entry over the last 30 days and the 30 before (the trend),
entries never used, and recent routed calls that a published entry answered well (candidates
to improve the entry or the operators' habits)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select, update

from ..extensions import db
from ..models import Call, CallOutcome, FaqEntry, FaqStatus, FaqUse, utcnow
from .search import SearchHit, search

WINDOW_DAYS = 30
ROUTED_SCAN = 150
ROUTED_SHOWN = 20


@dataclass
class UsageFigures:
    recent: int = 0  # uses in the last 30 days
    previous: int = 0  # uses in the 30 days before

    @property
    def trend(self) -> str:
        """up, down or flat, comparing the two windows (a change under 20 % is flat)."""
        if self.recent == self.previous or abs(self.recent - self.previous) < max(1, 0.2 * self.previous):
            return "flat"
        return "up" if self.recent > self.previous else "down"


def usage_figures(entry_ids, now: datetime | None = None) -> dict[int, UsageFigures]:
    ids = list(entry_ids)
    if not ids:
        return {}
    now = now or utcnow()
    recent_from = now - timedelta(days=WINDOW_DAYS)
    previous_from = now - timedelta(days=2 * WINDOW_DAYS)
    rows = db.session.execute(
        select(FaqUse.entry_id,
               func.sum(case((FaqUse.used_at >= recent_from, 1), else_=0)),
               func.sum(case((FaqUse.used_at < recent_from, 1), else_=0)))
        .where(FaqUse.entry_id.in_(ids), FaqUse.used_at >= previous_from, FaqUse.used_at <= now)
        .group_by(FaqUse.entry_id)
    ).all()
    figures = {entry_id: UsageFigures() for entry_id in ids}
    for entry_id, recent, previous in rows:
        figures[entry_id] = UsageFigures(int(recent or 0), int(previous or 0))
    return figures


def top_entries(limit: int = 10, now: datetime | None = None) -> list[tuple[FaqEntry, int]]:
    since = (now or utcnow()) - timedelta(days=WINDOW_DAYS)
    uses = func.count(FaqUse.id).label("uses")
    rows = db.session.execute(
        select(FaqEntry, uses).join(FaqUse, FaqUse.entry_id == FaqEntry.id)
        .where(FaqUse.used_at >= since).group_by(FaqEntry.id).order_by(uses.desc(), FaqEntry.id).limit(limit)
    ).all()
    return [(entry, count) for entry, count in rows]


def never_used(limit: int = 50) -> list[FaqEntry]:
    """Published entries nobody has used yet, oldest first."""
    return list(db.session.execute(
        select(FaqEntry).outerjoin(FaqUse, FaqUse.entry_id == FaqEntry.id)
        .where(FaqEntry.status == FaqStatus.PUBLISHED, FaqUse.id.is_(None))
        .order_by(FaqEntry.created_at, FaqEntry.id).limit(limit)
    ).scalars())


@dataclass
class RoutedCandidate:
    call: Call
    hit: SearchHit


def routed_despite_match(now: datetime | None = None, scan: int = ROUTED_SCAN,
                         shown: int = ROUTED_SHOWN) -> list[RoutedCandidate]:
    """The latest routed calls (last 30 days, at most `scan`) whose question a published entry
    matched strongly, best match first."""
    since = (now or utcnow()) - timedelta(days=WINDOW_DAYS)
    calls = db.session.execute(
        select(Call).where(and_(Call.outcome == CallOutcome.ROUTED, Call.started_at >= since))
        .order_by(Call.started_at.desc()).limit(scan)
    ).scalars().all()
    found = []
    for call in calls:
        hits = search(call.question, topic_id=call.topic_id, limit=1)
        if hits and hits[0].strong:
            found.append(RoutedCandidate(call, hits[0]))
    found.sort(key=lambda c: c.hit.relevance, reverse=True)
    return found[:shown]


MATCH_BATCH = 500
MATCH_WINDOW = timedelta(days=2)  # a call not looked at for this long (a worker down for days) stays unmatched


def record_routed_matches(now: datetime | None = None, batch: int = MATCH_BATCH) -> int:
    """For the routed calls not looked at yet: whether a published entry answered the question well
    (the strongest hit of the search operators see), recorded on the call — counted for every
    routed call, not sampled. Runs in the worker every minute, so intake does not wait for the
    search; a conditional update makes two workers record each call once. Returns how many."""
    now = now or utcnow()
    calls = db.session.execute(
        select(Call.id, Call.question, Call.topic_id).where(
            Call.outcome == CallOutcome.ROUTED, Call.faq_checked_at.is_(None), Call.started_at >= now - MATCH_WINDOW)
        .order_by(Call.id).limit(batch)).all()
    for call_id, question, topic_id in calls:
        hits = search(question, topic_id=topic_id, limit=1)
        match = hits[0].entry.id if hits and hits[0].strong else None
        db.session.execute(update(Call).where(Call.id == call_id, Call.faq_checked_at.is_(None))
                           .values(faq_match_id=match, faq_checked_at=now)
                           .execution_options(synchronize_session=False))
    return len(calls)
