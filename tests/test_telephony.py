"""Telephony (SPEC 8.4): the CTI endpoint, event sequences by hand (normal, missed with each cause,
duplicates, out of order, answer without newCall, transfer, outbound), tokens, extensions,
retention and erasure of telephony records."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from hotline.models import CallbackKind, CallbackStatus, CallbackTask, CtiEvent, TelephonyCall, TokenKind

from .factories import count, make_user

T0 = datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)  # 12:00 in Perm, a Tuesday


@pytest.fixture
def cti(db):
    """A live CTI integration; returns its secret."""
    from hotline.auth.tokens import issue

    _token, secret = issue(TokenKind.CTI, name="Asterisk")
    db.session.commit()
    return secret


@pytest.fixture
def post(client, cti):
    """post(event, call_id, at=…, **fields): one CTI event, form-encoded like Zammad's PBX scripts."""

    def send(event, call_id, at=None, json=False, token=None, **fields):
        data = {"event": event, "callId": call_id, "direction": fields.pop("direction", "in"),
                "from": fields.pop("from_", "+73422124486"), "to": fields.pop("to", "2124486"), **fields}
        with time_machine.travel(at or T0, tick=False):
            if json:
                return client.post(f"/cti/{token or cti}", json=data)
            return client.post(f"/cti/{token or cti}", data=data)

    return send


def one(db, call_id="c1") -> TelephonyCall:
    return db.session.execute(select(TelephonyCall).where(TelephonyCall.call_id == call_id)).scalar_one()


def tasks(db):
    return db.session.execute(select(CallbackTask).order_by(CallbackTask.id)).scalars().all()


def test_normal_inbound_call_is_one_record_with_its_operator(db, post):
    operator = make_user("operator", login="anna")
    operator.extension = "101"
    db.session.commit()
    assert post("newCall", "c1", at=T0, **{"user[]": ["Анна", "Борис"]}).status_code == 200
    response = post("answer", "c1", at=T0 + timedelta(seconds=12), answeringNumber="101")
    assert response.status_code == 200 and response.get_json() == {}
    assert post("hangup", "c1", at=T0 + timedelta(seconds=192), cause="normalClearing",
                answeringNumber="101").status_code == 200
    call = one(db)
    assert (call.rang_at, call.answered_at, call.ended_at) == (T0, T0 + timedelta(seconds=12), T0 + timedelta(seconds=192))
    assert call.answered_by_id == operator.id and call.cause == "normalClearing"
    assert call.phone == "+73422124486" and call.direction.value == "in"
    assert call.talk_seconds == 180 and call.wait_seconds == 12 and not call.missed
    assert count(db, CtiEvent) == 3 and tasks(db) == []
    first = db.session.execute(select(CtiEvent).where(CtiEvent.event == "newCall")).scalar_one()
    assert first.payload["user[]"] == ["Анна", "Борис"]  # kept as received


@pytest.mark.parametrize("cause", ["noAnswer", "cancel", "busy", "congestion", "notFound", "normalClearing"])
def test_missed_call_with_each_cause_becomes_a_missed_call_task(db, post, cause):
    post("newCall", "c1", at=T0)
    post("hangup", "c1", at=T0 + timedelta(seconds=40), cause=cause)
    call = one(db)
    assert call.missed and call.cause == cause and call.answered_at is None
    [task] = tasks(db)
    assert task.kind is CallbackKind.MISSED_CALL and task.status is CallbackStatus.OPEN
    assert task.phone == "+73422124486" and task.telephony_call_id == call.id
    assert task.reason.startswith("01.12 12:00")  # Perm time


def test_forwarded_call_is_neither_missed_nor_answered(db, post):
    post("newCall", "c1", at=T0)
    post("hangup", "c1", at=T0 + timedelta(seconds=5), cause="forwarded")
    call = one(db)
    assert not call.missed and call.answered_at is None and tasks(db) == []


def test_duplicated_events_are_answered_and_change_nothing(db, post):
    for _ in range(2):
        assert post("newCall", "c1", at=T0).status_code == 200
    for _ in range(3):
        assert post("hangup", "c1", at=T0 + timedelta(seconds=30), cause="noAnswer").status_code == 200
    post("hangup", "c1", at=T0 + timedelta(seconds=99), cause="busy")  # a late repeat: still the first
    assert count(db, CtiEvent) == 2 and count(db, TelephonyCall) == 1 and len(tasks(db)) == 1
    assert one(db).ended_at == T0 + timedelta(seconds=30) and one(db).cause == "noAnswer"


def test_out_of_order_events_end_in_the_same_record(db, post):
    operator = make_user("operator", login="boris")
    db.session.commit()
    # The hang-up arrives first, then the answer, then the newCall, each later than it happened.
    post("hangup", "c1", at=T0 + timedelta(seconds=100), cause="normalClearing")
    assert len(tasks(db)) == 1  # for now it looks missed
    post("answer", "c1", at=T0 + timedelta(seconds=101), answeringNumber="boris")
    post("newCall", "c1", at=T0 + timedelta(seconds=102))
    call = one(db)
    assert call.answered_by_id == operator.id and not call.missed
    assert call.answered_at <= call.ended_at and call.rang_at == T0 + timedelta(seconds=100)
    [task] = tasks(db)
    assert task.status is CallbackStatus.CANCELLED  # not a missed call after all


