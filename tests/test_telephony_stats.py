"""Telephony KPIs (SPEC 7) checked against a hand computation over a fixed set of calls, with a
call across Perm's midnight and one that is Dec 1 in UTC but Dec 2 in Perm; the wallboard."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import time_machine

from hotline.telephony.service import apply_event, parse_event

from .factories import make_user

PERM = ZoneInfo("Asia/Yekaterinburg")


def perm(day, hour, minute=0, second=0):
    return datetime(2026, 12, day, hour, minute, second, tzinfo=PERM).astimezone(timezone.utc)


def play(call_id, rang, wait=None, talk=None, cause="normalClearing", operator=None, direction="in", end=True):
    """newCall at `rang`; answered after `wait` s by `operator` and hung up `talk` s later, or
    hung up unanswered after `wait` s with `cause`."""
    fields = {"callId": call_id, "direction": direction, "from": "+73422124486", "to": "2124486"}
    apply_event(parse_event({**fields, "event": "newCall"}), rang)
    if talk is not None:
        answered = rang + timedelta(seconds=wait)
        apply_event(parse_event({**fields, "event": "answer", "answeringNumber": operator}), answered)
        apply_event(parse_event({**fields, "event": "hangup", "cause": "normalClearing"}), answered + timedelta(seconds=talk))
    elif end:
        apply_event(parse_event({**fields, "event": "hangup", "cause": cause}), rang + timedelta(seconds=wait))


def _fixed_calls(db):
    make_user("operator", login="op1")
    make_user("operator", login="op2")
    play("A", perm(1, 10), wait=10, talk=100, operator="op1")
    play("B", perm(1, 10, 5), wait=30, talk=200, operator="op2")
    play("C", perm(1, 11), wait=40, cause="cancel")
    play("D", perm(1, 12), wait=5, cause="forwarded")
    play("E", perm(1, 23, 59, 50), wait=20, talk=50, operator="op1")  # answered after Perm's midnight
    play("F", perm(2, 0, 0, 5), wait=60, cause="noAnswer")  # Dec 1 19:00:05 UTC, Dec 2 in Perm
    play("G", perm(2, 9), wait=4, talk=300, operator="op2")
    play("H", datetime(2026, 11, 30, 23, 59, 59, tzinfo=PERM), wait=9, cause="noAnswer")  # before the period
    play("I", datetime(2026, 12, 3, 0, 0, tzinfo=PERM), wait=9, cause="noAnswer")  # `to` is exclusive
    play("J", perm(1, 14), wait=3, talk=60, operator="op1", direction="out")
    play("K", perm(2, 10), end=False)  # still ringing
    db.session.commit()


def test_kpis_match_a_hand_computation(db, api):
    _fixed_calls(db)
    with time_machine.travel(perm(2, 10, 0, 30), tick=False):
        stats = api("supervisor").get("/api/v1/stats?from=2026-12-01&to=2026-12-03").get_json()
    tel = stats["telephony"]
    # offered: A B C E F G (D forwarded, J outbound, K ringing, H and I outside); answered A B E G
    assert (tel["offered"], tel["answered"], tel["forwarded"], tel["outbound"], tel["ringing"]) == (6, 4, 1, 1, 1)
    # in business hours: A B C G offered, C abandoned; within 20 s: A (10 s) and G (4 s), not B (30 s)
    assert (tel["abandoned"], tel["abandonment_rate"], tel["service_level"]) == (1, 0.25, 0.5)
    assert tel["out_of_hours"] == {"offered": 2, "answered": 1, "abandoned": 1}  # E and F
    # waits 10, 30, 20, 4: mean 16, p90 (nearest rank, ⌈0.9·4⌉ = 4th) 30
    assert (tel["asa_seconds"], tel["asa_p90_seconds"]) == (16.0, 30.0)
    assert (tel["talk_seconds"], tel["talk_mean_seconds"]) == (650.0, 162.5)
    assert tel["by_day"] == {
        "2026-12-01": {"offered": 4, "answered": 3, "abandoned": 1, "service_level": 0.3333},  # A B C E
        "2026-12-02": {"offered": 2, "answered": 1, "abandoned": 1, "service_level": 1.0},  # F G
    }
    hours = {h: row for h, row in enumerate(tel["by_hour"]) if row["offered"]}
    assert {h: (r["offered"], r["answered"], r["abandoned"]) for h, r in hours.items()} == {
        0: (1, 0, 1), 9: (1, 1, 0), 10: (2, 2, 0), 11: (1, 0, 1), 23: (1, 1, 0)}
    assert tel["operators"] == [{"login": "op1", "answered": 2, "talk_seconds": 150.0},
                                {"login": "op2", "answered": 2, "talk_seconds": 500.0}]
    with time_machine.travel(perm(2, 10, 0, 30), tick=False):
        one_day = api("supervisor").get("/api/v1/stats?from=2026-12-02&to=2026-12-03").get_json()["telephony"]
    assert (one_day["offered"], one_day["answered"], one_day["abandoned"]) == (2, 1, 0)  # F is out of hours


def test_operator_filter_reads_that_operators_calls(db, api):
    _fixed_calls(db)
    with time_machine.travel(perm(2, 10, 0, 30), tick=False):
        tel = api("supervisor").get("/api/v1/stats?from=2026-12-01&to=2026-12-03&operator=op2").get_json()["telephony"]
    assert (tel["offered"], tel["answered"], tel["talk_seconds"]) == (2, 2, 500.0)


def test_dashboard_export_and_wallboard_show_the_figures(db, client, login_as):
    _fixed_calls(db)
    with time_machine.travel(perm(2, 10, 1, 0), tick=False):
        login_as("supervisor")
        page = client.get("/stats/?from=2026-12-01&to=2026-12-03", headers={"Accept-Language": "ru"})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'data-kpi="offered">6<' in html and "25,0\u202f%" in html
        assert 'id="section-telephony_by_hour"' in html
        csv = client.get("/stats/export/telephony_operators.csv?from=2026-12-01&to=2026-12-03").get_data(as_text=True)
        assert "8:20" in csv and "2:30" in csv  # op2's 500 s and op1's 150 s of talk
        board = client.get("/telephony/wallboard/board").get_data(as_text=True)
    assert 'data-board="ringing">1<' in board  # K
    assert 'data-board="longest-wait">1:00<' in board  # K has rung since 10:00:00
    assert 'data-board="answered">1<' in board  # today (Dec 2): G


def test_wallboard_lists_operators_on_a_call(db, client, login_as):
    operator = make_user("operator", login="on-line", name="Ольга Смирнова")
    play("L", perm(2, 10), wait=3, talk=None, end=False)
    fields = {"callId": "L", "direction": "in", "from": "+73422124486", "event": "answer", "answeringNumber": "on-line"}
    apply_event(parse_event(fields), perm(2, 10, 0, 3))
    db.session.commit()
    assert operator.id
    with time_machine.travel(perm(2, 10, 2), tick=True):
        login_as("supervisor")
        page = client.get("/telephony/wallboard").get_data(as_text=True)
    assert 'data-board="on-call">1<' in page and "Ольга Смирнова" in page and 'data-board="ringing">0<' in page
