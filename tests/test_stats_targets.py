"""First response, reopen, 59-FZ appeals and FAQ curation: each figure against a hand computation
on enquiries made through the desk's own verbs at fixed Perm times (time_machine), with responses
either side of Perm midnight (UTC+5). Tuesday 1 and Wednesday 2 December 2026 are working days."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from hotline.enquiries.workflow import answer_enquiry, hand_over
from hotline.mail.thread import write_to_resident
from hotline.models import Enquiry, Notification, SlaPolicy
from hotline.sla.watch import watch_deadlines
from hotline.stats.figures import compute
from hotline.stats.period import Filters, Period, parse_filters
from hotline.stats.tables import build_tables

from .factories import make_coordinator, make_enquiry, make_user, topic

PERM = ZoneInfo("Asia/Yekaterinburg")
DEC1 = Period(date(2026, 12, 1), date(2026, 12, 2))
DEC2 = Period(date(2026, 12, 2), date(2026, 12, 3))


def perm(*args) -> datetime:
    return datetime(*args, tzinfo=PERM)


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def desk(db, reference):
    db.session.add(SlaPolicy(topic_id=topic("youth").id, first_response_hours=2, answer_hours=8))
    people = {"anna": make_coordinator(login="anna"), "boris": make_coordinator(login="boris"),
              "chief": make_user("supervisor", login="chief"), "op": make_user("operator", login="op")}
    db.session.commit()
    return people


def enquiry_for(desk, login: str, created: datetime) -> Enquiry:
    """An enquiry logged by the operator at `created` and given to `login` at once."""
    with at(created):
        e = make_enquiry(desk["op"])
        e = hand_over(desk["chief"], e if isinstance(e, Enquiry) else _load(e.id), login, "по теме")
        from hotline.extensions import db

        db.session.commit()
    return e


def _load(enquiry_id: int) -> Enquiry:
    from hotline.extensions import db

    return db.session.get(Enquiry, enquiry_id)


def interim(desk, e: Enquiry, moment: datetime, login: str | None = None) -> None:
    from hotline.extensions import db

    with at(moment):
        write_to_resident(desk[login or _login(e)], _load(e.id), "Уточняем в Дуйсбурге, ответим на неделе.")
        db.session.commit()


def answer(desk, e: Enquiry, moment: datetime) -> None:
    from hotline.extensions import db

    with at(moment):
        answer_enquiry(desk[_login(e)], _load(e.id), "Ответ по существу.")
        db.session.commit()


def _login(e: Enquiry) -> str:
    return _load(e.id).assignee.login


# --- first response --------------------------------------------------------------------------


@pytest.fixture
def responses(desk):
    """anna: E1 created Tue 10:00, interim reply 11:00 (1 h, in time); E2 created Tue 16:00,
    answered Wed 10:00 (2 h Tue + 1 h Wed = 3 h > 2 h: late).
    boris: E3 created Tue 17:30, interim reply Tue 23:59 (0.5 h, in time, still 1 December in Perm);
    E4 created Tue 17:45, interim reply Wed 00:01 (0.25 h, in time, already 2 December).
    E5 (anna) created Tue 10:30, never responded."""
    e1 = enquiry_for(desk, "anna", perm(2026, 12, 1, 10, 0))
    e2 = enquiry_for(desk, "anna", perm(2026, 12, 1, 16, 0))
    e3 = enquiry_for(desk, "boris", perm(2026, 12, 1, 17, 30))
    e4 = enquiry_for(desk, "boris", perm(2026, 12, 1, 17, 45))
    e5 = enquiry_for(desk, "anna", perm(2026, 12, 1, 10, 30))
    interim(desk, e1, perm(2026, 12, 1, 11, 0))
    answer(desk, e2, perm(2026, 12, 2, 10, 0))
    interim(desk, e3, perm(2026, 12, 1, 23, 59))
    interim(desk, e4, perm(2026, 12, 2, 0, 1))
    return e1, e2, e3, e4, e5


def test_first_response_is_the_first_of_interim_reply_and_answer(desk, responses):
    e1, e2, e3, e4, e5 = (_load(e.id) for e in responses)
    assert e1.first_response_at == perm(2026, 12, 1, 11, 0) and e1.first_response_business_seconds == 3600
    assert e2.first_response_at == perm(2026, 12, 2, 10, 0) and e2.first_response_business_seconds == 3 * 3600
    assert e3.first_response_business_seconds == 1800 and e4.first_response_business_seconds == 900
    assert e5.first_response_at is None
    answer(desk, e1, perm(2026, 12, 2, 12, 0))  # the later answer leaves the first response alone
    assert _load(e1.id).first_response_at == perm(2026, 12, 1, 11, 0)
    assert e1.first_response_due_at == perm(2026, 12, 1, 12, 0)
    assert e1.first_response_warn_at == perm(2026, 12, 1, 11, 36)  # 80 % of 2 h


@pytest.mark.parametrize("rollup", [True, False])
def test_first_response_figures_either_side_of_perm_midnight(desk, responses, rollup):
    now = perm(2026, 12, 3, 12, 0)
    dec1 = compute(DEC1, Filters(), now=now, rollup=rollup)["first_response"]
    assert (dec1["responded"], dec1["in_time"], dec1["median_hours"], dec1["compliance"]) == (2, 2, 0.5, 1.0)
    dec2 = compute(DEC2, Filters(), now=now, rollup=rollup)["first_response"]
    # values 0.25 h (in time) and 3 h (late): nearest-rank median = the lower one
    assert (dec2["responded"], dec2["in_time"], dec2["median_hours"], dec2["compliance"]) == (2, 1, 0.25, 0.5)
    assert dec2["by_coordinator"] == {"anna": {"responded": 1, "median_hours": 3.0, "compliance": 0.0},
                                      "boris": {"responded": 1, "median_hours": 0.25, "compliance": 1.0}}
    both = compute(Period(date(2026, 12, 1), date(2026, 12, 3)), Filters(), now=now, rollup=rollup)
    assert both["first_response"]["responded"] == 4 and both["first_response"]["compliance"] == 0.75
    rows = {r["login"]: r for r in both["coordinators"]}
    assert (rows["anna"]["first_response_hours"], rows["anna"]["first_response_compliance"]) == (1.0, 0.5)
    assert (rows["boris"]["first_response_hours"], rows["boris"]["first_response_compliance"]) == (0.25, 1.0)


def test_first_response_filtered_by_coordinator_and_in_the_dashboard_tables(app, desk, responses):
    now = perm(2026, 12, 3, 12, 0)
    filters = parse_filters({"coordinator": "boris"})
    figures = compute(Period(date(2026, 12, 1), date(2026, 12, 3)), filters, now=now)
    assert figures["first_response"]["responded"] == 2 and figures["first_response"]["median_hours"] == 0.25
    with app.test_request_context():
        table = build_tables(compute(DEC2, Filters(), now=now))["coordinators"]
    assert len(table.headers) == 8
    anna = next(row for row in table.rows if "anna" in row[0] or row[0] == desk["anna"].name)
    assert anna[6:] == [3.0, 0.0]


def test_the_api_carries_the_first_response_block(api, desk, responses):
    client = api("supervisor")
    with at(perm(2026, 12, 3, 12, 0)):
        body = client.get("/api/v1/stats?from=2026-12-02&to=2026-12-03").get_json()
    assert body["first_response"]["median_hours"] == 0.25 and body["first_response"]["compliance"] == 0.5


def test_the_watch_warns_and_escalates_a_first_response_not_given(app, db, desk):
    e_quiet = enquiry_for(desk, "anna", perm(2026, 12, 1, 10, 0))    # nobody writes to the resident
    e_replied = enquiry_for(desk, "boris", perm(2026, 12, 1, 10, 0))

    def kinds(login):
        db.session.commit()
        return sorted(db.session.execute(select(Notification.kind).where(
            Notification.user_id == desk[login].id, Notification.kind.like("first-response-%"))).scalars())

    with at(perm(2026, 12, 1, 11, 35)):
        watch_deadlines()
    assert kinds("anna") == [] and kinds("boris") == []
    with at(perm(2026, 12, 1, 11, 37)):  # past 80 % of 2 h
        watch_deadlines()
        watch_deadlines()
    assert kinds("anna") == ["first-response-warning"] and kinds("boris") == ["first-response-warning"]
    interim(desk, e_replied, perm(2026, 12, 1, 11, 50))
    with at(perm(2026, 12, 1, 12, 1)):
        counts = watch_deadlines()
    assert counts["first-response-breach"] == 1
    assert kinds("chief") == ["first-response-breach"]
    assert kinds("anna") == ["first-response-breach", "first-response-warning"]
    assert kinds("boris") == ["first-response-warning"]
    assert [ev.kind for ev in _load(e_quiet.id).events].count("first-response-breached") == 1


# --- reopen ----------------------------------------------------------------------------------


def reopen_it(desk, e: Enquiry, moment: datetime) -> None:
    from hotline.enquiries.workflow import reopen
    from hotline.extensions import db

    with at(moment):
        reopen(desk[_login(e)], _load(e.id), "Заявитель пишет, что ответ не про его случай.")
        db.session.commit()


def test_a_reopened_enquiry_gets_a_new_due_time_and_counts_its_last_answer(app, desk):
    """Created Tue 10:00 (8 h target: due Tue 18:00), answered Tue 12:00, reopened Wed 10:00 → due
    Wed 18:00, warning at 80 % = Wed 16:24; answered again Wed 17:00: on time against the new due
    time (late against the old one); time to answer from creation to the last answer = 8 h Tue + 8 h
    Wed = 16 business hours."""
    e = enquiry_for(desk, "anna", perm(2026, 12, 1, 10, 0))
    assert _load(e.id).due_at == perm(2026, 12, 1, 18, 0)
    answer(desk, e, perm(2026, 12, 1, 12, 0))
    reopen_it(desk, e, perm(2026, 12, 2, 10, 0))
    e = _load(e.id)
    assert (e.due_at, e.sla_warn_at) == (perm(2026, 12, 2, 18, 0), perm(2026, 12, 2, 16, 24))
    answer(desk, e, perm(2026, 12, 2, 17, 0))
    e = _load(e.id)
    assert e.answer_business_seconds == 16 * 3600
    for rollup in (True, False):
        figures = compute(DEC2, Filters(), now=perm(2026, 12, 3, 12, 0), rollup=rollup)
        assert figures["enquiries"]["answered"] == 1 and figures["sla_compliance"] == 1.0
        assert figures["time_to_answer"]["median_hours"] == 16.0
        assert compute(DEC1, Filters(), now=perm(2026, 12, 3, 12, 0), rollup=rollup)["enquiries"]["answered"] == 0


def test_the_watch_tells_the_new_deadline_of_a_reopened_enquiry_again(app, db, desk):
    e = enquiry_for(desk, "anna", perm(2026, 12, 1, 10, 0))
    with at(perm(2026, 12, 1, 18, 1)):
        watch_deadlines()  # the first deadline missed: escalated
        db.session.commit()
    answer(desk, e, perm(2026, 12, 2, 9, 30))
    reopen_it(desk, e, perm(2026, 12, 2, 10, 0))
    assert (_load(e.id).sla_warned_at, _load(e.id).sla_breached_at) == (None, None)
    with at(perm(2026, 12, 2, 16, 25)):  # past 80 % of the new target
        watch_deadlines()
        db.session.commit()
    with at(perm(2026, 12, 2, 18, 1)):
        watch_deadlines()
        watch_deadlines()
        db.session.commit()
    chief = sorted(db.session.execute(select(Notification.kind).where(
        Notification.user_id == desk["chief"].id, Notification.kind == "sla-breach")).scalars())
    assert chief == ["sla-breach", "sla-breach"]  # once per deadline
    anna = sorted(db.session.execute(select(Notification.kind).where(
        Notification.user_id == desk["anna"].id, Notification.kind.like("sla-%"))).scalars())
    # the first warning was found only after its deadline (left to the escalation), the second in time
    assert anna == ["sla-breach", "sla-breach", "sla-warning"]


@pytest.fixture
def reopens(desk):
    """anna (youth): E1 created Tue 10:00, answered Tue 12:00, reopened Wed 00:01 Perm, answered
    again Wed 17:00; E2 created Tue 11:00, answered Tue 23:59 Perm. boris (media): E3 created Tue
    10:00, answered Tue 15:00, reopened Tue 23:59 Perm, not answered again."""
    from hotline.enquiries.workflow import hand_over as give

    e1 = enquiry_for(desk, "anna", perm(2026, 12, 1, 10, 0))
    e2 = enquiry_for(desk, "anna", perm(2026, 12, 1, 11, 0))
    with at(perm(2026, 12, 1, 10, 0)):
        e3 = make_enquiry(desk["op"], topic_code="media")
        give(desk["chief"], _load(e3.id), "boris", "по теме")
        from hotline.extensions import db

        db.session.commit()
    answer(desk, e1, perm(2026, 12, 1, 12, 0))
    answer(desk, e3, perm(2026, 12, 1, 15, 0))
    answer(desk, e2, perm(2026, 12, 1, 23, 59))
    reopen_it(desk, e3, perm(2026, 12, 1, 23, 59))
    reopen_it(desk, e1, perm(2026, 12, 2, 0, 1))
    answer(desk, e1, perm(2026, 12, 2, 17, 0))
    return e1, e2, e3


@pytest.mark.parametrize("rollup", [True, False])
def test_reopen_rate_per_coordinator_and_topic(desk, reopens, rollup):
    now = perm(2026, 12, 3, 12, 0)
    dec1 = compute(DEC1, Filters(), now=now, rollup=rollup)["reopen"]
    # answered on 1 December (latest answer): E2 and E3 (reopened since, its answer still counts)
    assert (dec1["answered"], dec1["reopened"], dec1["rate"]) == (2, 1, 0.5)
    assert dec1["by_coordinator"] == {"anna": {"answered": 1, "reopened": 0, "rate": 0.0},
                                      "boris": {"answered": 1, "reopened": 1, "rate": 1.0}}
    assert dec1["by_topic"] == {"media": {"answered": 1, "reopened": 1, "rate": 1.0},
                                "youth": {"answered": 1, "reopened": 0, "rate": 0.0}}
    dec2 = compute(DEC2, Filters(), now=now, rollup=rollup)["reopen"]
    assert (dec2["answered"], dec2["reopened"], dec2["rate"]) == (1, 1, 1.0)
    assert dec2["by_topic"] == {"youth": {"answered": 1, "reopened": 1, "rate": 1.0}}
    media = compute(DEC1, parse_filters({"topic": "media"}), now=now, rollup=rollup)["reopen"]
    assert (media["answered"], media["reopened"]) == (1, 1)


def test_reopen_tables_on_the_dashboard(app, client, login_as, desk, reopens):
    with app.test_request_context():
        tables = build_tables(compute(DEC1, Filters(), now=perm(2026, 12, 3, 12, 0)))
    assert [row[1:] for row in tables["reopen_by_topic"].rows] == [[1, 1, 100.0], [1, 0, 0.0]]
    login_as("supervisor")
    with at(perm(2026, 12, 3, 12, 0)):
        page = client.get("/stats/?from=2026-12-01&to=2026-12-02")
        assert page.status_code == 200
        assert 'id="section-reopen_by_coordinator"' in page.get_data(as_text=True)
        csv = client.get("/stats/export/reopen_by_topic.csv?from=2026-12-01&to=2026-12-02")
    assert csv.status_code == 200
