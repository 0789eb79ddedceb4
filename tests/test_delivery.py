"""The answer reaches the resident by e-mail (SPEC 5.7): after the commit, through the outbox,
SMTP retried with backoff, one duplicate at most when a worker dies after SMTP accepted."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from config import ProductionConfig
from hotline import create_app
from hotline.mail.outbox import sweep_outbox
from hotline.models import (
    CallbackKind,
    CallbackStatus,
    CallbackTask,
    Delivery,
    DeliveryStatus,
    Enquiry,
    MailStatus,
    OutgoingMail,
    ReplyChannel,
    utcnow,
)

from .delivery_helpers import answered, routed_enquiry
from .factories import call_payload, count
from .jobs import run_jobs
from .mailservers import smtp, smtp_server  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


def _mail(db, enquiry) -> OutgoingMail:
    return db.session.execute(select(OutgoingMail).where(OutgoingMail.enquiry_id == enquiry.id)).scalar_one()


def _delivery(db, enquiry) -> Delivery:
    return db.session.execute(select(Delivery).where(Delivery.enquiry_id == enquiry.id)).scalar_one()


def test_the_answer_is_mailed_after_the_commit_in_russian_with_feedback_links(app, db, reference, smtp):
    app.config["PUBLIC_URL"] = "https://zl.perm.example"
    enquiry = answered(app)
    assert smtp.messages == []  # nothing is sent before the job runs (after the commit)
    run_jobs(app, with_scheduler=False)
    [message] = smtp.messages
    assert message["To"] == "anna@example.ru"
    assert enquiry.reference in message["Subject"] and "ответ" in message["Subject"]
    assert message["Auto-Submitted"] is None  # a person wrote the answer
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Заявки на обмен принимаются до 1 марта." in text and "Заявки на обмен" in html
    assert "Анна Соколова" in text and "Департамент международных" in text  # the department's signature
    assert text.count("https://zl.perm.example/feedback/") == 2 and html.count("https://zl.perm.example/feedback/") == 2
    mail, delivery = _mail(db, enquiry), _delivery(db, enquiry)
    assert mail.message_id == message["Message-ID"] and mail.status is MailStatus.SENT
    assert delivery.status is DeliveryStatus.SENT and delivery.delivered_at is not None
    assert [a.result for a in delivery.attempts] == ["accepted"]
    kinds = [e.kind for e in db.session.get(Enquiry, enquiry.id).events]
    assert kinds[-2:] == ["delivery-queued", "delivery-sent"]


def test_a_resident_writing_in_another_language_gets_english(app, db, reference, smtp):
    answered(app, language="en", text="Applications close on 1 March.")
    run_jobs(app, with_scheduler=False)
    [message] = smtp.messages
    assert "the answer to your question" in message["Subject"]
    assert "Did this answer your question?" in message.get_body(preferencelist=("plain",)).get_content()


def test_api_shows_reply_channel_and_delivery(app, db, reference, smtp, api):
    enquiry = answered(app)
    run_jobs(app, with_scheduler=False)
    body = api("supervisor").get(f"/api/v1/enquiries/{enquiry.id}").get_json()
    assert body["reply_channel"] == "email"
    assert body["delivery"]["status"] == "sent" and body["delivery"]["channel"] == "email"
    assert body["delivery"]["at"] and body["delivery"]["attempts"][0]["result"] == "accepted"
    assert {"delivery-queued", "delivery-sent"} <= {t["kind"] for t in body["trail"]}


@pytest.mark.parametrize("email,phone,expected", [
    ("anna@example.ru", "8 342 212-44-86", ReplyChannel.EMAIL),
    (None, "8 342 212-44-86", ReplyChannel.PHONE),
])
def test_reply_channel_defaults_from_the_contacts(app, db, reference, email, phone, expected):
    assert routed_enquiry(app, email=email, phone=phone).reply_channel is expected


def test_api_reply_channel_is_checked(app, db, reference, api):
    operator = api("operator")
    response = operator.post("/api/v1/calls", json=call_payload(reply_channel="email"))
    assert response.status_code == 422
    assert "reply_channel" in response.get_json()["error"]["fields"]
    assert operator.post("/api/v1/calls", json=call_payload(reply_channel="pigeon")).status_code == 422
    response = operator.post("/api/v1/calls", json=call_payload(reply_channel="none"))
    assert response.status_code == 201
    assert db.session.get(Enquiry, response.get_json()["enquiry"]["id"]).reply_channel is ReplyChannel.NONE


def test_smtp_down_then_back_is_retried_and_sent_once(app, db, reference, smtp_server):
    app.config["SWEEP_AFTER_SECONDS"] = 0
    enquiry = answered(app)
    run_jobs(app, with_scheduler=False)  # the server is down: connection refused
    mail = _mail(db, enquiry)
    assert mail.status is MailStatus.PENDING and mail.attempts == 1 and mail.last_error
    assert timedelta(seconds=50) < mail.next_attempt_at - utcnow() <= timedelta(minutes=1)
    assert _delivery(db, enquiry).status is DeliveryStatus.PENDING
    assert sweep_outbox() == 0  # not due yet: the backoff holds
    smtp_server.start()
    db.session.execute(update(OutgoingMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    assert sweep_outbox() == 1
    run_jobs(app, with_scheduler=False)
    assert sweep_outbox() == 0
    run_jobs(app, with_scheduler=False)
    assert len(smtp_server.messages) == 1
    mail = _mail(db, enquiry)
    assert mail.status is MailStatus.SENT and mail.attempts == 2
    assert [a.result for a in _delivery(db, enquiry).attempts] == ["smtp-error", "accepted"]


def _fail_five_times(app, db, enquiry):
    for _ in range(5):
        db.session.execute(update(OutgoingMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        from hotline.mail.outbox import send_mail

        send_mail(_mail(db, enquiry).id)


def test_five_failures_become_a_call_back_when_there_is_a_number(app, db, reference, smtp_server):
    enquiry = answered(app)
    _fail_five_times(app, db, enquiry)
    mail = _mail(db, enquiry)
    assert mail.status is MailStatus.FAILED and mail.attempts == 5
    task = db.session.execute(select(CallbackTask)).scalar_one()
    assert task.kind is CallbackKind.ANSWER and task.status is CallbackStatus.OPEN
    assert task.enquiry_id == enquiry.id and task.phone == "+73422124486" and "smtp" in task.reason
    delivery = _delivery(db, enquiry)
    assert delivery.channel is ReplyChannel.PHONE and delivery.status is DeliveryStatus.PENDING
    assert len(delivery.attempts) == 5


def test_five_failures_without_a_number_are_failed_for_supervisors(app, db, reference, smtp_server, client,
                                                                   login_as):
    enquiry = answered(app, phone=None)
    _fail_five_times(app, db, enquiry)
    assert _delivery(db, enquiry).status is DeliveryStatus.FAILED
    assert count(db, CallbackTask) == 0
    login_as("supervisor")
    page = client.get("/callbacks/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert enquiry.reference in page and "Не доставленные ответы" in page


def test_an_emptied_redis_loses_no_answer(app, db, reference, smtp):
    from hotline.queue import get_redis

    app.config["SWEEP_AFTER_SECONDS"] = 0
    enquiry = answered(app)
    get_redis().flushdb()  # the job is gone; the row is not
    assert sweep_outbox() == 1
    run_jobs(app, with_scheduler=False)
    assert len(smtp.messages) == 1 and _mail(db, enquiry).status is MailStatus.SENT


KILL_AFTER_ACCEPT = textwrap.dedent("""
    import os, signal, sys
    from hotline import create_app
    import hotline.mail.outbox as outbox
    real = outbox.smtp_send
    def send_then_die(raw, to):
        real(raw, to)               # the SMTP server has accepted the mail ...
        os.kill(os.getpid(), signal.SIGKILL)   # ... and the worker dies before its commit
    outbox.smtp_send = send_then_die
    app = create_app("testing")
    with app.app_context():
        outbox.send_mail(int(sys.argv[1]))
