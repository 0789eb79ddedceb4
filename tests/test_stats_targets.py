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
from hotline.stats.daily import refresh
from hotline.stats.figures import compute
from hotline.stats.period import Filters, Period, parse_filters
from hotline.stats.tables import build_tables

from .factories import make_coordinator, make_enquiry, make_user, topic

PERM = ZoneInfo("Asia/Yekaterinburg")
DEC1 = Period(date(2026, 12, 1), date(2026, 12, 2))
DEC2 = Period(date(2026, 12, 2), date(2026, 12, 3))


def A(value, rel=0.01, abs=None):
    """A percentile read from the histogram buckets: within 1 % of the exact value."""
    return pytest.approx(value, rel=rel, abs=abs)


def refreshed(period, filters, now):
    """The figures once the refresh job has run (the tables follow the raw rows within a minute)."""
    refresh()
    return compute(period, filters, now=now)


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


def enquiry_for(desk, login: str, created: datetime, **kwargs) -> Enquiry:
    """An enquiry logged by the operator at `created` and given to `login` at once."""
    with at(created):
        e = make_enquiry(desk["op"], **kwargs)
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


def test_first_response_figures_either_side_of_perm_midnight(desk, responses):
    now = perm(2026, 12, 3, 12, 0)
    dec1 = refreshed(DEC1, Filters(), now=now)["first_response"]
    # medians come from the histogram buckets: within 1 % (hotline/stats/daily.py)
    assert (dec1["responded"], dec1["in_time"], dec1["median_hours"], dec1["compliance"]) == (2, 2, A(0.5), 1.0)
    dec2 = refreshed(DEC2, Filters(), now=now)["first_response"]
    # values 0.25 h (in time) and 3 h (late): nearest-rank median = the lower one
    assert (dec2["responded"], dec2["in_time"], dec2["median_hours"], dec2["compliance"]) == (2, 1, A(0.25), 0.5)
    assert dec2["by_coordinator"] == {"anna": {"responded": 1, "median_hours": A(3.0), "compliance": 0.0},
                                      "boris": {"responded": 1, "median_hours": A(0.25), "compliance": 1.0}}
    both = refreshed(Period(date(2026, 12, 1), date(2026, 12, 3)), Filters(), now=now)
    assert both["first_response"]["responded"] == 4 and both["first_response"]["compliance"] == 0.75
    rows = {r["login"]: r for r in both["coordinators"]}
    assert (rows["anna"]["first_response_hours"], rows["anna"]["first_response_compliance"]) == (A(1.0), 0.5)
    assert (rows["boris"]["first_response_hours"], rows["boris"]["first_response_compliance"]) == (A(0.25), 1.0)


def test_first_response_filtered_by_coordinator_and_in_the_dashboard_tables(app, desk, responses):
    now = perm(2026, 12, 3, 12, 0)
    filters = parse_filters({"coordinator": "boris"})
    figures = refreshed(Period(date(2026, 12, 1), date(2026, 12, 3)), filters, now=now)
    assert figures["first_response"]["responded"] == 2 and figures["first_response"]["median_hours"] == A(0.25)
    with app.test_request_context():
        table = build_tables(refreshed(DEC2, Filters(), now=now))["coordinators"]
    assert len(table.headers) == 8
    anna = next(row for row in table.rows if "anna" in row[0] or row[0] == desk["anna"].name)
    assert anna[6:] == [A(3.0, abs=0.05), 0.0]


def test_the_api_carries_the_first_response_block(api, desk, responses):
    client = api("supervisor")
    refresh()
    with at(perm(2026, 12, 3, 12, 0)):
        body = client.get("/api/v1/stats?from=2026-12-02&to=2026-12-03").get_json()
    assert body["first_response"]["median_hours"] == A(0.25) and body["first_response"]["compliance"] == 0.5


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
    figures = refreshed(DEC2, Filters(), now=perm(2026, 12, 3, 12, 0))
    assert figures["enquiries"]["answered"] == 1 and figures["sla_compliance"] == 1.0
    assert figures["time_to_answer"]["median_hours"] == pytest.approx(16.0, rel=0.01)
    assert refreshed(DEC1, Filters(), now=perm(2026, 12, 3, 12, 0))["enquiries"]["answered"] == 0


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


