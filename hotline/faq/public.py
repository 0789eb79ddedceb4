"""The public FAQ (SPEC 12; issue 14): published entries only — never a draft or a retired one —
by topic, sister city and language, searchable with the staff's morphology, and the residents'
votes on whether an entry answered their question, counted into the FAQ statistics."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from ..errors import NotFound
from ..extensions import db
from ..i18n import LANGUAGES
from ..models import FaqEntry, FaqStatus, FaqVote, SisterCity, Topic, utcnow
from .search import search

LIMIT = 200
SEARCH_LIMIT = 30


def published(topic_code: str | None = None, city_code: str | None = None, language: str | None = None,
              query: str | None = None) -> list:
    """Entries a resident may read, best first for a query (as search hits), else by topic."""
    topic_ids = None
    if topic_code:
        topic_ids = list(db.session.execute(select(Topic.id).where(Topic.code == topic_code)).scalars())
    city_id = db.session.execute(select(SisterCity.id).where(SisterCity.code == city_code)).scalar() \
        if city_code else None
    if city_code and city_id is None:
        return []
    if query:
        hits = search(query, language=language, statuses=(FaqStatus.PUBLISHED,), topic_ids=topic_ids,
                      limit=SEARCH_LIMIT)
        return [h for h in hits if city_id is None or h.entry.city_id in (None, city_id)]
    stmt = (select(FaqEntry).options(selectinload(FaqEntry.topic), selectinload(FaqEntry.city))
            .where(FaqEntry.status == FaqStatus.PUBLISHED))
    if topic_ids is not None:
        stmt = stmt.where(FaqEntry.topic_id.in_(topic_ids))
    if city_id is not None:
        stmt = stmt.where((FaqEntry.city_id == city_id) | FaqEntry.city_id.is_(None))
    if language:
        stmt = stmt.where(FaqEntry.language == language)
    return list(db.session.execute(stmt.order_by(FaqEntry.topic_id, FaqEntry.use_count.desc(), FaqEntry.id)
                                   .limit(LIMIT)).scalars())


def published_entry(entry_id: int) -> FaqEntry:
    entry = db.session.get(FaqEntry, entry_id)
    if entry is None or entry.status is not FaqStatus.PUBLISHED:
        raise NotFound("no such entry")  # a draft or a retired entry is not confirmed to exist
    return entry


def record_vote(entry: FaqEntry, helpful: bool, language: str = "ru") -> FaqVote:
    vote = FaqVote(entry_id=published_entry(entry.id).id, helpful=bool(helpful),
                   language=language if language in LANGUAGES else "ru")
    db.session.add(vote)
    db.session.flush()
    return vote


def vote_figures(days: int = 30, now: datetime | None = None) -> dict:
    """Self-service over the last `days` days: votes yes and no in all, and per entry (most yes first)."""
    since = (now or utcnow()) - timedelta(days=days)
    yes = func.sum(case((FaqVote.helpful.is_(True), 1), else_=0))
    no = func.sum(case((FaqVote.helpful.is_(False), 1), else_=0))
    rows = db.session.execute(
        select(FaqEntry, yes.label("yes"), no.label("no")).join(FaqVote, FaqVote.entry_id == FaqEntry.id)
        .where(FaqVote.created_at >= since).group_by(FaqEntry.id).order_by(yes.desc(), FaqEntry.id).limit(30)).all()
    total_yes, total_no = db.session.execute(select(yes, no).where(FaqVote.created_at >= since)).one()
    return {"helpful": int(total_yes or 0), "not_helpful": int(total_no or 0),
            "entries": [(r[0], int(r.yes or 0), int(r.no or 0)) for r in rows]}
