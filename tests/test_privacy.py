"""Residents' personal data (SPEC 10): the supervisors' search, export and erasure on request,
the nightly retention run, and the statistics that must not change when data is anonymised."""
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from hotline.calls.service import log_call
from hotline.enquiries import workflow
from hotline.enquiries.routing import route_enquiry
from hotline.models import AuditEntry, Call, Caller, Enquiry, EnquiryEvent, EnquiryNote, EnquiryStatus, utcnow
from hotline.privacy.retention import apply_retention, run_retention, schedule_retention
from hotline.timefmt import to_local

from .factories import PASSWORD, call_payload, count, make_coordinator, make_user

LONG_AGO = datetime(2019, 3, 4, 7, 0, tzinfo=timezone.utc)  # well beyond five years before today


def answered_enquiry(operator, coordinator, phone="+73422124486", name="Анна Соколова", started_at=None,
                     close=True):
    """A routed call, assigned, with a note and an answer (and closed): every free text there is."""
    payload = call_payload(caller={"name": name, "phone": phone, "email": f"{phone[-4:]}@example.org"},
                           question=f"Вопрос {name} о стажировке в Оксфорде")
    if started_at:
        payload.update(started_at=started_at.isoformat(), ended_at=(started_at + timedelta(minutes=3)).isoformat())
    enquiry = log_call(operator, payload).enquiry
    route_enquiry(enquiry.id)
    workflow.add_note(coordinator, enquiry, f"{name} просила перезвонить после 18:00")
    workflow.answer_enquiry(coordinator, enquiry, f"{name}, стажировка открыта до 1 марта.")
    if close:
        workflow.close(coordinator, enquiry)
    return enquiry


def backdate(db, enquiry, moment):
    """Move an enquiry, its call and its caller to `moment` (history imported from years ago)."""
    db.session.execute(update(Enquiry).where(Enquiry.id == enquiry.id).values(
        created_at=moment, assigned_at=moment + timedelta(minutes=5), answered_at=moment + timedelta(hours=2)))
    db.session.execute(update(Call).where(Call.id == enquiry.call_id).values(started_at=moment))
    db.session.execute(update(Caller).where(Caller.id == enquiry.caller_id).values(created_at=moment))


@pytest.fixture
def desk(db, reference):
    operator = make_user("operator")
    coordinator = make_coordinator(topics=("youth",))
    db.session.commit()
    return operator, coordinator


def stats_for(api_client, start="2019-03-01", end="2019-04-01"):
    response = api_client.get(f"/api/v1/stats?from={start}&to={end}")
    assert response.status_code == 200
    return response.get_json()


# --- who may open it -------------------------------------------------------------------------

@pytest.mark.parametrize("role,allowed", [("operator", False), ("coordinator", False), ("supervisor", True),
                                          ("admin", True)])
def test_only_supervisors_and_admins_handle_data_requests(client, login_as, db, desk, role, allowed):
    caller_id = answered_enquiry(*desk).caller_id
    db.session.commit()
    assert client.get("/privacy/").status_code == 302  # not signed in: to the login page
    login_as(role)
    for method, url in [("GET", "/privacy/?q=Анна"), ("GET", f"/privacy/callers/{caller_id}"),
                        ("GET", f"/privacy/callers/{caller_id}/export.json"),
                        ("POST", f"/privacy/callers/{caller_id}/erase")]:
        status = client.open(url, method=method, data={}).status_code
        assert (status != 403) is allowed, (method, url, status)
    nav = client.get("/calls/").get_data(as_text=True)
    assert ('href="/privacy/"' in nav) is allowed


# --- finding, reading, exporting -------------------------------------------------------------

def test_a_caller_is_found_by_any_way_of_typing_the_phone_by_email_and_by_name(client, login_as, db, desk):
    answered_enquiry(*desk, name="Анна Соколова")
    answered_enquiry(*desk, phone="+73422000000", name="Пётр Иванов")
    db.session.commit()
    login_as("supervisor")
    for query in ("8 (342) 212-44-86", "+7 342 2124486", "4486@example.org", "Соколова", "анна соколова",
                  "4486@EXAMPLE.org"):
        page = client.get("/privacy/", query_string={"q": query}).get_data(as_text=True)
        assert "Анна Соколова" in page and "Пётр Иванов" not in page, query
    page = client.get("/privacy/", query_string={"q": "Сидоров"}).get_data(as_text=True)
    assert "Сидоров" in page and "Анна" not in page  # «no caller matches»