def test_reopen_rate_per_coordinator_and_topic(desk, reopens):
    now = perm(2026, 12, 3, 12, 0)
    dec1 = refreshed(DEC1, Filters(), now=now)["reopen"]
    # answered on 1 December (latest answer): E2 and E3 (reopened since, its answer still counts)
    assert (dec1["answered"], dec1["reopened"], dec1["rate"]) == (2, 1, 0.5)
    assert dec1["by_coordinator"] == {"anna": {"answered": 1, "reopened": 0, "rate": 0.0},
                                      "boris": {"answered": 1, "reopened": 1, "rate": 1.0}}
    assert dec1["by_topic"] == {"media": {"answered": 1, "reopened": 1, "rate": 1.0},
                                "youth": {"answered": 1, "reopened": 0, "rate": 0.0}}
    dec2 = refreshed(DEC2, Filters(), now=now)["reopen"]
    assert (dec2["answered"], dec2["reopened"], dec2["rate"]) == (1, 1, 1.0)
    assert dec2["by_topic"] == {"youth": {"answered": 1, "reopened": 1, "rate": 1.0}}
    media = refreshed(DEC1, parse_filters({"topic": "media"}), now=now)["reopen"]
    assert (media["answered"], media["reopened"]) == (1, 1)


def test_reopen_tables_on_the_dashboard(app, client, login_as, desk, reopens):
    with app.test_request_context():
        tables = build_tables(refreshed(DEC1, Filters(), now=perm(2026, 12, 3, 12, 0)))
    assert [row[1:] for row in tables["reopen_by_topic"].rows] == [[1, 1, 100.0], [1, 0, 0.0]]
    with at(perm(2026, 12, 3, 12, 0)):
        login_as("supervisor")
        page = client.get("/stats/?from=2026-12-01&to=2026-12-02")
        assert page.status_code == 200
        assert 'id="section-reopen_by_coordinator"' in page.get_data(as_text=True)
        csv = client.get("/stats/export/reopen_by_topic.csv?from=2026-12-01&to=2026-12-02")
    assert csv.status_code == 200


# --- 59-FZ appeals ---------------------------------------------------------------------------


def test_an_appeal_marked_at_intake_is_registered_with_its_enquiry(api, db, desk, client):
    from hotline.calls.service import record_call

    from .factories import call_payload

    operator = api("operator")
    with at(perm(2026, 12, 1, 10, 0)):
        body = operator.post("/api/v1/calls", json=call_payload(outcome="routed", formal_appeal=True)).get_json()
        assert body["enquiry"]["formal_appeal"] is True
        assert body["enquiry"]["legal_due_at"] == "2026-12-31T05:00:00Z"   # 30 calendar days
        bad = operator.post("/api/v1/calls", json=call_payload(outcome="routed", formal_appeal="yes"))
        assert bad.status_code == 422 and "formal_appeal" in bad.get_json()["error"]["fields"]
        answered = operator.post("/api/v1/calls", json=call_payload(outcome="answered", formal_appeal=True))
        assert answered.status_code == 422
        # what a resident submits is never marked by them
        resident = record_call(None, call_payload(outcome="routed", formal_appeal=True))
        db.session.commit()
    e = _load(body["enquiry"]["id"])
    assert e.formal_appeal and e.registered_at == e.created_at == perm(2026, 12, 1, 10, 0)
    assert [ev.kind for ev in e.events] == ["created", "formal-appeal"]
    assert not _load(resident.enquiry.id).formal_appeal


def test_the_call_form_marks_a_formal_appeal(app, client, login_as, db, reference):
    from hotline.models import Call

    with at(perm(2026, 12, 1, 10, 0)):
        login_as("operator")
        page = client.post("/calls/new", data={
            "phone": "+73422124486", "caller_name": "Анна", "caller_email": "", "caller_language": "ru",
            "channel": "phone", "topic": "youth", "city": "duisburg", "answer": "",
            "question": "Письменное обращение о молодёжном обмене", "outcome": "routed",
            "started_at": perm(2026, 12, 1, 9, 58).isoformat(), "formal_appeal": "y"})
    assert page.status_code in (302, 303), page.get_data(as_text=True)[:500]
    call = db.session.execute(select(Call)).scalar_one()
    assert call.enquiry.formal_appeal and call.enquiry.legal_due_at == perm(2026, 12, 31, 10, 0)


