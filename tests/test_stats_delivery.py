"""The `delivery` and `feedback` blocks of GET /stats and their dashboard tiles (SPEC 7, 8.2)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from hotline.callbacks.service import record_attempt
from hotline.feedback.service import give_feedback
from hotline.feedback.tokens import make_token
from hotline.models import CallbackTask, Delivery, FeedbackVerdict
from hotline.stats.period import today_local

from .delivery_helpers import answered
from .factories import make_coordinator, make_user
from .jobs import run_jobs


def _period() -> dict:
    today = today_local()
    return {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}


def test_delivery_and_feedback_figures(app, db, reference, api, client, login_as):
    app.config["MAIL_SERVER"] = None  # kept in the outbox: `sent` for the figures
    anna = make_coordinator(login="anna")
    emailed = answered(app, coordinator=anna)
    run_jobs(app, with_scheduler=False)
    delivery = db.session.execute(select(Delivery).where(Delivery.enquiry_id == emailed.id)).scalar_one()
    db.session.execute(update(Delivery).where(Delivery.id == delivery.id).values(
        delivered_at=delivery.answered_at + timedelta(minutes=4)))
    phoned = answered(app, email=None, coordinator=anna)
    unreached = answered(app, email=None, coordinator=anna)
    answered(app, email=None, phone=None, coordinator=anna)  # reply channel none: left out
    operator = make_user("operator")
    tasks = {t.enquiry_id: t for t in db.session.execute(select(CallbackTask)).scalars()}
    record_attempt(operator, tasks[phoned.id], "no-answer")
    record_attempt(operator, tasks[phoned.id], "reached")
    record_attempt(operator, tasks[unreached.id], "wrong-number")
    phoned_delivery = db.session.execute(select(Delivery).where(Delivery.enquiry_id == phoned.id)).scalar_one()
    db.session.execute(update(Delivery).where(Delivery.id == phoned_delivery.id).values(
        delivered_at=phoned_delivery.answered_at + timedelta(minutes=30)))
    give_feedback(make_token(delivery.id, FeedbackVerdict.HELPFUL), "helpful", "")
    give_feedback(make_token(phoned_delivery.id, FeedbackVerdict.NOT_HELPFUL), "not-helpful", "")
    db.session.commit()

    body = api("supervisor").get("/api/v1/stats", query_string=_period()).get_json()
    assert body["delivery"] == {"answers": 3, "delivered": 2, "delivered_share": round(2 / 3, 4),
                                "median_minutes": 4.0, "callback_attempts": 3, "unreachable": 1, "failed": 0,
                                "pending": 0}
    feedback = body["feedback"]
    assert feedback["responses"] == 2 and feedback["helpful_share"] == 0.5
    assert feedback["by_coordinator"] == [{"login": "anna", "responses": 2, "helpful": 1, "helpful_share": 0.5}]
    assert feedback["by_topic"]["youth"]["responses"] == 2
    # A filter narrows them: nobody else answered anything.
    other = make_coordinator(login="boris", topics=("culture",))
    db.session.commit()
    narrowed = api("supervisor").get("/api/v1/stats", query_string={**_period(), "coordinator": other.login}).get_json()
    assert narrowed["delivery"]["answers"] == 0 and narrowed["delivery"]["delivered_share"] is None
    assert narrowed["feedback"]["responses"] == 0

    login_as("supervisor")
    page = client.get("/stats/", query_string={"period": "custom", **_period()},
                      headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "ответов доставлено" in page and 'data-kpi="delivered_share">66,7' in page
    assert 'data-kpi="unreachable">1<' in page and 'data-kpi="helpful_share">50' in page