def test_the_caller_page_and_the_export_hold_everything_and_are_audited(client, login_as, db, desk):
    enquiry = answered_enquiry(*desk)
    db.session.commit()
    supervisor = login_as("supervisor")
    page = client.get(f"/privacy/callers/{enquiry.caller_id}").get_data(as_text=True)
    assert enquiry.reference in page and "стажировке в Оксфорде" in page
    response = client.get(f"/privacy/callers/{enquiry.caller_id}/export.json")
    assert response.status_code == 200
    assert f"caller-{enquiry.caller_id}.json" in response.headers["Content-Disposition"]
    record = json.loads(response.get_data(as_text=True))
    assert record["caller"]["phone"] == "+73422124486" and record["caller"]["name"] == "Анна Соколова"
    assert [c["question"] for c in record["calls"]] == ["Вопрос Анна Соколова о стажировке в Оксфорде"]
    assert record["enquiries"][0]["reference"] == enquiry.reference
    assert record["enquiries"][0]["answer"].startswith("Анна Соколова, стажировка")
    assert [e["kind"] for e in record["enquiries"][0]["trail"]][:2] == ["created", "assigned"]
    assert record["enquiries"][0]["notes"][0]["text"] == "Анна Соколова просила перезвонить после 18:00"
    actions = db.session.execute(select(AuditEntry.action).where(
        AuditEntry.actor_id == supervisor.id, AuditEntry.object_type == "caller",
        AuditEntry.object_id == enquiry.caller_id)).scalars().all()
    assert sorted(actions) == ["export", "read"]


# --- erasure on request ----------------------------------------------------------------------

def test_erasure_blanks_the_caller_and_every_text_and_keeps_the_statistics(client, login_as, api, db, desk):
    operator, coordinator = desk
    enquiry = answered_enquiry(operator, coordinator, started_at=LONG_AGO)
    cancelled = log_call(operator, call_payload(question="Второй вопрос Анны")).enquiry
    route_enquiry(cancelled.id)
    workflow.cancel(operator, cancelled, "Анна сама отозвала вопрос")
    other = answered_enquiry(operator, coordinator, phone="+73422000000", name="Пётр Иванов")
    backdate(db, enquiry, LONG_AGO)
    db.session.commit()
    supervisor_api = api("supervisor")
    before = stats_for(supervisor_api)
    login_as("supervisor")

    response = client.post(f"/privacy/callers/{enquiry.caller_id}/erase",
                           data={"reason": "заявление от 27.11.2026 № 15", "confirm": "yes"})
    assert response.status_code == 302

    caller = db.session.get(Caller, enquiry.caller_id)
    assert (caller.name, caller.phone, caller.email) == ("", None, None) and caller.anonymised_at
    for row in (db.session.get(Enquiry, enquiry.id), db.session.get(Enquiry, cancelled.id)):
        assert (row.question, row.answer, row.cancel_reason) == ("", None, None)
        assert row.call.question == "" and row.call.answer is None
        assert row.status in (EnquiryStatus.CLOSED, EnquiryStatus.CANCELLED)  # the work itself stays
    assert db.session.execute(select(EnquiryNote.body).where(EnquiryNote.enquiry_id == enquiry.id)).scalar() == ""
    reasons = [ev.detail.get("reason") for ev in db.session.execute(
        select(EnquiryEvent).where(EnquiryEvent.enquiry_id == cancelled.id)).scalars()]
    assert "Анна сама отозвала вопрос" not in reasons and "" in reasons
    untouched = db.session.get(Enquiry, other.id)
    assert untouched.question.startswith("Вопрос Пётр") and untouched.caller.phone == "+73422000000"
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "erase")).scalar_one()
    assert entry.object_id == caller.id and entry.detail["reason"] == "заявление от 27.11.2026 № 15"
    assert entry.detail["calls"] == 2 and entry.detail["enquiries"] == 2
    assert stats_for(supervisor_api) == before
    page = client.get(f"/privacy/callers/{caller.id}").get_data(as_text=True)
    assert "Анна" not in page and "Оксфорд" not in page


@pytest.mark.parametrize("form,status,message", [
    ({"reason": "заявление"}, 422, "Tick the box"),
    ({"reason": " ", "confirm": "yes"}, 422, "on what grounds"),
    ({"reason": "з" * 501, "confirm": "yes"}, 422, "at most 500"),
])
def test_erasure_needs_grounds_and_a_confirmation(client, login_as, db, desk, form, status, message):
    enquiry = answered_enquiry(*desk)
    db.session.commit()
    login_as("supervisor", )
    client.post("/lang/en")
    response = client.post(f"/privacy/callers/{enquiry.caller_id}/erase", data=form)
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert db.session.get(Caller, enquiry.caller_id).phone == "+73422124486"
    assert count(db, AuditEntry, AuditEntry.action == "erase") == 0


def test_erasure_waits_for_open_enquiries(client, login_as, db, desk):
    enquiry = answered_enquiry(*desk, close=False)  # answered, not closed: done
    still_open = log_call(desk[0], call_payload(question="Ещё вопрос")).enquiry
    db.session.commit()
    login_as("supervisor")
    page = client.get(f"/privacy/callers/{enquiry.caller_id}").get_data(as_text=True)
    assert still_open.reference in page and 'action="/privacy/callers' not in page  # no erase form
    response = client.post(f"/privacy/callers/{enquiry.caller_id}/erase",
                           data={"reason": "заявление", "confirm": "yes"})
    assert response.status_code == 409 and still_open.reference in response.get_data(as_text=True)
    assert db.session.get(Enquiry, still_open.id).question == "Ещё вопрос"
    assert db.session.get(Caller, enquiry.caller_id).anonymised_at is None


# --- retention -------------------------------------------------------------------------------

