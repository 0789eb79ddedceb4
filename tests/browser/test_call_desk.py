"""The call desk and the inbox in a real browser: an operator logs a routed call with the keyboard
alone; a coordinator sees it appear in the inbox without reloading and answers it."""
from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select

from hotline.models import Enquiry, EnquiryStatus
from rq.timeouts import TimerDeathPenalty

from hotline.workers import make_worker

from .. import factories


@pytest.fixture
def rq_worker(app, db):
    """An RQ worker in a thread, working the queue every few tenths of a second."""
    db.session.commit()
    stop = threading.Event()

    def loop():
        worker = make_worker(app)
        # Signals belong to the main thread: no handlers, and job timeouts by timer, not SIGALRM.
        worker._install_signal_handlers = lambda: None
        worker.death_penalty_class = TimerDeathPenalty
        while not stop.is_set():
            worker.work(burst=True, with_scheduler=False)
            stop.wait(0.3)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)


def focus_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def tab_to(page, element_id: str, limit: int = 20) -> None:
    for _ in range(limit):
        if focus_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def log_routed_call_by_keyboard(page, live_server, question: str) -> str:
    page.goto(f"{live_server}/calls/new")
    assert focus_id(page) == "phone"  # focused on open
    page.keyboard.type("8 (342) 212-44-86")
    page.keyboard.press("Tab")
    page.keyboard.type("Анна Соколова")
    tab_to(page, "topic")
    page.keyboard.type("you")  # type-to-filter by name or code (Playwright types no Cyrillic keys)
    assert page.locator("#topic").input_value() == "youth"
    tab_to(page, "question")
    page.keyboard.type(question)
    page.keyboard.press("Alt+2")  # «Передать координатору»
    assert page.locator("input[name=outcome][value=routed]").is_checked()
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    flash = page.locator(".flash-success").inner_text()
    match = re.search(r"ЗЛ-\d{4}-\d{6}", flash)
    assert match, flash
    assert focus_id(page) == "phone"  # the form is fresh for the next call
    return match.group(0)


def test_operator_logs_a_routed_call_with_the_keyboard(live_server, page, browser_login, db, reference):
    browser_login(page, "operator")
    reference_no = log_routed_call_by_keyboard(page, live_server, "Как попасть в молодёжный обмен с Дуйсбургом?")
    enquiry = db.session.execute(select(Enquiry).where(Enquiry.reference == reference_no)).scalar_one()
    assert enquiry.status is EnquiryStatus.NEW and enquiry.call.caller.phone == "+73422124486"
    assert enquiry.call.handle_seconds > 0


def test_coordinator_sees_the_enquiry_arrive_and_answers(live_server, _browser, browser_login, db, reference,
                                                         rq_worker):
    coordinator = factories.make_coordinator(topics=("youth",))
    db.session.commit()
    coordinator_ctx = _browser.new_context(locale="ru-RU")
    inbox = coordinator_ctx.new_page()
    inbox.set_default_timeout(15_000)
    inbox.goto(f"{live_server}/login")
    inbox.fill("input[name=login]", coordinator.login)
    inbox.fill("input[name=password]", factories.PASSWORD)
    with inbox.expect_navigation():
        inbox.press("input[name=password]", "Enter")
    assert "/enquiries/" in inbox.url
    assert inbox.locator("#inbox-rows").inner_text().strip().startswith("Открытых обращений нет")

    operator_ctx = _browser.new_context(locale="ru-RU")
    desk = operator_ctx.new_page()
    desk.set_default_timeout(15_000)
    browser_login(desk, "operator")
    reference_no = log_routed_call_by_keyboard(desk, live_server, "Когда набор в Crossroutes?")

    # No reload: the inbox polls and the row appears by itself.
    row = inbox.locator("#inbox-rows tr", has_text=reference_no)
    row.wait_for(state="visible", timeout=20_000)
    row.locator("a").click()
    inbox.wait_for_load_state()
    inbox.fill("#answer-text", "Набор в Crossroutes открывается весной; следите за сайтом города.")
    with inbox.expect_navigation():
        inbox.click("form.answer-form button[type=submit]")
    assert "Ответ сохранён" in inbox.locator(".flash-success").inner_text()
    db.session.expire_all()
    enquiry = db.session.execute(select(Enquiry).where(Enquiry.reference == reference_no)).scalar_one()
    assert enquiry.status is EnquiryStatus.ANSWERED and enquiry.assignee_id == coordinator.id
    coordinator_ctx.close()
    operator_ctx.close()
