"""The screen pop in a real browser (issue 12): an operator's New call page is open; the phone
system posts an answer naming their extension; within 1.5 s the page shows the number, the
caller card and a running handle-time clock, and the logged call carries the telephony call."""
from __future__ import annotations

import time

import httpx
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.models import Call, Caller, TelephonyCall, TokenKind

from .. import factories


def test_answer_event_fills_the_open_new_call_page_within_a_second_and_a_half(app, db, live_server, page,
                                                                               browser_login, reference):
    from hotline.auth.tokens import issue

    _token, secret = issue(TokenKind.CTI, name="Asterisk")
    db.session.add(Caller(name="Анна Соколова", phone="+73422124486"))
    operator = browser_login(page, "operator")
    operator.extension = "301"
    db.session.commit()
    page.goto(f"{live_server}/calls/new")
    assert page.locator("#handle-clock").inner_text() == "0:00"
    page.wait_for_timeout(1500)
    assert page.locator("#handle-clock").inner_text() == "0:00"  # an open page is not a call
    events = {"direction": "in", "from": "+73422124486", "to": "2124486", "callId": "pop-1"}
    assert httpx.post(f"{live_server}/cti/{secret}", data={**events, "event": "newCall"}).status_code == 200
    posted = time.monotonic()
    assert httpx.post(f"{live_server}/cti/{secret}",
                      data={**events, "event": "answer", "answeringNumber": "301"}).status_code == 200
    expect(page.locator("#phone")).to_have_value("+73422124486", timeout=1500)
    popped = time.monotonic() - posted
    assert popped <= 1.5, popped
    page.locator("#caller-card").get_by_text("Анна Соколова").wait_for(timeout=2000)
    assert page.locator("#screen-pop").is_visible()
    assert page.input_value("input[name=cti_call_id]") == "pop-1"
    expect(page.locator("#handle-clock")).not_to_have_text("0:00", timeout=3000)
    page.select_option("#topic", "youth")
    page.fill("#question", "Когда начнётся обмен?")
    page.check("input[name=outcome][value=info]")
    with page.expect_navigation():
        page.click("#save-call")
    db.session.expire_all()
    call = db.session.execute(select(Call)).scalar_one()
    telephony = db.session.execute(select(TelephonyCall)).scalar_one()
    assert telephony.logged_call_id == call.id and call.started_at == telephony.answered_at
