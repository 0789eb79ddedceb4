"""Verbs of feedback: read a link, record the verdict once per answer, and reopen the enquiry to
the same coordinator when the answer did not help and the resident said why."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..enquiries.service import mark_reopened
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import Delivery, Enquiry, EnquiryEvent, EnquiryStatus, Feedback, FeedbackVerdict, utcnow
from .tokens import FeedbackLink, LinkExpired, LinkInvalid, read_token

COMMENT_MAX = 2000


class FeedbackGone(Conflict):
    """This answer has its feedback already."""


def open_link(token: str) -> tuple[FeedbackLink, Delivery, Feedback | None]:
    """The link's delivery and any feedback given; NotFound for a forged one, LinkExpired after 30 days."""
    try:
        link = read_token(token)
    except LinkInvalid:
        raise NotFound(_l("This feedback link is not valid."))
    delivery = db.session.get(Delivery, link.delivery_id)
    if delivery is None:
        raise NotFound(_l("This feedback link is not valid."))
    given = db.session.execute(select(Feedback).where(Feedback.delivery_id == delivery.id)).scalar_one_or_none()
    return link, delivery, given


def give_feedback(token: str, verdict, comment) -> Feedback:
    link, delivery, given = open_link(token)
    if given is not None:
        raise FeedbackGone(_l("Thank you: the feedback on this answer has already been given."))
    try:
        verdict = FeedbackVerdict(verdict or link.verdict.value)
    except ValueError:
        raise ValidationFailed(_l("Choose whether the answer helped."), {"verdict": str(_l("Choose whether the answer helped."))})
    comment = (comment or "").strip() if isinstance(comment, str) else ""
    if len(comment) > COMMENT_MAX:
        error = _l("Too long: at most %(max)d characters.", max=COMMENT_MAX)
        raise ValidationFailed(error, {"comment": str(error)})
    enquiry = db.session.get(Enquiry, delivery.enquiry_id)
    now = utcnow()
    feedback = Feedback(delivery_id=delivery.id, enquiry_id=enquiry.id, verdict=verdict, comment=comment or None,
                        coordinator_id=delivery.answered_by_id, topic_id=enquiry.topic_id, created_at=now)
    try:
        with db.session.begin_nested():  # the unique delivery_id: two clicks at once record one
            db.session.add(feedback)
    except IntegrityError:
        raise FeedbackGone(_l("Thank you: the feedback on this answer has already been given."))
    db.session.add(EnquiryEvent(enquiry_id=enquiry.id, kind="feedback", created_at=now,
                                detail={"verdict": verdict.value, "reason": comment} if comment
                                else {"verdict": verdict.value}))
    audit.record_row(None, "feedback", Enquiry.__tablename__, enquiry.id, verdict=verdict.value)
    if verdict is FeedbackVerdict.NOT_HELPFUL and comment and enquiry.status in (
            EnquiryStatus.ANSWERED, EnquiryStatus.CLOSED) and enquiry.assignee_id is not None:
        # Back to the coordinator who answered (routing keeps a reopened enquiry's assignee).
        mark_reopened(enquiry, now)
        db.session.add(EnquiryEvent(enquiry_id=enquiry.id, kind="reopened", created_at=now,
                                    detail={"reason": comment, "via": "feedback"}))
    return feedback
