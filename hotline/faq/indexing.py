"""The searchable text kept on each FAQ entry (question with its wordings, and answer), folded
so that SQLite and PostgreSQL match alike (SQLite's lower() knows no Cyrillic)."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import FaqEntry


def fold(text: str) -> str:
    return (text or "").lower().replace("ё", "е")


def index_entry(entry: FaqEntry) -> None:
    entry.search_question = fold(" ".join([entry.question, *(w.text for w in entry.wordings)]))
    entry.search_answer = fold(entry.answer)


def reindex_all() -> int:
    entries = db.session.execute(select(FaqEntry)).scalars().all()
    for entry in entries:
        index_entry(entry)
    db.session.flush()
    return len(entries)
