"""FAQ figures that help curation (SPEC 7), beside the FAQ block's top entries and entries never
used: routed calls that a published entry answered well — per entry and per topic, from what the
worker recorded for every routed call (`Call.faq_match_id`) — and the entries whose answers
residents marked not helpful (the feedback on enquiries answered from them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select

from ...extensions import db
from ...models import Call, CallOutcome, FaqEntry, Feedback, FeedbackVerdict, FaqUse
from ..period import Filters
from .raw import call_conditions
from .shape import FAQ_TOP, _key


def curation_figures(start: datetime, end: datetime, filters: Filters, names: dict) -> dict:
    routed = db.session.execute(
        select(Call.faq_match_id, Call.topic_id, func.count())
        .where(*call_conditions(start, end, filters), Call.outcome == CallOutcome.ROUTED,
               Call.faq_match_id.is_not(None))
        .group_by(Call.faq_match_id, Call.topic_id)).all()
    by_entry: dict[int, int] = {}
    by_topic: dict[str, int] = {}
    for entry_id, topic_id, n in routed:
        by_entry[entry_id] = by_entry.get(entry_id, 0) + n
        code = _key(names["topic"], topic_id)
        by_topic[code] = by_topic.get(code, 0) + n

    not_helpful = func.sum(case((Feedback.verdict == FeedbackVerdict.NOT_HELPFUL, 1), else_=0))
    verdicts = select(FaqUse.entry_id, not_helpful, func.count()) \
        .join(FaqUse, FaqUse.enquiry_id == Feedback.enquiry_id) \
        .where(Feedback.created_at >= start, Feedback.created_at < end)
    if filters.topic_id is not None:
        verdicts = verdicts.where(Feedback.topic_id == filters.topic_id)
    if filters.coordinator_id is not None:
        verdicts = verdicts.where(Feedback.coordinator_id == filters.coordinator_id)
    unhelpful = [(entry_id, int(bad or 0), n) for entry_id, bad, n in
                 db.session.execute(verdicts.group_by(FaqUse.entry_id)).all() if bad]
    unhelpful.sort(key=lambda row: (-row[1], row[0]))

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