def test_answer_without_new_call_makes_a_record_and_finds_the_operator_by_email(db, post):
    operator = make_user("operator", login="vera")
    operator.email = "Vera@example.org"
    db.session.commit()
    post("answer", "c1", at=T0, answeringNumber="vera@example.org", json=True)
    post("hangup", "c1", at=T0 + timedelta(seconds=60), cause="normalClearing", json=True)
    call = one(db)
    assert call.answered_by_id == operator.id and call.rang_at == T0 and call.talk_seconds == 60
    assert call.phone == "+73422124486"


def test_outbound_calls_open_no_missed_call(db, post):
    post("newCall", "o1", direction="out", from_="101", to="+73422000000", at=T0)
    post("hangup", "o1", direction="out", from_="101", to="+73422000000", cause="noAnswer", at=T0 + timedelta(seconds=20))
    call = one(db, "o1")
    assert call.direction.value == "out" and call.phone == "+73422000000" and tasks(db) == []


def test_a_caller_who_called_back_and_was_answered_clears_their_missed_call(db, post):
    post("newCall", "c1", at=T0)
    post("hangup", "c1", at=T0 + timedelta(seconds=30), cause="noAnswer")
    post("newCall", "c2", at=T0 + timedelta(minutes=5), from_="8 342 212-44-86")
    assert tasks(db)[0].status is CallbackStatus.OPEN  # ringing is not being answered
    post("answer", "c2", at=T0 + timedelta(minutes=5, seconds=3), answeringNumber="nobody", from_="8 342 212-44-86")
    [task] = tasks(db)
    assert task.status is CallbackStatus.DONE and task.closed_at is not None


def test_missed_calls_share_the_call_backs_list_and_its_attempts(db, post, client, login_as):
    post("newCall", "c1", at=T0)
    post("hangup", "c1", at=T0 + timedelta(seconds=30), cause="noAnswer")
    login_as("operator")
    page = client.get("/callbacks/").get_data(as_text=True)
    assert "tel:+73422124486" in page
    [task] = tasks(db)
    assert client.post(f"/callbacks/{task.id}/attempts", data={"result": "no-answer"}).status_code == 302
    db.session.refresh(task)
    assert task.attempts_count == 1 and task.status is CallbackStatus.OPEN