""")


def test_a_worker_killed_after_smtp_accepted_sends_one_duplicate_at_most(app, db, reference, smtp, database_url,
                                                                         redis_url):
    enquiry = answered(app)
    mail_id = _mail(db, enquiry).id
    db.session.commit()
    env = {**os.environ, "HOTLINE_CONFIG": "testing", "TEST_DATABASE_URL": database_url,
           "TEST_REDIS_URL": redis_url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port),
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    process = subprocess.run([sys.executable, "-c", KILL_AFTER_ACCEPT, str(mail_id)], cwd=ROOT, env=env, timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert len(smtp.messages) == 1
    mail = db.session.get(OutgoingMail, mail_id)
    db.session.refresh(mail)
    assert mail.status is MailStatus.PENDING and mail.claimed_at is not None  # the commit never came
    app.config.update(STALE_JOB_SECONDS=0, SWEEP_AFTER_SECONDS=0)
    for _ in range(3):  # however often the sweep and the job run now
        sweep_outbox()
        run_jobs(app, with_scheduler=False)
    messages = smtp.messages
    assert len(messages) == 2, "one duplicate, never more"
    assert messages[0]["Message-ID"] == messages[1]["Message-ID"] == mail.message_id
    assert db.session.get(OutgoingMail, mail_id).status is MailStatus.SENT


def test_without_a_mail_server_the_letter_is_kept_for_admins_to_read(app, db, reference, client, login_as):
    app.config["MAIL_SERVER"] = None
    enquiry = answered(app)
    run_jobs(app, with_scheduler=False)
    mail = _mail(db, enquiry)
    assert mail.status is MailStatus.KEPT and _delivery(db, enquiry).status is DeliveryStatus.SENT
    login_as("admin")
    page = client.get("/mail/outbox", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert enquiry.reference in page and "anna@example.ru" in page and "хранятся здесь" in page
    page = client.get(f"/mail/outbox/{mail.id}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Заявки на обмен принимаются до 1 марта." in page and "/feedback/" in page


def test_only_admins_read_the_outbox(app, db, reference, client, login_as):
    login_as("supervisor")
    assert client.get("/mail/outbox").status_code == 403


def test_production_refuses_to_start_without_a_mail_server_unless_disabled_on_purpose():
    class Prod(ProductionConfig):
        SECRET_KEY = "x" * 32
        SQLALCHEMY_DATABASE_URI = "postgresql://u@127.0.0.1/hotline"
        MAIL_SERVER = None
        MAIL_DISABLED = False

    with pytest.raises(RuntimeError, match="MAIL_SERVER"):
        create_app(Prod)

    class Disabled(Prod):
        MAIL_DISABLED = True

    assert create_app(Disabled).config["MAIL_DISABLED"] is True
