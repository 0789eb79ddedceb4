"""FAQ search that understands Russian: the query goes through the same analysis as the entries
(lemmas, English stems, ё folded), a word that finds nothing is corrected by one edit, the
last word being typed also matches as a prefix, and entries are ranked by the summed rarity
(idf) of the matched lemmas — three times more in the question or a wording than in the answer —
times the share of the query's words matched, half again when the entry is in the operator's topic. The same SQL runs on SQLite and PostgreSQL."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import case, func, select

from ..extensions import db
from ..models import FaqEntry, FaqStatus, FaqTerm, FaqTermKey
from .indexing import QUESTION_WEIGHT
from .text import (CYRILLIC, WORD, deletions, fold, is_dictionary_word, one_edit_known_words, within_one_edit,
                   word_terms)

MAX_QUERY_WORDS = 12
CANDIDATES = 40
COMMON_SHARE = 0.08
TYPO_MIN_LENGTH = 5
PREFIX_MIN_LENGTH = 3
PREFIX_CANDIDATES = 12
TOPIC_BOOST = 1.5
FUZZY_FACTOR = 0.8
PREFIX_FACTOR = 0.7
ANSWER_ONLY_CREDIT = 0.5
# A hit is "strong" when its matched words carry this share of the query's weight.
STRONG_RELEVANCE = 0.6


@dataclass
class QueryWord:
    word: str
    terms: dict[str, float] = field(default_factory=dict)  # term → factor (1 exact, less when guessed)
    idf: dict[str, float] = field(default_factory=dict)
    df: dict[str, int] = field(default_factory=dict)


@dataclass
class SearchHit:
    entry: FaqEntry
    score: float
    relevance: float  # 0..1: the share of the query's weight this entry matches
    matched: frozenset[str]
    matched_words: int
    query_words: int

    @property
    def strong(self) -> bool:
        return self.relevance >= STRONG_RELEVANCE and self.matched_words >= min(2, self.query_words)

    def highlight_question(self) -> Markup:
        return highlight(self.entry.question, self.matched)

    def highlight_answer(self, width: int = 220) -> Markup:
        return highlight(snippet(self.entry.answer, self.matched, width), self.matched)


def highlight(text: str, terms: frozenset[str] | set[str]) -> Markup:
    """`text` escaped, with the words whose lemmas are in `terms` wrapped in <mark>."""
    parts: list[str] = []
    last = 0
    for match in WORD.finditer(text or ""):
        if terms and set(word_terms(fold(match.group()))) & terms:
            parts.append(str(escape(text[last:match.start()])))
            parts.append(f"<mark>{escape(match.group())}</mark>")
            last = match.end()
    parts.append(str(escape((text or "")[last:])))
    return Markup("".join(parts))


def snippet(text: str, terms: frozenset[str] | set[str], width: int = 220) -> str:
    """About `width` characters of `text` around its first matched word."""
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= width:
        return text
    start = 0
    for match in WORD.finditer(text):
        if set(word_terms(fold(match.group()))) & terms:
            start = max(0, match.start() - width // 4)
            break
    start = text.rfind(" ", 0, start) + 1 if start else 0
    piece = text[start:start + width]
    cut = piece.rfind(" ")
    piece = piece[:cut] if cut > width // 2 and start + width < len(text) else piece
    return ("… " if start else "") + piece + (" …" if start + len(piece) < len(text) else "")


def parse_query(query: str) -> list[QueryWord]:
    """The query's content words (function words dropped) with their terms."""
    seen: set[str] = set()
    result: list[QueryWord] = []
    for match in WORD.finditer(query or ""):
        word = fold(match.group())
        if word in seen:
            continue
        seen.add(word)
        terms = word_terms(word)
        if terms:
            result.append(QueryWord(word, {t: 1.0 for t in terms}))
        if len(result) >= MAX_QUERY_WORDS:
            break
    return result


