"""Demo data for delivery (called by one line from hotline/seed/demo.py): the demo's answered
enquiries reached their residents by e-mail (letters kept in the outbox, as without MAIL_SERVER)
or by call-back, some call-backs still waiting, and some feedback. Idempotent."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from ..callbacks.service import open_callback
from ..extensions import db
from ..mail.letters import answer_letter
from ..models import (
    CallbackAttempt,
    CallbackKind,
    CallbackResult,
    CallbackStatus,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Enquiry,
    EnquiryStatus,
    Feedback,
    FeedbackVerdict,
    MailStatus,
    ReplyChannel,
    User,
)

COMMENTS = ["Спасибо, всё понятно!", "Не хватает сроков подачи документов.", "Хотелось бы контакты организаторов."]


def seed_delivery_demo() -> int:
    if db.session.execute(select(func.count(Delivery.id))).scalar_one():
        return 0
    rng = random.Random(11)
    operator = db.session.execute(select(User).where(User.login == "operator")).scalar_one_or_none()
    enquiries = db.session.execute(
        select(Enquiry).where(Enquiry.status.in_((EnquiryStatus.ANSWERED, EnquiryStatus.CLOSED)),
                              Enquiry.caller_id.is_not(None)).order_by(Enquiry.answered_at)).scalars().all()
    made = 0
    for n, enquiry in enumerate(enquiries):
        caller = enquiry.caller
        answered_at = enquiry.answered_at
        if rng.random() < 0.6:
            if not caller.email:
                caller.email = f"resident{caller.id}@example.ru"
            enquiry.reply_channel = ReplyChannel.EMAIL
            delivery = Delivery(enquiry_id=enquiry.id, channel=ReplyChannel.EMAIL, status=DeliveryStatus.SENT,
                                answered_by_id=enquiry.assignee_id, answered_at=answered_at,
                                delivered_at=answered_at + timedelta(seconds=rng.randint(2, 40)))
            db.session.add(delivery)
            db.session.flush()
            mail = answer_letter(enquiry, delivery)
            mail.status, mail.attempts, mail.sent_at, mail.created_at = (MailStatus.KEPT, 1, delivery.delivered_at,
                                                                        answered_at)
            db.session.add(DeliveryAttempt(delivery_id=delivery.id, at=delivery.delivered_at, result="kept",
                                           detail=mail.message_id))
        elif caller.phone:
            enquiry.reply_channel = ReplyChannel.PHONE
            delivery = Delivery(enquiry_id=enquiry.id, channel=ReplyChannel.PHONE, status=DeliveryStatus.PENDING,
                                answered_by_id=enquiry.assignee_id, answered_at=answered_at)
            db.session.add(delivery)
            db.session.flush()
            task = open_callback(CallbackKind.ANSWER, caller.phone, caller_id=caller.id, enquiry_id=enquiry.id,
                                 delivery_id=delivery.id)
            task.created_at = answered_at
            recent = n >= len(enquiries) - 4  # the newest ones still wait in the operators' list
            if not recent:
                results = rng.choice([[CallbackResult.REACHED], [CallbackResult.NO_ANSWER, CallbackResult.REACHED],
                                      [CallbackResult.NO_ANSWER] * 3])
                for i, result in enumerate(results):
                    db.session.add(CallbackAttempt(task_id=task.id, operator_id=operator.id if operator else None,
                                                   result=result, at=answered_at + timedelta(hours=2 * (i + 1))))
                task.attempts_count = len(results)
                task.closed_at = answered_at + timedelta(hours=2 * len(results))
                if results[-1] is CallbackResult.REACHED:
                    task.status, delivery.status = CallbackStatus.DONE, DeliveryStatus.CALLED_BACK
                    delivery.delivered_at = task.closed_at
                else:
                    task.status, delivery.status = CallbackStatus.UNREACHABLE, DeliveryStatus.UNREACHABLE
        else:
            continue
        if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.CALLED_BACK) and rng.random() < 0.5:
            helpful = rng.random() < 0.75
            db.session.add(Feedback(delivery_id=delivery.id, enquiry_id=enquiry.id,
                                    verdict=FeedbackVerdict.HELPFUL if helpful else FeedbackVerdict.NOT_HELPFUL,
                                    comment=None if helpful else rng.choice(COMMENTS[1:]),
                                    coordinator_id=enquiry.assignee_id, topic_id=enquiry.topic_id,
                                    created_at=(delivery.delivered_at or answered_at) + timedelta(hours=3)))
        made += 1
    db.session.flush()
    return made
