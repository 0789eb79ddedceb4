"""FAQ suggestions for the call desk. A plain stem match for now; the FAQ issue makes it
Russian-aware (lemmas, typos, ranking) behind the same `suggest` signature."""
from __future__ import annotations

import re

from sqlalchemy import or_, select

from ..extensions import db
from ..models import FaqEntry, FaqStatus
from .indexing import fold

_WORD = re.compile(r"\w{3,}", re.UNICODE)


def _stem(word: str) -> str:
    return word[:-2] if len(word) > 6 else word[:-1] if len(word) > 4 else word


def suggest(query: str, topic_id: int | None = None, language: str | None = None,
            limit: int = 5) -> list[FaqEntry]:
    stems = [_stem(w) for w in _WORD.findall(fold(query))][:8]
    if not stems:
        return []
    stmt = select(FaqEntry).where(FaqEntry.status == FaqStatus.PUBLISHED)
    stmt = stmt.where(or_(*[FaqEntry.search_question.contains(s) | FaqEntry.search_answer.contains(s)
                            for s in stems]))
    if language:
        stmt = stmt.where(FaqEntry.language == language)
    entries = db.session.execute(stmt.limit(200)).scalars().all()

    def score(entry: FaqEntry) -> float:
        points = sum(2.0 for s in stems if s in entry.search_question)
        points += sum(1.0 for s in stems if s in entry.search_answer)
        return points + (1.5 if topic_id and entry.topic_id == topic_id else 0)

    return sorted(entries, key=score, reverse=True)[:limit]