def test_retention_anonymises_what_is_older_than_the_period_and_nothing_else(app, api, db, desk):
    operator, coordinator = desk
    old = answered_enquiry(operator, coordinator, started_at=LONG_AGO)
    backdate(db, old, LONG_AGO)
    # An old caller who called again lately: their card stays, their old texts go.
    returning = answered_enquiry(operator, coordinator, phone="+73422000000", name="Пётр", started_at=LONG_AGO)
    backdate(db, returning, LONG_AGO)
    recent = answered_enquiry(operator, coordinator, phone="+73422000000", name="Пётр")
    # An old question still open: kept whole until it is closed.
    waiting = log_call(operator, call_payload(caller={"name": "Ольга", "phone": "+73422999999"},
                                              question="Старый вопрос Ольги",
                                              started_at=LONG_AGO.isoformat())).enquiry
    backdate(db, waiting, LONG_AGO)
    db.session.commit()
    supervisor_api = api("supervisor")
    before = stats_for(supervisor_api)

    done = run_retention(limit=1)  # one row of each kind per transaction: the loop must go on
    assert (done.callers, done.calls, done.enquiries) == (1, 2, 2)

    assert db.session.get(Caller, old.caller_id).phone is None
    assert db.session.get(Enquiry, old.id).question == "" and db.session.get(Enquiry, old.id).call.question == ""
    assert db.session.get(Caller, returning.caller_id).phone == "+73422000000"
    assert db.session.get(Enquiry, returning.id).answer is None
    assert db.session.get(Enquiry, recent.id).question.startswith("Вопрос Пётр")
    kept = db.session.get(Enquiry, waiting.id)
    assert kept.question == "Старый вопрос Ольги" and kept.caller.phone == "+73422999999"
    assert stats_for(supervisor_api) == before
    assert count(db, AuditEntry, AuditEntry.action == "retention") == 2  # one entry per batch that did work
    assert not apply_retention()  # nothing left


def test_retention_follows_the_configured_period_and_can_be_switched_off(app, db, desk):
    old = answered_enquiry(*desk, started_at=LONG_AGO)
    backdate(db, old, LONG_AGO)
    db.session.commit()
    app.config["RETENTION_DAYS"] = 0
    assert not run_retention()
    app.config["RETENTION_DAYS"] = (utcnow() - LONG_AGO).days + 2  # the data is not old enough
    assert not run_retention()
    app.config["RETENTION_DAYS"] = (utcnow() - LONG_AGO).days - 2
    assert run_retention().callers == 1


def test_retention_command_and_nightly_job(app, db, desk):
    from rq.registry import ScheduledJobRegistry

    from hotline.jobs import apply_retention as job
    from hotline.queue import get_queue

    old = answered_enquiry(*desk, started_at=LONG_AGO)
    backdate(db, old, LONG_AGO)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["retention"])
    assert result.exit_code == 0 and "1 callers, 1 calls, 1 enquiries" in result.output
    assert job() == {"callers": 0, "calls": 0, "enquiries": 0, "audit_entries": 0}
    registry = ScheduledJobRegistry(queue=get_queue())
    scheduled = [j for j in registry.get_job_ids() if j.startswith("retention-")]
    assert len(scheduled) == 1  # the job scheduled the next night
    schedule_retention()
    schedule_retention()
    assert [j for j in registry.get_job_ids() if j.startswith("retention-")] == scheduled


def test_the_next_run_is_at_three_in_the_morning_perm_time(app, db):
    from rq.registry import ScheduledJobRegistry

    from hotline.queue import get_queue

    schedule_retention(now=datetime(2026, 11, 27, 23, 30, tzinfo=timezone.utc))  # 04:30 on the 28th in Perm
    registry = ScheduledJobRegistry(queue=get_queue())
    assert registry.get_job_ids() == ["retention-2026-11-29"]
    at = registry.get_scheduled_time("retention-2026-11-29")
    assert at.replace(tzinfo=timezone.utc) == datetime(2026, 11, 28, 22, 0, tzinfo=timezone.utc)


def test_a_text_only_update_leaves_the_statistics_days_alone(app, db, desk):
    """Erasure and retention blank texts: the statistics' change log (written by the database's
    triggers) does not hear of it, while a change of a counted column is noted for its day."""
    from hotline.models import StatsChange
    from hotline.stats.daily import local_day, refresh

    def noted() -> set:
        return {local_day(at) for at in db.session.execute(select(StatsChange.at)).scalars()}

    moment = utcnow() - timedelta(days=40)
    old = answered_enquiry(*desk, started_at=moment)
    backdate(db, old, moment)
    db.session.commit()
    assert to_local(moment).date() in noted()
    refresh()
    assert noted() == set()
    db.session.execute(update(Call).where(Call.id == old.call_id).values(question="", answer=None))
    db.session.execute(update(Enquiry).where(Enquiry.id == old.id).values(question=""))
    db.session.commit()
    assert noted() == set()
    db.session.execute(update(Call).where(Call.id == old.call_id).values(topic_id=old.topic_id))  # counted
    db.session.commit()
    assert to_local(moment).date() in noted()
