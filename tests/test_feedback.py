"""Feedback links (SPEC 3, 5.7): signed, single use, 30 days; not helpful with a comment reopens
the enquiry to the same coordinator."""
from __future__ import annotations

import re

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from hotline.feedback.tokens import SALT, make_token
from hotline.models import Delivery, Enquiry, EnquiryStatus, Feedback, FeedbackVerdict

from .delivery_helpers import answered
from .factories import count
from .jobs import run_jobs
from .mailservers import smtp, smtp_server  # noqa: F401


def _delivery(db) -> Delivery:
    return db.session.execute(select(Delivery)).scalar_one()


def test_the_links_in_the_mail_open_the_page_and_count_once(app, db, reference, smtp, client):
    answered(app)
    run_jobs(app, with_scheduler=False)
    text = smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    helpful, not_helpful = re.findall(r"http://127\.0\.0\.1:5000(/feedback/\S+)", text)
    page = client.get(helpful, headers={"Accept-Language": "ru"})
    assert page.status_code == 200 and "Помог ли ответ?" in page.get_data(as_text=True)
    assert 'value="helpful" checked' in page.get_data(as_text=True)
    assert client.post(helpful, data={"verdict": "helpful"}).status_code == 200
    feedback = db.session.execute(select(Feedback)).scalar_one()
    assert feedback.verdict is FeedbackVerdict.HELPFUL and feedback.coordinator_id == _delivery(db).answered_by_id
    # Reused, or the other link of the same answer: once per answer.
    again = client.post(not_helpful, data={"verdict": "not-helpful", "comment": "нет"}, headers={"Accept-Language": "ru"})
    assert again.status_code == 409 and "уже получен" in again.get_data(as_text=True)
    assert client.get(helpful).status_code == 409
    assert count(db, Feedback) == 1


def test_not_helpful_with_a_comment_reopens_to_the_same_coordinator(app, db, reference, client):
    enquiry = answered(app, email=None)
    coordinator_id = enquiry.assignee_id
    token = make_token(_delivery(db).id, FeedbackVerdict.NOT_HELPFUL)
    response = client.post(f"/feedback/{token}", data={"verdict": "not-helpful", "comment": "А сроки для школьников?"},
                           headers={"Accept-Language": "ru"})
    assert response.status_code == 200 and "вернётся к вашему вопросу" in response.get_data(as_text=True)
    enquiry = db.session.get(Enquiry, enquiry.id)
    assert enquiry.status is EnquiryStatus.REOPENED
    run_jobs(app, with_scheduler=False)
    enquiry = db.session.get(Enquiry, enquiry.id)
    assert enquiry.status is EnquiryStatus.ASSIGNED and enquiry.assignee_id == coordinator_id
    reopened = [e for e in enquiry.events if e.kind == "reopened"][-1]
    assert reopened.detail["reason"] == "А сроки для школьников?"
    assert enquiry.events[-1].kind == "reassigned-after-reopen"


def test_not_helpful_without_a_comment_only_counts(app, db, reference, client):
    enquiry = answered(app, email=None)
    token = make_token(_delivery(db).id, FeedbackVerdict.NOT_HELPFUL)
    assert client.post(f"/feedback/{token}", data={"verdict": "not-helpful"}).status_code == 200
    assert db.session.get(Enquiry, enquiry.id).status is EnquiryStatus.ANSWERED


def test_a_forged_or_altered_link_is_refused(app, db, reference, client):
    answered(app, email=None)
    delivery_id = _delivery(db).id
    forged = URLSafeTimedSerializer("not-our-secret", salt=SALT).dumps({"d": delivery_id, "v": "helpful"})
    assert client.get(f"/feedback/{forged}").status_code == 404
    assert client.post(f"/feedback/{forged}", data={"verdict": "helpful"}).status_code == 404
    token = make_token(delivery_id, FeedbackVerdict.HELPFUL)
    assert client.get(f"/feedback/{token[:-2]}xx").status_code == 404
    other_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="other").dumps({"d": delivery_id, "v": "helpful"})
    assert client.get(f"/feedback/{other_salt}").status_code == 404
    assert count(db, Feedback) == 0


def test_a_link_expires_after_thirty_days(app, db, reference, client, monkeypatch):
    import time as real_time

    answered(app, email=None)
    token = make_token(_delivery(db).id, FeedbackVerdict.HELPFUL)
    later = real_time.time() + 31 * 86400
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    response = client.get(f"/feedback/{token}", headers={"Accept-Language": "ru"})
    assert response.status_code == 410 and "истёк" in response.get_data(as_text=True)
    assert client.post(f"/feedback/{token}", data={"verdict": "helpful"}).status_code == 410


def test_a_too_long_comment_is_refused_and_kept(app, db, reference, client):
    answered(app, email=None)
    token = make_token(_delivery(db).id, FeedbackVerdict.NOT_HELPFUL)
    response = client.post(f"/feedback/{token}", data={"verdict": "not-helpful", "comment": "я" * 2001})
    assert response.status_code == 422 and "я" * 100 in response.get_data(as_text=True)
    assert count(db, Feedback) == 0
