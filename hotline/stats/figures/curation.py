"""FAQ figures that help curation (SPEC 7), beside the FAQ block's top entries and entries never
used: routed calls that a published entry answered well — per entry and per topic, from what the
worker recorded for every routed call (`Call.faq_match_id`, counted by the refresh) — and the
entries whose answers residents marked not helpful (the feedback on enquiries answered from them)."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import case, func, select

from ...extensions import db
from ...models import FaqDay, FaqEntry, Feedback, FeedbackVerdict, FaqUse
from ..period import Filters
from .read import FAQ_TOP, Reader, key


def curation_figures(reader: Reader, start: datetime, end: datetime, filters: Filters, known: dict) -> dict:
    by_entry: dict[int, int] = defaultdict(int)
    by_topic: dict[str, int] = defaultdict(int)
    for entry_id, topic_id, n in reader.sums(FaqDay, ("entry_id", "topic_id"), ["n"],
                                             where=[FaqDay.kind == "routed_match"]):
        by_entry[entry_id] += n
        by_topic[key(known["topic"], topic_id)] += n

    not_helpful = func.sum(case((Feedback.verdict == FeedbackVerdict.NOT_HELPFUL, 1), else_=0))
    verdicts = select(FaqUse.entry_id, not_helpful, func.count()) \
        .join(FaqUse, FaqUse.enquiry_id == Feedback.enquiry_id) \
        .where(Feedback.created_at >= start, Feedback.created_at < end)
    if filters.topic_id is not None:
        verdicts = verdicts.where(Feedback.topic_id == filters.topic_id)
    if filters.coordinator_id is not None:
        verdicts = verdicts.where(Feedback.coordinator_id == filters.coordinator_id)
    unhelpful = sorted(((entry_id, int(bad or 0), n) for entry_id, bad, n in
                        db.session.execute(verdicts.group_by(FaqUse.entry_id)).all() if bad),
                       key=lambda row: (-row[1], row[0]))

    shown = sorted(by_entry.items(), key=lambda kv: (-kv[1], kv[0]))[:FAQ_TOP]
    ids = {entry_id for entry_id, _n in shown} | {entry_id for entry_id, _b, _n in unhelpful[:FAQ_TOP]}
    questions = dict(db.session.execute(
        select(FaqEntry.id, FaqEntry.question).where(FaqEntry.id.in_(ids))).all()) if ids else {}
    return {
        "routed_despite_match": {
            "total": sum(by_entry.values()),
            "by_entry": [{"id": entry_id, "question": questions.get(entry_id, ""), "calls": n} for entry_id, n in shown],
            "by_topic": dict(sorted(by_topic.items(), key=lambda kv: (-kv[1], kv[0]))),
        },
        "unhelpful": [{"id": entry_id, "question": questions.get(entry_id, ""), "not_helpful": bad, "responses": n}
                      for entry_id, bad, n in unhelpful[:FAQ_TOP]],
    }