def _document_frequencies(terms) -> dict[str, int]:
    terms = list(terms)
    if not terms:
        return {}
    rows = db.session.execute(
        select(FaqTerm.term, func.count()).where(FaqTerm.term.in_(terms)).group_by(FaqTerm.term)
    ).all()
    return {term: count for term, count in rows}


def _typo_candidates(word: QueryWord) -> dict[str, float]:
    """Indexed lemmas one edit away from the word or its lemma guesses."""
    if len(word.word) < TYPO_MIN_LENGTH:
        return {}
    direct = {word.word, *word.terms}
    keys = set()
    for target in direct:
        keys.add(target)
        keys.update(deletions(target))
    found = db.session.execute(
        select(FaqTermKey.term).where(FaqTermKey.key.in_(sorted(keys))).distinct()
    ).scalars().all()
    near = {term: FUZZY_FACTOR for term in found if any(within_one_edit(term, t) for t in direct)}
    # A slip in an inflected form («побратимамы») is not one edit from the lemma; a dictionary word
    # one edit from what was typed names the lexeme meant.
    if not near and CYRILLIC.search(word.word) and len(word.word) <= 24 and not is_dictionary_word(word.word):
        corrected = {t for known in one_edit_known_words(word.word) for t in word_terms(known)}
        if corrected:
            found = db.session.execute(
                select(FaqTermKey.term).where(FaqTermKey.key.in_(sorted(corrected)),
                                              FaqTermKey.key == FaqTermKey.term)
            ).scalars().all()
            near = {term: FUZZY_FACTOR for term in found}
    return near


def _prefix_candidates(word: QueryWord) -> dict[str, float]:
    prefix = word.word
    if len(prefix) < PREFIX_MIN_LENGTH or prefix.isdigit():
        return {}
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    found = db.session.execute(
        select(FaqTermKey.term).where(FaqTermKey.key >= prefix, FaqTermKey.key < upper,
                                      FaqTermKey.key == FaqTermKey.term)
        .limit(PREFIX_CANDIDATES)
    ).scalars().all()
    return {term: PREFIX_FACTOR for term in found if term.startswith(prefix)}


def _resolve(words: list[QueryWord], entry_count: int, corrections: bool = True) -> None:
    """Keep the terms the index knows, correcting or completing words that find nothing (unless
    `corrections` is off)."""
    df = _document_frequencies({t for w in words for t in w.terms})
    last = words[-1] if words else None
    for word in words:
        known = {t: f for t, f in word.terms.items() if df.get(t)}
        if not known and corrections:
            guesses = _typo_candidates(word)
            if word is last:
                for term, factor in _prefix_candidates(word).items():
                    guesses.setdefault(term, factor)
            if guesses:
                df.update(_document_frequencies(t for t in guesses if t not in df))
                known = {t: f for t, f in guesses.items() if df.get(t)}
        word.terms = known
        word.idf = {t: math.log(1 + entry_count / df[t]) for t in known}
        word.df = {t: df[t] for t in known}