def test_bad_and_revoked_tokens_are_refused_and_counted(db, client, cti, post, app):
    from hotline.auth.tokens import revoke_all
    from hotline.telephony.integrations import refused_counts

    response = client.post("/cti/zlcti_forged", data={"event": "newCall", "callId": "x"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    assert post("newCall", "c1").status_code == 200
    revoke_all(TokenKind.CTI, name="Asterisk")
    db.session.commit()
    assert post("answer", "c1").status_code == 401
    token_id = db.session.execute(select(CtiEvent.integration_id)).scalar()
    counts = refused_counts([token_id])
    assert counts == {token_id: 1, "unknown": 1}
    assert count(db, CtiEvent) == 1


def test_malformed_events_are_refused_with_their_fields_and_nothing_is_kept(db, client, cti):
    response = client.post(f"/cti/{cti}", data={"event": "ring", "direction": "sideways"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"event", "callId", "direction"}
    assert client.post(f"/cti/{cti}", data={"event": "newCall", "callId": "x" * 251}).status_code == 422
    assert client.post(f"/cti/{cti}", data="[1]", content_type="application/json").status_code == 400
    assert count(db, CtiEvent) == 0 and count(db, TelephonyCall) == 0


def test_cli_token_works_at_the_endpoint_and_users_get_extensions(app, db, client):
    from hotline.models import User

    runner = app.test_cli_runner()
    result = runner.invoke(args=["cti", "token", "3CX"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[0]
    assert secret.startswith("zlcti_")
    assert client.post(f"/cti/{secret}", data={"event": "newCall", "callId": "z", "from": "+73422124486"}).status_code == 200
    result = runner.invoke(args=["users", "create", "olga", "--role", "operator", "--password", "long-enough-1",
                                 "--extension", "102"])
    assert result.exit_code == 0, result.output
    assert db.session.execute(select(User.extension).where(User.login == "olga")).scalar() == "102"
    result = runner.invoke(args=["users", "create", "pavel", "--role", "operator", "--password", "long-enough-1",
                                 "--extension", "102"])
    assert result.exit_code != 0 and "102" in result.output
    assert runner.invoke(args=["cti", "revoke", "3CX"]).exit_code == 0
    assert client.post(f"/cti/{secret}", data={"event": "answer", "callId": "z"}).status_code == 401


def test_admin_issues_and_revokes_tokens_and_sets_extensions(db, client, login_as):
    login_as("admin")
    page = client.post("/admin/cti", data={"name": "Asterisk"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/cti/zlcti_" in html and "curl" in html
    token = db.session.execute(select(CtiEvent.integration_id)).scalar()
    from hotline.auth.tokens import tokens_of

    [token] = tokens_of(TokenKind.CTI)
    assert client.post("/admin/cti", data={"name": "Asterisk"}).status_code == 409  # one live token per name
    assert client.post(f"/admin/cti/{token.id}/revoke").status_code == 303
    db.session.refresh(token)
    assert token.revoked_at is not None
    operator = make_user("operator", login="ivan")
    other = make_user("operator", login="irina")
    other.extension = "103"
    db.session.commit()
    form = {"name": "Иван", "email": "", "role": "operator", "active": "y", "password": "", "extension": "103"}
    refused = client.post(f"/admin/users/{operator.id}", data=form)
    assert refused.status_code == 422 and "103" in refused.get_data(as_text=True)
    form["extension"] = "104"
    assert client.post(f"/admin/users/{operator.id}", data=form).status_code == 303
    db.session.refresh(operator)
    assert operator.extension == "104"


def test_raw_events_are_kept_thirty_days_and_retention_blanks_old_numbers(app, db, post):
    from hotline.privacy.retention import run_retention

    post("newCall", "old", at=T0)
    post("newCall", "new", at=T0 + timedelta(days=29))
    run_retention(now=T0 + timedelta(days=31))
    assert db.session.execute(select(CtiEvent.call_id)).scalars().all() == ["new"]
    app.config["RETENTION_DAYS"] = 30
    try:
        run_retention(now=T0 + timedelta(days=31))
    finally:
        app.config["RETENTION_DAYS"] = 1826
    assert one(db, "old").phone is None and one(db, "old").rang_at == T0
    assert one(db, "new").phone == "+73422124486"


def test_erasing_a_caller_removes_their_number_from_telephony(db, post, login_as, client):
    from hotline.models import Caller
    from hotline.privacy.service import erase_caller

    caller = Caller(name="Анна", phone="+73422124486")
    db.session.add(caller)
    post("newCall", "c1", at=T0)
    post("hangup", "c1", at=T0 + timedelta(seconds=9), cause="noAnswer")
    supervisor = make_user("supervisor")
    erase_caller(supervisor, caller, "заявление от 01.12.2026")
    db.session.commit()
    call = one(db)
    assert call.phone is None and call.from_number is None and call.rang_at == T0
    assert count(db, CtiEvent) == 0
    [task] = tasks(db)
    assert task.status is CallbackStatus.CANCELLED and task.phone == ""


def test_api_lists_missed_calls_masked_for_supervisors_and_the_active_call_with_its_card(db, post, api):
    from hotline.models import Caller

    operator_api = api("operator")
    operator_api.user.extension = "105"
    db.session.add(Caller(name="Анна Соколова", phone="+73422124486"))
    db.session.commit()
    post("newCall", "m1", at=T0)
    post("hangup", "m1", at=T0 + timedelta(seconds=20), cause="noAnswer")
    post("newCall", "a1", at=T0 + timedelta(minutes=1), from_="+73422999999")
    post("answer", "a1", at=T0 + timedelta(minutes=1, seconds=4), answeringNumber="105", from_="+73422999999")
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        listed = operator_api.get("/api/v1/telephony/calls?from=2026-12-01&to=2026-12-02&missed=1").get_json()
        assert [c["call_id"] for c in listed["calls"]] == ["m1"] and listed["calls"][0]["phone"] == "+73422124486"
        every = operator_api.get("/api/v1/telephony/calls?from=2026-12-01&to=2026-12-02").get_json()["calls"]
        assert {c["call_id"] for c in every} == {"m1", "a1"}
        supervised = api("supervisor").get("/api/v1/telephony/calls?from=2026-12-01&to=2026-12-02&missed=1").get_json()
        assert supervised["calls"][0]["phone"] != "+73422124486" and supervised["calls"][0]["from"] is None
        active = operator_api.get("/api/v1/telephony/active").get_json()
        assert active["call"]["call_id"] == "a1" and active["caller"] is None  # an unknown number: no card
        missed = operator_api.get("/api/v1/callbacks?kind=missed-call").get_json()["callbacks"]
        assert [c["telephony_call_id"] for c in missed] == [one(db, "m1").id]
    post("newCall", "a2", at=T0 + timedelta(minutes=3))
    post("answer", "a2", at=T0 + timedelta(minutes=3, seconds=2), answeringNumber="105")
    with time_machine.travel(T0 + timedelta(minutes=4), tick=False):
        active = operator_api.get("/api/v1/telephony/active").get_json()
        assert active["call"]["call_id"] == "a2" and active["caller"]["name"] == "Анна Соколова"
        assert api("operator").get("/api/v1/telephony/active").get_json() == {"call": None}