def test_the_appeal_verbs_check_role_and_state_themselves(app, db, desk):
    from hotline.enquiries.appeals import extend_legal_deadline, mark_formal_appeal
    from hotline.enquiries.workflow import close
    from hotline.errors import Conflict, Forbidden, NotFound

    e = enquiry_for(desk, "anna", perm(2026, 12, 1, 10, 0))
    other = make_coordinator(login="vera")  # sees the topic, is not the assignee
    db.session.commit()
    with pytest.raises(Forbidden):  # the operator who logged it sees it, but marks only at intake
        mark_formal_appeal(desk["op"], _load(e.id))
    with pytest.raises(Forbidden):
        mark_formal_appeal(other, _load(e.id))
    with pytest.raises(NotFound):  # an operator who did not log it is not told it exists
        mark_formal_appeal(make_user("operator", login="op2"), _load(e.id))
    with at(perm(2026, 12, 1, 11, 0)):
        mark_formal_appeal(desk["anna"], _load(e.id))
        db.session.commit()
    assert _load(e.id).registered_at == perm(2026, 12, 1, 11, 0)
    with pytest.raises(Conflict):
        mark_formal_appeal(desk["chief"], _load(e.id))
    with pytest.raises(Forbidden):
        extend_legal_deadline(desk["anna"], _load(e.id), 10, "нужен ответ партнёров")
    for days in (0, 31, True, "10"):
        with pytest.raises(Exception) as raised:
            extend_legal_deadline(desk["chief"], _load(e.id), days, "нужен ответ партнёров")
        assert raised.value.status == 422
    answer(desk, e, perm(2026, 12, 2, 10, 0))
    with at(perm(2026, 12, 2, 11, 0)):
        close(desk["anna"], _load(e.id))
        db.session.commit()
        with pytest.raises(Conflict):  # no extending a closed enquiry's deadline
            extend_legal_deadline(desk["chief"], _load(e.id), 10, "нужен ответ партнёров")
    db.session.rollback()
    closed = enquiry_for(desk, "boris", perm(2026, 12, 1, 10, 0))
    answer(desk, closed, perm(2026, 12, 1, 12, 0))
    with pytest.raises(Conflict):  # an answered enquiry is no longer marked
        mark_formal_appeal(desk["chief"], _load(closed.id))


def test_the_pages_and_the_api_refuse_who_may_not_act(app, client, api, login_as, db, desk):
    e = enquiry_for(desk, "anna", perm(2026, 12, 1, 10, 0))
    login_as("coordinator", login="vera", topics=("youth",))  # sees the enquiry, is not its assignee
    page = client.post(f"/enquiries/{e.id}/formal-appeal")
    assert page.status_code == 403 and not _load(e.id).formal_appeal
    from hotline.enquiries.appeals import mark_formal_appeal

    mark_formal_appeal(desk["chief"], _load(e.id))
    db.session.commit()
    page = client.post(f"/enquiries/{e.id}/extend", data={"days": "10", "reason": "сложный вопрос"})
    assert page.status_code == 403 and _load(e.id).legal_extended_at is None
    coordinator = api("coordinator")
    assert coordinator.post(f"/api/v1/enquiries/{e.id}/extend", json={"days": 10, "reason": "x"}).status_code == 403
    supervisor = api("supervisor")
    with at(perm(2026, 12, 2, 10, 0)):
        done = supervisor.post(f"/api/v1/enquiries/{e.id}/extend", json={"days": 10, "reason": "ждём ответ из Луисвилла"})
    assert done.status_code == 200
    body = done.get_json()
    assert body["legal_extension_reason"] == "ждём ответ из Луисвилла"
    assert _load(e.id).legal_due_at == _load(e.id).registered_at + timedelta(days=40)
    again = supervisor.post(f"/api/v1/enquiries/{e.id}/extend", json={"days": 5, "reason": "ещё"})
    assert again.status_code == 409


