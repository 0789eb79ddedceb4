"""The whole loop in a browser (issue 11): an operator routes a call with the caller's e-mail, the
coordinator answers, the admin's outbox shows the letter the resident receives, and the feedback
link in it works."""
from __future__ import annotations

import re

from sqlalchemy import select

from hotline.models import Delivery, DeliveryStatus, Enquiry, Feedback, FeedbackVerdict, OutgoingMail

from .. import factories
from ..jobs import run_jobs


def test_operator_routes_coordinator_answers_outbox_shows_feedback_works(app, live_server, page, browser_login, db,
                                                                         reference):
    app.config["MAIL_SERVER"] = None  # the demo: letters kept in the outbox
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    coordinator = factories.make_coordinator(topics=("youth",))
    db.session.commit()

    browser_login(page, "operator")
    page.goto(f"{live_server}/calls/new")
    page.fill("#phone", "8 (342) 212-44-86")
    page.fill("#caller_name", "Анна Соколова")
    page.fill("#caller_email", "anna@example.ru")
    page.select_option("#topic", "youth")
    page.fill("#question", "Как попасть в молодёжный обмен с Дуйсбургом?")
    page.check("input[name=outcome][value=routed]")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    reference_number = re.search(r"ЗЛ-\d{4}-\d{6}", page.locator(".flash-success").inner_text()).group(0)
    run_jobs(app, with_scheduler=False)  # routed to the coordinator
    enquiry = db.session.execute(select(Enquiry).where(Enquiry.reference == reference_number)).scalar_one()
    assert enquiry.assignee_id == coordinator.id and enquiry.reply_channel.value == "email"
    db.session.commit()  # SQLite: the test's read holds the write lock until it ends (tests/conftest.py)

    page = _fresh(page)
    page.goto(f"{live_server}/login")
    page.fill("input[name=login]", coordinator.login)
    page.fill("input[name=password]", factories.PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    page.goto(f"{live_server}/enquiries/{enquiry.id}")
    assert "Ответ будет отправлен на e-mail anna@example.ru" in page.locator("#answer-route").inner_text()
    page.fill("#answer-text", "Заявки на обмен с Дуйсбургом принимаются до 1 марта.")
    with page.expect_navigation():
        page.click("form.answer-form button[type=submit]")
    run_jobs(app, with_scheduler=False)  # the delivery job: kept in the outbox
    db.session.commit()
    page.reload()
    assert "отправлен" in page.locator(".delivery-box").inner_text()

    page = _fresh(page)
    browser_login(page, "admin")
    page.click("nav >> text=Исходящая почта") if page.locator("nav >> text=Исходящая почта").count() else \
        page.goto(f"{live_server}/mail/outbox")
    page.click(f"a:has-text('{reference_number}')")
    letter = page.locator("pre.mail-text").inner_text()
    assert "Заявки на обмен с Дуйсбургом принимаются до 1 марта." in letter and "anna@example.ru" in page.content()
    page.screenshot(path=str(_artifacts() / "outbox-letter.png"), full_page=True)
    helpful = re.findall(r"http://\S+/feedback/\S+", letter)[0]

    page = _fresh(page)
    page.goto(live_server + helpful[helpful.index("/feedback/"):])
    assert "Помог ли ответ?" in page.locator("h1").inner_text()
    page.fill("#comment", "Спасибо, всё ясно.")
    page.click("button:has-text('Отправить')")
    assert "Спасибо!" in page.locator("h1").inner_text()
    page.screenshot(path=str(_artifacts() / "feedback-thanks.png"), full_page=True)
    db.session.expire_all()
    feedback = db.session.execute(select(Feedback)).scalar_one()
    assert feedback.verdict is FeedbackVerdict.HELPFUL and feedback.comment == "Спасибо, всё ясно."
    assert db.session.execute(select(Delivery)).scalar_one().status is DeliveryStatus.SENT
    assert db.session.execute(select(OutgoingMail)).scalar_one().to_address == "anna@example.ru"
    assert errors == []


def _fresh(page):
    """Another person at another browser: a new context (no cookies shared)."""
    context = page.context.browser.new_context(locale="ru-RU")
    fresh = context.new_page()
    fresh.set_default_timeout(10_000)
    return fresh


def _artifacts():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
