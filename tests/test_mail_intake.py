"""E-mail in (SPEC 5.8) against a real Dovecot: messy real mail becomes enquiries, replies join
their thread, auto-replies, bounces, lists and loops start nothing, and a worker killed mid-poll
loses and duplicates nothing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import func, select, update

from hotline.mail.intake import TAKEN, poll
from hotline.mail.parsing import attachments_of
from hotline.models import (
    Call,
    CallChannel,
    CallbackTask,
    Caller,
    Delivery,
    DeliveryStatus,
    Enquiry,
    EnquiryStatus,
    IncomingKind,
    IncomingMail,
    MailKind,
    OutgoingMail,
    ThreadAuthor,
    ThreadMessage,
    utcnow,
)

from .delivery_helpers import answered
from .factories import count, make_coordinator, make_user
from .jobs import run_jobs
from .mailservers import imap, smtp, smtp_server  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "mail"


def fixture(name: str, **values) -> bytes:
    raw = (FIXTURES / name).read_bytes()
    for key, value in values.items():
        raw = raw.replace("{%s}" % key.upper(), value).encode() if isinstance(raw, str) else \
            raw.replace(b"{" + key.upper().encode() + b"}", value.encode())
    return raw


def plain(sender: str, subject: str, body: str, **headers) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "hotline@zl.example", subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def kinds(db) -> dict[str, str]:
    return {m.message_key: m.kind.value for m in db.session.execute(select(IncomingMail)).scalars()}


def acknowledgements(smtp):
    return [m for m in smtp.messages if m["Auto-Submitted"] == "auto-replied"]


def test_messy_real_mail_becomes_enquiries_and_the_rest_starts_nothing(app, db, reference, imap, smtp):
    app.config["MAIL_FROM"] = "hotline@zl.example"
    make_coordinator(topics=("other",))
    imap.append(*(fixture(name) for name in (
        "outlook_windows1251.eml", "yandex_koi8r.eml", "mailru_html_only.eml", "gmail_forwarded.eml",
        "vacation_autoreply.eml", "outlook_out_of_office.eml", "newsletter_list.eml")))
    imap.append(plain("Зелёная линия <hotline@zl.example>", "our own", "loop"),
                plain("MAILER-DAEMON@mx.example", "Warning", "delayed"))
    assert poll() == 9
    assert poll() == 0  # taken in once
    seen = kinds(db)
    assert sorted(seen.values()) == ["auto-reply", "auto-reply", "list", "new", "new", "new", "new", "own", "own"]
    enquiries = db.session.execute(select(Enquiry).order_by(Enquiry.id)).scalars().all()
    assert len(enquiries) == 4
    olga, ivan, maria, petr = enquiries
    assert olga.caller.email == "olga.petrova@example.ru" and olga.caller.name == "Ольга Петрова"
    assert "Молодёжный обмен с Дуйсбургом" in olga.question and "попасть в молодёжный обмен" in olga.question
    assert "бюллетеня 'Побратимы'" in ivan.question and ivan.caller.language == "ru"  # koi8-r read right
    assert "можно ли прийти с детьми?" in maria.question and "alert" not in maria.question  # HTML-only, sanitised
    assert "<" not in maria.question and "color:red" not in maria.question
    assert "архивные документы о побратимских связях с Оксфордом" in petr.question  # a forward keeps its content
    for enquiry in enquiries:
        assert enquiry.call.channel is CallChannel.EMAIL and enquiry.reply_channel.value == "email"
    # The mail's files are kept aside for hotline/attachments.
    stored = db.session.execute(select(IncomingMail).where(IncomingMail.enquiry_id == olga.id)).scalar_one()
    [pdf] = attachments_of(stored.raw)
    assert pdf.filename == "анкета.pdf" and pdf.data.startswith(b"%PDF") and not pdf.inline
    run_jobs(app, with_scheduler=False)
    acks = acknowledgements(smtp)
    assert sorted(m["To"] for m in acks) == sorted(
        ["olga.petrova@example.ru", "ivan.smirnov@yandex.ru", "maria.k@mail.ru", "petr@example.org"])
    ack = next(m for m in acks if m["To"] == "olga.petrova@example.ru")
    assert olga.reference in ack["Subject"] and "зарегистрирован" in ack["Subject"]
    assert ack["In-Reply-To"] == "<000001db4a1c$5a2b3c40$0e81b4c0$@example.ru>"
    with imap.mailbox() as box:
        assert all(TAKEN in m.flags for m in box.fetch(mark_seen=False))


def test_the_topic_is_guessed_through_the_faq(app, db, reference, imap):
    from hotline.faq.service import create_entry

    make_coordinator(topics=("other", "information"))
    create_entry(make_user("supervisor"), {
        "question": "Где получить бюллетень «Побратимы»?", "answer": "В департаменте, кабинет 12.",
        "topic": "information", "language": "ru", "status": "published", "wordings": ["выпуск бюллетеня побратимы"]})
    db.session.commit()
    imap.append(fixture("yandex_koi8r.eml"))
    poll()
    assert db.session.execute(select(Enquiry)).scalar_one().topic.code == "information"


def test_a_mails_files_become_the_enquirys_attachments_and_a_program_is_left_out(app, db, reference, imap):
    from hotline.models import Attachment, AttachmentSource

    from . import attachment_samples as samples

    make_coordinator(topics=("other",))
    db.session.commit()
    message = EmailMessage()
    message["From"], message["To"] = "Ольга Петрова <olga.petrova@example.ru>", "hotline@zl.example"
    message["Subject"] = "Документы для поездки в Оксфорд"
    message.set_content("Добрый день! Прикладываю анкету и скан паспорта.")
    message.add_attachment(samples.PDF, maintype="application", subtype="pdf", filename="анкета.pdf")
    message.add_attachment(samples.png(), maintype="image", subtype="png", filename="паспорт.png")
    message.add_attachment(samples.EXE, maintype="application", subtype="octet-stream", filename="фото.jpg")
    imap.append(message.as_bytes())
    poll()
    enquiry = db.session.execute(select(Enquiry)).scalar_one()
    files = db.session.execute(select(Attachment).where(Attachment.enquiry_id == enquiry.id)
                               .order_by(Attachment.id)).scalars().all()
    assert [(f.name, f.source, f.content_type) for f in files] == [
        ("анкета.pdf", AttachmentSource.EMAIL, "application/pdf"), ("паспорт.png", AttachmentSource.EMAIL, "image/png")]
    assert "прикладываю анкету" in enquiry.question.lower()
    # The program is refused by the one upload verb and the message is still taken in, once.
    assert len(attachments_of(db.session.execute(select(IncomingMail.raw)).scalar_one())) == 3
    assert poll() == 0 and count(db, Attachment) == 2


def test_a_reply_joins_its_thread_and_reopens_the_answer(app, db, reference, imap, smtp):
    enquiry = answered(app, email="anna@example.ru")
    coordinator_id = enquiry.assignee_id
    run_jobs(app, with_scheduler=False)
    [answer] = smtp.messages
    imap.append(fixture("gmail_reply.eml.tmpl", in_reply_to=answer["Message-ID"], n="1",
                        subject=f"{enquiry.reference}: ответ", **{"from": "Анна <anna@example.ru>"}))
    assert poll() == 1
    enquiry = db.session.get(Enquiry, enquiry.id)
    assert enquiry.status is EnquiryStatus.REOPENED
    [message] = db.session.execute(select(ThreadMessage)).scalars().all()
    assert message.author is ThreadAuthor.RESIDENT and message.source == "email"
    assert message.body == "Спасибо! А документы можно прислать по почте?"  # the quoted history cut off
    assert count(db, Enquiry) == 1 and kinds(db)["<CAF=gmail-reply-1@mail.gmail.com>"] == "reply"
    run_jobs(app, with_scheduler=False)
    enquiry = db.session.get(Enquiry, enquiry.id)
    assert enquiry.status is EnquiryStatus.ASSIGNED and enquiry.assignee_id == coordinator_id
    assert acknowledgements(smtp) == []  # a reply is not acknowledged


def test_a_reply_to_an_enquiry_closed_long_ago_starts_a_new_linked_one(app, db, reference, imap, smtp):
    enquiry = answered(app, email="anna@example.ru")
    run_jobs(app, with_scheduler=False)
    [answer] = smtp.messages
    db.session.execute(update(Enquiry).where(Enquiry.id == enquiry.id).values(
        status=EnquiryStatus.CLOSED, closed_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    imap.append(fixture("gmail_reply.eml.tmpl", in_reply_to=answer["Message-ID"], n="2",
                        subject=f"{enquiry.reference}: ответ", **{"from": "anna@example.ru"}))
    poll()
    old = db.session.get(Enquiry, enquiry.id)
    assert old.status is EnquiryStatus.CLOSED
    new = db.session.execute(select(Enquiry).where(Enquiry.id != enquiry.id)).scalar_one()
    assert new.follows_id == old.id and new.caller_id == old.caller_id and new.status is EnquiryStatus.NEW
    assert "документы можно прислать" in new.question
    assert "followed-up" in [e.kind for e in old.events]
    run_jobs(app, with_scheduler=False)
    assert new.reference in acknowledgements(smtp)[0]["Subject"]


def test_a_reference_in_the_subject_joins_only_from_the_residents_address(app, db, reference, imap, smtp):
    enquiry = answered(app, email="anna@example.ru")
    imap.append(plain("anna@example.ru", f"Re: {enquiry.reference.replace('ЗЛ', 'ZL')} ещё вопрос", "А сроки?"),
                plain("stranger@example.com", f"{enquiry.reference}", "Покажите мне чужой ответ"))
    poll()
    assert db.session.get(Enquiry, enquiry.id).status is EnquiryStatus.REOPENED
    assert [m.body for m in db.session.execute(select(ThreadMessage)).scalars()] == ["А сроки?"]
    stranger = db.session.execute(select(Enquiry).where(Enquiry.id != enquiry.id)).scalar_one()
    assert stranger.caller.email == "stranger@example.com" and stranger.follows_id is None


def test_a_bounce_marks_the_delivery_failed_and_calls_back(app, db, reference, imap, smtp):
    enquiry = answered(app, email="anna@example.ru")
    run_jobs(app, with_scheduler=False)
    [answer] = smtp.messages
    imap.append(fixture("postfix_bounce.eml.tmpl", to="anna@example.ru", bounced_id=answer["Message-ID"]))
    poll()
    assert kinds(db)["<20261202060005.AB12C3@mx.zl.example>"] == "bounce"
    delivery = db.session.execute(select(Delivery)).scalar_one()
    assert [a.result for a in delivery.attempts] == ["accepted", "bounced"]
    assert "5.1.1" in delivery.attempts[-1].detail
    task = db.session.execute(select(CallbackTask)).scalar_one()  # the number is there: a call-back
    assert task.enquiry_id == enquiry.id and "bounced" in task.reason
    assert len(smtp.messages) == 1  # a bounce is never answered


def test_a_bounce_without_a_number_fails_the_delivery(app, db, reference, imap, smtp):
    answered(app, email="anna@example.ru", phone=None)
    run_jobs(app, with_scheduler=False)
    imap.append(fixture("postfix_bounce.eml.tmpl", to="anna@example.ru", bounced_id=smtp.messages[0]["Message-ID"]))
    poll()
    assert db.session.execute(select(Delivery)).scalar_one().status is DeliveryStatus.FAILED


def test_two_hotlines_answering_each_other_stop(app, db, reference, imap, smtp):
    """The other desk acknowledges everything, without RFC 3834 headers, as a new mail each time."""
    make_coordinator(topics=("other",))
    imap.append(plain("desk@other-hotline.example", "Вопрос", "Здравствуйте, вопрос."))
    for round_ in range(8):
        poll()
        run_jobs(app, with_scheduler=False)
        for message in smtp.messages[round_:]:
            # Its own numbering in the subject, not ours: each looks like a new question.
            imap.append(plain("desk@other-hotline.example", f"Ваше обращение принято под номером {100 + round_}",
                              "Спасибо, ваше письмо зарегистрировано."))
    assert len(acknowledgements(smtp)) == 3  # MAIL_ACKS_PER_HOUR, then silence: the loop is over
    with imap.mailbox() as box:
        assert [m for m in box.fetch(mark_seen=False) if TAKEN not in m.flags] == []
    assert count(db, Enquiry) == 4


def test_an_answer_mail_coming_back_as_a_reply_to_itself_is_ours(app, db, reference, imap, smtp):
    enquiry = answered(app, email="anna@example.ru")
    run_jobs(app, with_scheduler=False)
    imap.append(smtp.sink.envelopes[0].original_content)  # our own mail delivered back into the box
    poll()
    assert list(kinds(db).values()) == ["own"]
    assert db.session.get(Enquiry, enquiry.id).status is EnquiryStatus.ANSWERED


def test_a_coordinators_interim_reply_is_mailed_in_the_thread_and_is_the_first_response(app, db, reference,
                                                                                      imap, smtp, client):
    from .factories import PASSWORD

    imap.append(fixture("outlook_windows1251.eml"))
    coordinator = make_coordinator(topics=("other", "youth"))
    poll()
    run_jobs(app, with_scheduler=False)  # routed, acknowledged
    enquiry = db.session.execute(select(Enquiry)).scalar_one()
    assert enquiry.assignee_id == coordinator.id and enquiry.first_response_at is None  # an ack does not count
    client.post("/login", data={"login": coordinator.login, "password": PASSWORD})
    response = client.post(f"/enquiries/{enquiry.id}/message", data={"body": "Уточняем в Дуйсбурге, ответим в пятницу."})
    assert response.status_code == 302
    enquiry = db.session.get(Enquiry, enquiry.id)
    assert enquiry.first_response_at is not None and enquiry.status is EnquiryStatus.ASSIGNED
    run_jobs(app, with_scheduler=False)
    interim = [m for m in smtp.messages if "сообщение по вашему вопросу" in m["Subject"]]
    assert len(interim) == 1 and interim[0]["Auto-Submitted"] is None
    assert interim[0]["In-Reply-To"] == "<000001db4a1c$5a2b3c40$0e81b4c0$@example.ru>"
    assert "Уточняем в Дуйсбурге" in interim[0].get_content()
    page = client.get(f"/enquiries/{enquiry.id}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Уточняем в Дуйсбурге" in page and "Переписка с жителем" in page
    # The resident answers the interim message: it joins the thread of the open enquiry.
    imap.append(fixture("gmail_reply.eml.tmpl", in_reply_to=interim[0]["Message-ID"], n="3", subject="x",
                        **{"from": "olga.petrova@example.ru"}))
    poll()
    bodies = [m.body for m in db.session.execute(select(ThreadMessage).order_by(ThreadMessage.id)).scalars()]
    assert bodies == ["Уточняем в Дуйсбурге, ответим в пятницу.", "Спасибо! А документы можно прислать по почте?"]


def test_a_worker_killed_during_a_poll_of_200_messages_loses_and_duplicates_nothing(app, db, reference, imap,
                                                                                   database_url, redis_url):
    make_coordinator(topics=("other",))
    imap.append(*(plain(f"resident{i}@example.ru", f"Вопрос {i}", f"Текст вопроса номер {i}.",
                        Message_ID=f"<q{i}@example.ru>") for i in range(200)))
    db.session.commit()
    env = {**os.environ, "HOTLINE_CONFIG": "testing", "TEST_DATABASE_URL": database_url,
           "TEST_REDIS_URL": redis_url, "MAIL_IMAP_URL": imap.url, "LOG_LEVEL": "WARNING",
           "MAIL_POLL_BATCH": "500", "PYTHONPATH": str(ROOT)}
    script = "from hotline import create_app\nfrom hotline.mail.intake import poll\n" \
             "app = create_app('testing')\nwith app.app_context():\n    poll()\n"

    def stored() -> int:
        n = db.session.execute(select(func.count(IncomingMail.id))).scalar()
        db.session.commit()
        return n

    first = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while stored() < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    before = stored()
    assert 0 < before < 200, "the kill should land in the middle of the poll"
    with imap.mailbox() as box:
        flagged = sum(TAKEN in m.flags for m in box.fetch(mark_seen=False, headers_only=True))
    assert flagged <= before  # marked only after the commit
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120)
    assert stored() == 200
    per_key = db.session.execute(select(IncomingMail.message_key, func.count()).group_by(IncomingMail.message_key)).all()
    assert len(per_key) == 200 and all(n == 1 for _, n in per_key)
    assert count(db, Enquiry) == 200 and count(db, Call) == 200
    assert db.session.execute(select(func.count(func.distinct(Caller.email)))).scalar() == 200
    with imap.mailbox() as box:
        assert all(TAKEN in m.flags for m in box.fetch(mark_seen=False, headers_only=True))


def test_a_batch_is_searchable_as_soon_as_its_poll_commits_and_a_mail_twice_in_the_box_is_taken_once(
        app, db, reference, imap):
    from hotline.models import SearchDocument
    from hotline.search import search

    make_coordinator(topics=("other",))
    supervisor = make_user("supervisor")
    db.session.commit()
    messages = [plain(f"resident{i}@example.ru", f"Обмен с Дуйсбургом {i}", f"Как попасть в обмен? Житель {i}.",
                      Message_ID=f"<batch{i}@example.ru>") for i in range(30)]
    imap.append(messages[0], messages[0], *messages[1:])  # the copy in the same batch as the original
    assert poll() == 30
    assert not db.session.info.get("search_pending")
    with db.engine.connect() as other:  # what the poll committed, seen from another connection
        documents = dict(other.execute(select(SearchDocument.kind, func.count()).group_by(SearchDocument.kind)).all())
    assert documents == {"enquiry": 30, "call": 30, "caller": 30}
    assert search(supervisor, "Дуйсбург", "enquiry").count == 30
    assert count(db, IncomingMail) == 30 and count(db, Enquiry) == 30
    with imap.mailbox() as box:
        assert all(TAKEN in m.flags for m in box.fetch(mark_seen=False, headers_only=True))


def test_a_mail_that_fails_is_stored_as_rejected_and_the_rest_of_its_batch_is_taken_in(app, db, reference, imap,
                                                                                       smtp, monkeypatch):
    from hotline.mail import intake

    from . import attachment_samples as samples

    make_coordinator(topics=("other",))
    db.session.commit()
    hand_over = intake.hand_over_attachments

    def failing(enquiry, parts):
        if any(part.filename == "сломано.pdf" for part in parts):
            raise RuntimeError("the disk is full")
        return hand_over(enquiry, parts)

    monkeypatch.setattr(intake, "hand_over_attachments", failing)
    broken = EmailMessage()
    broken["From"], broken["To"], broken["Subject"] = "broken@example.ru", "hotline@zl.example", "Документы"
    broken["Message-ID"] = "<broken@example.ru>"
    broken.set_content("Прикладываю анкету.")
    broken.add_attachment(samples.PDF, maintype="application", subtype="pdf", filename="сломано.pdf")
    good = [plain(f"resident{i}@example.ru", f"Вопрос {i}", f"Текст вопроса {i}.", Message_ID=f"<good{i}@example.ru>")
            for i in range(5)]
    imap.append(*good[:2], broken.as_bytes(), *good[2:])
    assert poll() == 6
    assert kinds(db)["<broken@example.ru>"] == "rejected"
    assert count(db, Enquiry) == 5 and count(db, Call) == 5 and count(db, OutgoingMail) == 5
    run_jobs(app, with_scheduler=False)
    # The rolled-back first try sent nothing: one acknowledgement for each mail taken in.
    assert sorted(m["To"] for m in acknowledgements(smtp)) == sorted(f"resident{i}@example.ru" for i in range(5))
    assert all(e.status is EnquiryStatus.ASSIGNED for e in db.session.execute(select(Enquiry)).scalars())
    with imap.mailbox() as box:
        assert all(TAKEN in m.flags for m in box.fetch(mark_seen=False, headers_only=True))