def test_the_watch_warns_five_days_before_the_legal_deadline(app, db, desk):
    from hotline.enquiries.appeals import extend_legal_deadline, mark_formal_appeal

    e = enquiry_for(desk, "anna", perm(2026, 12, 1, 10, 0))
    with at(perm(2026, 12, 1, 10, 5)):
        mark_formal_appeal(desk["anna"], _load(e.id))  # legal deadline 31 December 10:05
        db.session.commit()

    def told(login):
        db.session.commit()
        return db.session.execute(select(Notification.kind).where(
            Notification.user_id == desk[login].id, Notification.kind == "legal-warning")).scalars().all()

    with at(perm(2026, 12, 26, 10, 4)):
        watch_deadlines()
    assert told("anna") == [] and told("chief") == []
    with at(perm(2026, 12, 26, 10, 6)):
        watch_deadlines()
        watch_deadlines()
    assert told("anna") == ["legal-warning"] and told("chief") == ["legal-warning"]
    with at(perm(2026, 12, 27, 9, 0)):
        extend_legal_deadline(desk["chief"], _load(e.id), 20, "ждём документы")  # → 20 January 10:05
        db.session.commit()
        watch_deadlines()
    assert told("anna") == ["legal-warning"]
    with at(perm(2027, 1, 15, 10, 6)):
        watch_deadlines()
    assert told("anna") == ["legal-warning"] * 2 and told("chief") == ["legal-warning"] * 2


@pytest.fixture
def appeals(desk, db):
    """A1 marked at intake Tue 1 Dec 10:00 (registered at once), answered Wed 2 Dec 12:00 (in time);
    A2 received Fri 27 Nov 12:00, marked Tue 1 Dec 23:59 Perm (4 days later: late registration);
    A3 received Mon 30 Nov 10:00, marked Wed 2 Dec 00:01 Perm (in 3 days), extended Wed 10:00;
    A4 received and marked 1 Oct, still open: past its legal deadline (31 Oct)."""
    from hotline.enquiries.appeals import extend_legal_deadline, mark_formal_appeal

    def marked(login, received, registered):
        e = enquiry_for(desk, login, received)
        with at(registered):
            mark_formal_appeal(desk[login], _load(e.id))
            db.session.commit()
        return e

    a1 = marked("anna", perm(2026, 12, 1, 10, 0), perm(2026, 12, 1, 10, 0))
    a2 = marked("boris", perm(2026, 11, 27, 12, 0), perm(2026, 12, 1, 23, 59))
    a3 = marked("anna", perm(2026, 11, 30, 10, 0), perm(2026, 12, 2, 0, 1))
    a4 = marked("boris", perm(2026, 10, 1, 10, 0), perm(2026, 10, 1, 10, 0))
    answer(desk, a1, perm(2026, 12, 2, 12, 0))
    with at(perm(2026, 12, 2, 10, 0)):
        extend_legal_deadline(desk["chief"], _load(a3.id), 10, "ждём ответ из Бриндизи")
        db.session.commit()
    return a1, a2, a3, a4


def test_appeal_figures_either_side_of_perm_midnight(desk, appeals):
    now = perm(2026, 12, 10, 12, 0)
    dec1 = refreshed(DEC1, Filters(), now=now)["appeals"]
    assert dec1 == {"registered": 2, "registered_in_3_days": 1, "answered": 0, "answered_in_time": 0,
                    "answered_in_time_share": None, "extended": 0, "overdue": 1}
    dec2 = refreshed(DEC2, Filters(), now=now)["appeals"]
    assert dec2 == {"registered": 1, "registered_in_3_days": 1, "answered": 1, "answered_in_time": 1,
                    "answered_in_time_share": 1.0, "extended": 1, "overdue": 1}
    boris = refreshed(DEC1, parse_filters({"coordinator": "boris"}), now=now)["appeals"]
    assert (boris["registered"], boris["registered_in_3_days"], boris["overdue"]) == (1, 0, 1)