def search(query: str, *, topic_id: int | None = None, language: str | None = None,
           statuses=(FaqStatus.PUBLISHED,), topic_ids=None, limit: int = 10,
           corrections: bool = True) -> list[SearchHit]:
    """Ranked hits for `query` among entries in `statuses` (and `topic_ids`, when given).
    Without `corrections` a word the index does not know is left out rather than corrected by one
    edit or completed as a prefix: for a whole letter, where those guesses cost more than they find."""
    words = parse_query(query)
    if not words:
        return []
    # The highest id stands in for the number of entries in idf: one index probe instead of a count.
    entry_count = db.session.execute(select(func.max(FaqEntry.id))).scalar() or 1
    _resolve(words, entry_count, corrections)
    weights: dict[str, float] = {}
    for word in words:
        for term, factor in word.terms.items():
            weights[term] = max(weights.get(term, 0.0), word.idf[term] * factor)
    if not weights:
        return []
    # Candidates come from the rarer terms when there are any: a term in most entries adds little
    # to the order but much to the rows read; it still counts in the exact score below.
    frequency = {t: f for w in words for t, f in w.df.items()}
    rare = {t: w for t, w in weights.items() if frequency[t] <= entry_count * COMMON_SHARE}
    picking = rare or weights
    term_weight = case({t: round(w, 4) for t, w in picking.items()}, value=FaqTerm.term, else_=0.0)
    score = func.sum(FaqTerm.weight * term_weight)
    if topic_id:
        score = score * case((func.max(FaqTerm.topic_id) == topic_id, TOPIC_BOOST), else_=1.0)
    # The SQL sum picks the candidates; the exact score (each query word counted once, by its
    # best term) is computed for them below and decides the order.
    stmt = (select(FaqTerm.entry_id, score.label("score"))
            .where(FaqTerm.term.in_(sorted(picking)), FaqTerm.status.in_(list(statuses)))
            .group_by(FaqTerm.entry_id)
            .order_by(score.desc(), FaqTerm.entry_id)
            .limit(max(limit * 3, CANDIDATES)))
    if language:
        stmt = stmt.where(FaqTerm.language == language)
    if topic_ids is not None:
        stmt = stmt.where(FaqTerm.topic_id.in_(list(topic_ids)))
    ranked = db.session.execute(stmt).all()
    if not ranked:
        return []
    ids = [entry_id for entry_id, _score in ranked]
    rows = db.session.execute(
        select(FaqTerm.entry_id, FaqTerm.term, FaqTerm.weight, FaqTerm.topic_id)
        .where(FaqTerm.entry_id.in_(ids), FaqTerm.term.in_(sorted(weights)))
    ).all()
    matched: dict[int, dict[str, int]] = {}
    topics: dict[int, int | None] = {}
    for entry_id, term, weight, entry_topic in rows:
        matched.setdefault(entry_id, {})[term] = weight
        topics[entry_id] = entry_topic
    # What a perfect match would earn: each word's best term, found in the question.
    full = sum(max(w.idf.values()) if w.idf else math.log(1 + entry_count) for w in words) or 1.0
    scored = []
    for entry_id in ids:
        terms = matched.get(entry_id, {})
        entry_score, credit, words_matched = 0.0, 0.0, 0
        for word in words:
            best_score = best_credit = 0.0
            for term, factor in word.terms.items():
                if term in terms:
                    weight = word.idf[term] * factor
                    best_score = max(best_score, weight * terms[term])
                    place = 1.0 if terms[term] >= QUESTION_WEIGHT else ANSWER_ONLY_CREDIT
                    best_credit = max(best_credit, weight * place)
            entry_score += best_score
            credit += best_credit
            words_matched += best_score > 0
        # Coordination: an entry that matches more of the query's words comes first.
        entry_score *= words_matched / len(words)
        if topic_id and topics.get(entry_id) == topic_id:
            entry_score *= TOPIC_BOOST
        scored.append((entry_score, entry_id, credit, words_matched, frozenset(terms)))
    scored.sort(key=lambda item: (-item[0], item[1]))
    scored = scored[:limit]
    entries = {e.id: e for e in db.session.execute(
        select(FaqEntry).where(FaqEntry.id.in_([item[1] for item in scored]))
    ).scalars()}
    return [SearchHit(entries[entry_id], round(entry_score, 3), round(min(credit / full, 1.0), 3), terms,
                      words_matched, len(words))
            for entry_score, entry_id, credit, words_matched, terms in scored]


def suggest(query: str, topic_id: int | None = None, language: str | None = None,
            limit: int = 5) -> list[FaqEntry]:
    """Published entries for the call desk and the enquiry page, best first."""
    return [hit.entry for hit in search(query, topic_id=topic_id, language=language, limit=limit)]
