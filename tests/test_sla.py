"""Business-hours arithmetic and the SLA watch jobs (warning at 80 %, escalation at breach), with
time travel; the 59-FZ legal deadline."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from hotline.errors import Conflict, ValidationFailed
from hotline.models import CalendarDay, Enquiry, Notification, SlaPolicy
from hotline.sla.calendar import BusinessCalendar
from hotline.sla.watch import SlaState, extend_legal_deadline, mark_formal_appeal, sla_state

from .factories import make_coordinator, make_enquiry, make_user, topic
from .jobs import run_jobs

PERM = ZoneInfo("Asia/Yekaterinburg")


def perm(*args) -> datetime:
    return datetime(*args, tzinfo=PERM)


CAL = BusinessCalendar()


@pytest.mark.parametrize("start,hours,expected", [
    (perm(2026, 11, 25, 10, 0), 2, perm(2026, 11, 25, 12, 0)),          # within a day
    (perm(2026, 11, 25, 17, 0), 2, perm(2026, 11, 26, 10, 0)),          # across the night
    (perm(2026, 11, 25, 20, 30), 1, perm(2026, 11, 26, 10, 0)),         # saved in the evening
    (perm(2026, 11, 27, 17, 30), 1, perm(2026, 11, 30, 9, 30)),         # Friday → Monday
    (perm(2026, 11, 28, 12, 0), 9, perm(2026, 11, 30, 18, 0)),          # saved on Saturday
    (perm(2025, 12, 30, 17, 0), 2, perm(2026, 1, 12, 10, 0)),           # 31 Dec and 1–9 Jan are days off
    (perm(2026, 11, 3, 17, 0), 2, perm(2026, 11, 5, 10, 0)),            # 4 November, Unity Day
])
def test_adding_business_hours(start, hours, expected):
    assert CAL.add_business_hours(start, hours) == expected.astimezone(timezone.utc)


def test_business_time_between_is_the_inverse():
    start = perm(2026, 11, 27, 16, 0)
    end = CAL.add_business_hours(start, 13)
    assert CAL.business_seconds_between(start, end) == 13 * 3600
    assert CAL.business_seconds_between(end, start) == 0


def test_transferred_days_from_the_admin():
    saturday = date(2026, 12, 5)
    tuesday = date(2026, 12, 8)
    cal = BusinessCalendar(overrides={saturday: True, tuesday: False})
    assert cal.is_working_day(saturday) and not cal.is_working_day(tuesday)
    assert cal.add_business_hours(perm(2026, 12, 4, 17, 0), 2) == perm(2026, 12, 5, 10, 0).astimezone(timezone.utc)
    assert cal.add_business_hours(perm(2026, 12, 7, 17, 0), 2) == perm(2026, 12, 9, 10, 0).astimezone(timezone.utc)
    # the holidays package's own substituted day off (9 January 2026)
    assert not CAL.is_working_day(date(2026, 1, 9))


def test_due_times_follow_the_topic_policy_and_admin_days(app, db, reference):
    db.session.add(SlaPolicy(topic_id=topic("media").id, first_response_hours=1, answer_hours=4))
    db.session.add(CalendarDay(day=date(2026, 12, 2), working=False, note="перенос"))
    db.session.commit()
    with time_machine.travel(perm(2026, 12, 1, 16, 0), tick=False):
        e = make_enquiry(topic_code="media")
    assert e.due_at == perm(2026, 12, 3, 11, 0).astimezone(timezone.utc)          # 2 h Tue + (Wed off) + 2 h Thu
    assert e.sla_warn_at == perm(2026, 12, 3, 10, 12).astimezone(timezone.utc)       # 80 % of 4 h = 3 h 12 min
    assert e.first_response_due_at == perm(2026, 12, 1, 17, 0).astimezone(timezone.utc)


def test_warning_and_breach_jobs_fire_at_the_right_moment(app, db, reference):
    db.session.add(SlaPolicy(topic_id=topic("youth").id, first_response_hours=1, answer_hours=5))
    coordinator = make_coordinator()
    supervisor = make_user("supervisor")
    db.session.commit()
    start = perm(2026, 12, 1, 10, 0)  # a Tuesday
    with time_machine.travel(start, tick=False):
        e = make_enquiry()
        run_jobs(app)  # routes it and schedules the watch jobs
    e = db.session.get(Enquiry, e.id)
    assert e.assignee_id == coordinator.id
    warn_at, due_at = e.sla_warn_at, e.due_at
    assert warn_at == perm(2026, 12, 1, 14, 0).astimezone(timezone.utc) and due_at == perm(2026, 12, 1, 15, 0).astimezone(timezone.utc)

    def kinds(user):
        db.session.commit()
        return sorted(db.session.execute(select(Notification.kind).where(Notification.user_id == user.id)).scalars())

    with time_machine.travel(warn_at - timedelta(minutes=1), tick=False):
        run_jobs(app)
        assert sla_state(e) is SlaState.OK
    assert kinds(coordinator) == ["assigned"]
    with time_machine.travel(warn_at + timedelta(seconds=5), tick=False):
        run_jobs(app)
        assert sla_state(e) is SlaState.WARNING
    assert kinds(coordinator) == ["assigned", "sla-warning"] and kinds(supervisor) == []
    with time_machine.travel(due_at + timedelta(seconds=5), tick=False):
        run_jobs(app)
        assert sla_state(e) is SlaState.BREACHED
    assert kinds(supervisor) == ["sla-breach"]
    assert kinds(coordinator) == ["assigned", "sla-breach", "sla-warning"]
    # re-scheduling (a hand-over) reuses the same job ids: nothing fires twice
    from hotline.sla.watch import schedule_sla_jobs

    schedule_sla_jobs(db.session.get(Enquiry, e.id))
    with time_machine.travel(due_at + timedelta(minutes=1), tick=False):
        run_jobs(app)
    assert kinds(supervisor) == ["sla-breach"]


def test_answered_enquiries_are_not_escalated(app, db, reference):
    from hotline.enquiries.workflow import answer_enquiry

    coordinator = make_coordinator()
    make_user("supervisor")
    start = perm(2026, 12, 1, 10, 0)
    with time_machine.travel(start, tick=False):
        e = make_enquiry()
        run_jobs(app)
        e = db.session.get(Enquiry, e.id)
        answer_enquiry(coordinator, e, "Ответ")
        db.session.commit()
    with time_machine.travel(e.due_at + timedelta(hours=1), tick=False):
        run_jobs(app)
    assert db.session.execute(select(Notification.kind).where(Notification.kind == "sla-breach")).first() is None


def test_formal_appeal_deadline_and_its_single_extension(app, db, reference):
    supervisor = make_user("supervisor")
    e = make_enquiry()
    db.session.flush()
    mark_formal_appeal(supervisor, e)
    assert e.legal_due_at == e.created_at + timedelta(days=30)
    with pytest.raises(ValidationFailed):
        extend_legal_deadline(supervisor, e, 31, "много материалов")
    with pytest.raises(ValidationFailed):
        extend_legal_deadline(supervisor, e, 10, "  ")
    extend_legal_deadline(supervisor, e, 20, "нужен ответ партнёров из Циндао")
    assert e.legal_due_at == e.created_at + timedelta(days=50)
    with pytest.raises(Conflict):
        extend_legal_deadline(supervisor, e, 5, "ещё раз")