def test_the_inbox_filters_formal_appeals(app, client, login_as, db, desk, appeals):
    a1, a2, a3, a4 = appeals
    login_as("supervisor")
    plain = enquiry_for(desk, "anna", perm(2026, 12, 1, 9, 0))
    page = client.get("/enquiries/?view=all&appeals=1").get_data(as_text=True)
    assert _load(a3.id).reference in page and _load(plain.id).reference not in page
    assert _load(a1.id).reference not in page  # answered: no longer in the inbox
    assert "59-ФЗ" in page
    assert _load(plain.id).reference in client.get("/enquiries/?view=all").get_data(as_text=True)


def test_the_department_report_of_appeals(app, client, login_as, api, desk, appeals):
    import csv
    import io

    a1, a2, a3, a4 = appeals
    login_as("supervisor")
    response = client.get("/stats/appeals.csv?from=2026-12-01&to=2026-12-03")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    by_ref = {row[0]: row for row in rows[1:]}
    assert list(by_ref) == [_load(a.id).reference for a in (a1, a2, a3)]  # by registration
    assert by_ref[_load(a2.id).reference][3:5] == ["01.12.2026 23:59", "нет"]
    assert by_ref[_load(a3.id).reference][4:8] == ["да", "11.01.2027 00:01", "10", "ждём ответ из Бриндизи"]
    assert by_ref[_load(a1.id).reference][8:10] == ["02.12.2026 12:00", "да"]
    assert client.get("/stats/appeals.xlsx?from=2026-12-01&to=2026-12-03").status_code == 200
    assert client.get("/stats/appeals.pdf?from=2026-12-01&to=2026-12-03").status_code == 404
    refresh()
    with at(perm(2026, 12, 10, 12, 0)):
        body = api("supervisor").get("/api/v1/stats?from=2026-12-02&to=2026-12-03").get_json()
    assert body["appeals"]["extended"] == 1 and body["appeals"]["answered_in_time"] == 1


# --- FAQ curation ----------------------------------------------------------------------------


def faq_entry(question: str, topic_code: str = "youth"):
    from hotline.extensions import db
    from hotline.models import FaqEntry, FaqStatus

    entry = FaqEntry(question=question, answer="Ответ из базы знаний.", topic_id=topic(topic_code).id,
                     status=FaqStatus.PUBLISHED, language="ru")
    db.session.add(entry)
    db.session.commit()
    return entry


def routed_call(desk, question: str, moment: datetime, topic_code: str = "youth"):
    from hotline.extensions import db

    with at(moment):
        e = make_enquiry(desk["op"], topic_code=topic_code, question=question)
        db.session.commit()
    return _load(e.id).call


def feedback_on(e: Enquiry, verdict, moment: datetime) -> None:
    from hotline.extensions import db
    from hotline.models import Delivery, DeliveryStatus, Feedback, ReplyChannel

    enquiry = _load(e.id)
    delivery = Delivery(enquiry_id=enquiry.id, channel=ReplyChannel.EMAIL, status=DeliveryStatus.SENT,
                        answered_by_id=enquiry.assignee_id, answered_at=enquiry.answered_at)
    db.session.add(delivery)
    db.session.flush()
    db.session.add(Feedback(delivery_id=delivery.id, enquiry_id=enquiry.id, verdict=verdict,
                            coordinator_id=enquiry.assignee_id, topic_id=enquiry.topic_id, created_at=moment))
    db.session.commit()


