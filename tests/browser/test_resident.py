"""A resident on a phone asks a question, a coordinator answers it on the desk, and the resident
reads the answer on the status page; then a supervisor erases the resident's data on request."""
from __future__ import annotations

from sqlalchemy import select

from hotline.enquiries import workflow
from hotline.enquiries.routing import route_enquiry
from hotline.models import Caller, Enquiry

from .. import factories


def test_a_resident_asks_reads_the_answer_and_has_the_data_erased(live_server, page, browser_login, db, reference):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server}/public/ask")
    page.click("button:has-text('Отправить вопрос')")  # nothing filled in: every error at its field
    assert page.locator("#consent-error").is_visible() and page.locator("#question-error").is_visible()
    page.fill("#name", "Мария Петрова")
    page.fill("#phone", "8 342 200-11-22")
    page.select_option("#topic", "youth")
    page.select_option("#city", "oxford")
    page.fill("#question", "Как попасть на летнюю школу в Оксфорде?")
    page.check("input[name=consent]")
    page.click("button:has-text('Отправить вопрос')")
    reference_number = page.locator(".public-reference").inner_text()
    assert reference_number.startswith("ЗЛ-")

    coordinator = factories.make_coordinator(topics=("youth",))
    enquiry = db.session.execute(select(Enquiry).where(Enquiry.reference == reference_number)).scalar_one()
    route_enquiry(enquiry.id)
    workflow.answer_enquiry(coordinator, enquiry, "Набор на летнюю школу открыт до 1 марта.")
    db.session.commit()

    page.click("a:has-text('Узнать статус')")
    page.fill("#reference", reference_number.lower())
    page.fill("#contact", "+7 342 2001122")
    page.click("button:has-text('Показать')")
    assert "Набор на летнюю школу открыт до 1 марта." in page.locator("article").inner_text()

    page.set_viewport_size({"width": 1366, "height": 768})
    browser_login(page, "supervisor")
    page.goto(f"{live_server}/privacy/?q=Петрова")
    page.click("a:has-text('Мария Петрова')")
    page.fill("#erase-reason", "заявление от 28.11.2026 № 7")
    page.check("input[name=confirm]")
    page.click("button:has-text('Удалить данные заявителя')")
    assert "Данные заявителя удалены" in page.locator(".flash").inner_text()
    db.session.expire_all()
    caller = db.session.get(Caller, enquiry.caller_id)
    assert caller.phone is None and caller.anonymised_at is not None
    assert errors == []
