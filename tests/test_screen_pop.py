"""The screen pop and a handle time that is true (SPEC 5.9, issue 12): the answer event reaches the
operator's page through the live channel, the form is filled, the logged call takes its times
from the answer and hang-up; without a phone system the clock waits for the first keystroke."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from hotline.models import Call, TelephonyCall, TokenKind

from .factories import call_payload

T0 = datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _clock():
    """Each test signs in a minute before T0, so its session is not from the future of its events."""
    with time_machine.travel(T0 - timedelta(minutes=1), tick=True):
        yield


def _cti(db):
    from hotline.auth.tokens import issue

    _token, secret = issue(TokenKind.CTI, name="PBX")
    db.session.commit()
    return secret


def _event(client, secret, event, call_id, at, **fields):
    with time_machine.travel(at, tick=False):
        data = {"event": event, "callId": call_id, "direction": "in", "from": "+73422124486", "to": "2124486", **fields}
        assert client.post(f"/cti/{secret}", data=data).status_code == 200


def test_answer_pops_on_the_operators_page_and_the_logged_call_takes_the_talk_time(db, client, login_as, reference):
    secret = _cti(db)
    operator = login_as("operator")
    operator.extension = "201"
    db.session.commit()
    baseline = client.get("/live").get_json()
    assert baseline["changes"] == {}
    _event(client, secret, "newCall", "p1", T0)
    _event(client, secret, "answer", "p1", T0 + timedelta(seconds=8), answeringNumber="201")
    live = client.get(f"/live?since={baseline['seq']}").get_json()
    pop = live["changes"]["call"]
    assert pop["cti_call_id"] == "p1" and pop["phone"] == "+73422124486" and pop["ended_at"] is None
    assert client.get(f"/live?since={live['seq']}").get_json()["changes"] == {}  # said once
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        page = client.get("/calls/new").get_data(as_text=True)
    assert 'value="p1"' in page and 'value="+73422124486"' in page and "2026-12-01T07:00:08" in page
    with time_machine.travel(T0 + timedelta(seconds=100), tick=False):
        saved = client.post("/calls/new", data={
            "phone": "+73422124486", "caller_name": "Анна", "caller_language": "ru", "channel": "phone",
            "topic": "youth", "city": "", "question": "Когда обмен?", "outcome": "info", "cti_call_id": "p1",
            "started_at": "2026-12-01T07:00:09+00:00"})
    assert saved.status_code == 302, [l for l in saved.get_data(as_text=True).splitlines() if "error" in l][:8]
    call = db.session.execute(select(Call)).scalar_one()
    assert call.started_at == T0 + timedelta(seconds=8) and call.ended_at is None  # still on the line
    _event(client, secret, "hangup", "p1", T0 + timedelta(seconds=188), cause="normalClearing")
    db.session.refresh(call)
    assert call.handle_seconds == 180
    telephony = db.session.execute(select(TelephonyCall)).scalar_one()
    assert telephony.logged_call_id == call.id
    with time_machine.travel(T0 + timedelta(seconds=200), tick=False):
        ended = client.get(f"/live?since={live['seq']}").get_json()["changes"]["call"]
        assert ended["ended_at"] is not None
        page = client.get("/calls/new").get_data(as_text=True)
    assert 'value="p1"' not in page  # logged and hung up: no pop on the next form


def test_a_pop_goes_to_the_operator_who_answered_only(db, client, login_as):
    from hotline import live

    secret = _cti(db)
    login_as("operator", login="listener")
    seq = client.get("/live").get_json()["seq"]
    _event(client, secret, "answer", "p2", T0, answeringNumber="someone-else")
    changes = client.get(f"/live?since={seq}").get_json()["changes"]
    assert "call" not in changes
    assert live.current_seq() > seq  # the wallboard heard of it


def test_without_a_phone_system_the_clock_waits_for_the_first_keystroke(db, client, login_as, reference):
    login_as("operator")
    page = client.get("/calls/new").get_data(as_text=True)
    assert 'data-started=""' in page and 'id="start-call"' in page
    assert 'name="started_at" type="hidden" value=""' in page


def test_api_call_with_cti_call_id_takes_the_phone_systems_times(db, client, api, reference):
    secret = _cti(db)
    operator = api("operator")
    _event(client, secret, "newCall", "p3", T0)
    _event(client, secret, "answer", "p3", T0 + timedelta(seconds=5), answeringNumber=operator.user.login)
    _event(client, secret, "hangup", "p3", T0 + timedelta(seconds=65), cause="normalClearing")
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        response = operator.post("/api/v1/calls", json=call_payload(cti_call_id="p3", started_at="2026-12-01T06:00:00Z"))
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["started_at"].startswith("2026-12-01T07:00:05")
        unknown = operator.post("/api/v1/calls", json=call_payload(cti_call_id="nope"))
    assert unknown.status_code == 422 and "cti_call_id" in unknown.get_json()["error"]["fields"]
    call = db.session.execute(select(Call)).scalar_one()
    assert call.handle_seconds == 60