@pytest.fixture
def curation(desk, db):
    """F1 (youth) matches two routed calls, at 23:59 on 1 December and 00:01 on 2 December (Perm);
    F2 (media) one on 2 December; a routed call nothing matches; F3 is never used. Two enquiries
    answered from F1: residents found one helpful (1 Dec 23:59), one not (2 Dec 00:01)."""
    from hotline.models import FeedbackVerdict

    f1 = faq_entry("Как попасть в молодёжный обмен с Дуйсбургом?")
    f2 = faq_entry("Как подписаться на бюллетень «Побратимы»?", "media")
    f3 = faq_entry("Когда откроется приём заявок в летний лагерь в Оксфорде?")
    c1 = routed_call(desk, "Как попасть в молодёжный обмен с Дуйсбургом?", perm(2026, 12, 1, 23, 59))
    c2 = routed_call(desk, "как попасть в молодёжный обмен с Дуйсбургом", perm(2026, 12, 2, 0, 1))
    c3 = routed_call(desk, "Как подписаться на бюллетень «Побратимы»?", perm(2026, 12, 2, 10, 0), "media")
    c4 = routed_call(desk, "Сколько стоит парковка у вокзала Перми-II", perm(2026, 12, 2, 11, 0))
    other = "Можно ли приехать с собакой на фестиваль в Луисвилле?"  # nothing published matches
    helped = enquiry_for(desk, "anna", perm(2026, 12, 1, 10, 0), question=other)
    failed = enquiry_for(desk, "anna", perm(2026, 12, 1, 11, 0), question=other)
    for e, moment in ((helped, perm(2026, 12, 1, 12, 0)), (failed, perm(2026, 12, 1, 13, 0))):
        with at(moment):
            answer_enquiry(desk["anna"], _load(e.id), "Ответ из базы знаний.", [f1.id])
            db.session.commit()
    feedback_on(helped, FeedbackVerdict.HELPFUL, perm(2026, 12, 1, 23, 59))
    feedback_on(failed, FeedbackVerdict.NOT_HELPFUL, perm(2026, 12, 2, 0, 1))
    return (f1, f2, f3), (c1, c2, c3, c4)


def test_every_routed_call_is_matched_once_by_the_worker_not_at_intake(app, db, desk, curation):
    from hotline.faq.usage import record_routed_matches
    from hotline.models import Call

    (f1, f2, _f3), calls = curation
    assert all(db.session.get(Call, c.id).faq_checked_at is None for c in calls)  # intake did not search
    with at(perm(2026, 12, 2, 11, 1)):
        assert record_routed_matches() == 4 + 2  # and the two enquiries the answers came from
        db.session.commit()
        assert record_routed_matches() == 0
    db.session.expire_all()
    assert [db.session.get(Call, c.id).faq_match_id for c in calls] == [f1.id, f1.id, f2.id, None]


def test_faq_curation_figures_either_side_of_perm_midnight(app, db, desk, curation):
    from hotline.faq.usage import record_routed_matches

    (f1, f2, f3), _calls = curation
    with at(perm(2026, 12, 2, 11, 1)):
        record_routed_matches()
        db.session.commit()
    now = perm(2026, 12, 3, 12, 0)
    dec1 = refreshed(DEC1, Filters(), now=now)["faq"]
    # the two enquiries answered from F1 were routed on 1 December too: their question matches nothing
    assert dec1["routed_despite_match"] == {
        "total": 1, "by_entry": [{"id": f1.id, "question": f1.question, "calls": 1}], "by_topic": {"youth": 1}}
    assert dec1["unhelpful"] == []  # 1 December's verdict was "helpful"
    assert f3.id in dec1["never_used"] and f1.id not in dec1["never_used"]
    dec2 = refreshed(DEC2, Filters(), now=now)["faq"]
    assert dec2["routed_despite_match"]["total"] == 2
    assert sorted((r["id"], r["calls"]) for r in dec2["routed_despite_match"]["by_entry"]) == \
        sorted([(f1.id, 1), (f2.id, 1)])
    assert dec2["routed_despite_match"]["by_topic"] == {"media": 1, "youth": 1}
    assert dec2["unhelpful"] == [{"id": f1.id, "question": f1.question, "not_helpful": 1, "responses": 1}]
    media = refreshed(DEC2, parse_filters({"topic": "media"}), now=now)["faq"]
    assert media["routed_despite_match"]["total"] == 1 and media["unhelpful"] == []
    with app.test_request_context():
        tables = build_tables(refreshed(DEC2, Filters(), now=now))
    assert tables["faq_unhelpful"].rows == [[f1.id, f1.question, 1, 1]]
    assert sorted(row[1] for row in tables["faq_routed_by_topic"].rows) == [1, 1]
