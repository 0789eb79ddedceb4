"""Business-hours arithmetic and the deadline watch (warning at 80 %, escalation at breach), with
time travel and an emptied Redis; the 59-FZ legal deadline."""
import threading
import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from hotline.errors import Conflict, ValidationFailed
from hotline.models import CalendarDay, Enquiry, Notification, SlaPolicy
from hotline.queue import get_redis
from hotline.sla.calendar import BusinessCalendar
from hotline.enquiries.appeals import extend_legal_deadline, mark_formal_appeal
from hotline.sla.watch import SlaState, sla_state, watch_deadlines

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


@pytest.mark.parametrize("end,hours,expected", [
    (perm(2026, 11, 25, 12, 0), 2, perm(2026, 11, 25, 10, 0)),          # within a day
    (perm(2026, 11, 26, 10, 0), 2, perm(2026, 11, 25, 17, 0)),          # across the night
    (perm(2026, 11, 30, 9, 30), 1, perm(2026, 11, 27, 17, 30)),         # Monday → Friday
    (perm(2026, 11, 29, 12, 0), 9, perm(2026, 11, 27, 9, 0)),           # from a Sunday: all of Friday
    (perm(2026, 1, 12, 10, 0), 2, perm(2025, 12, 30, 17, 0)),           # back over the new-year days off
    (perm(2026, 11, 25, 9, 0), 9, perm(2026, 11, 24, 9, 0)),            # a whole day lands on its opening
])
def test_subtracting_business_hours(end, hours, expected):
    assert CAL.subtract_business_hours(end, hours) == expected.astimezone(timezone.utc)
    start = CAL.subtract_business_hours(end, hours)
    assert CAL.business_seconds_between(start, end) == hours * 3600


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


def _kinds(db, user):
    """The answer target's notifications (the first-response target's are tested in test_stats_targets)."""
    db.session.commit()
    return sorted(db.session.execute(select(Notification.kind).where(
        Notification.user_id == user.id, Notification.kind.not_like("first-response-%"))).scalars())


def _watch(app) -> None:
    """One run of the deadline watch as the worker runs it: enqueued and worked."""
    from hotline.queue import enqueue

    enqueue("hotline.jobs.watch_deadlines", retry=False)
    run_jobs(app)


def test_the_watch_warns_and_escalates_from_the_database_once(app, db, reference):
    db.session.add(SlaPolicy(topic_id=topic("youth").id, first_response_hours=1, answer_hours=5))
    coordinator = make_coordinator()
    supervisor = make_user("supervisor")
    db.session.commit()
    start = perm(2026, 12, 1, 10, 0)  # a Tuesday
    with time_machine.travel(start, tick=False):
        e = make_enquiry()
        run_jobs(app)  # routes it
    get_redis().flushdb()  # Redis loses everything between intake and the watch: nothing is missed
    e = db.session.get(Enquiry, e.id)
    assert e.assignee_id == coordinator.id
    warn_at, due_at = e.sla_warn_at, e.due_at
    assert warn_at == perm(2026, 12, 1, 14, 0).astimezone(timezone.utc) and due_at == perm(2026, 12, 1, 15, 0).astimezone(timezone.utc)

    with time_machine.travel(warn_at - timedelta(minutes=1), tick=False):
        _watch(app)
        assert sla_state(e) is SlaState.OK
    assert _kinds(db, coordinator) == ["assigned"]
    assert db.session.get(Enquiry, e.id).sla_warned_at is None
    with time_machine.travel(warn_at + timedelta(seconds=5), tick=False):
        _watch(app)
        _watch(app)  # the next minute's run, or a second worker: told once
        assert sla_state(e) is SlaState.WARNING
    assert _kinds(db, coordinator) == ["assigned", "sla-warning"] and _kinds(db, supervisor) == []
    assert db.session.get(Enquiry, e.id).sla_warned_at == warn_at + timedelta(seconds=5)
    get_redis().flushdb()
    with time_machine.travel(due_at + timedelta(seconds=5), tick=False):
        _watch(app)
        assert sla_state(e) is SlaState.BREACHED
    assert _kinds(db, supervisor) == ["sla-breach"]
    assert _kinds(db, coordinator) == ["assigned", "sla-breach", "sla-warning"]
    with time_machine.travel(due_at + timedelta(minutes=1), tick=False):
        _watch(app)
    assert _kinds(db, supervisor) == ["sla-breach"]
    e = db.session.get(Enquiry, e.id)
    assert e.sla_breached_at == due_at + timedelta(seconds=5)
    assert [ev.kind for ev in e.events].count("breached") == 1


def test_a_warning_found_after_the_deadline_is_left_to_the_breach(app, db, reference):
    """An enquiry assigned only after its due time (nobody was present): one escalation, no
    belated "close to its deadline"."""
    coordinator = make_coordinator()
    supervisor = make_user("supervisor")
    with time_machine.travel(perm(2026, 12, 1, 10, 0), tick=False):
        e = make_enquiry()
        db.session.commit()
    with time_machine.travel(e.due_at + timedelta(minutes=2), tick=False):
        watch_deadlines()  # still `new`: escalated, nobody to warn yet
        db.session.commit()
        run_jobs(app)      # routed now
        watch_deadlines()
    e = db.session.get(Enquiry, e.id)
    assert e.assignee_id == coordinator.id and e.sla_warned_at is not None
    assert _kinds(db, supervisor) == ["sla-breach"] and _kinds(db, coordinator) == ["assigned"]


def test_two_workers_running_the_watch_at_once_tell_each_enquiry_once(app, db, reference):
    coordinator = make_coordinator()
    supervisor = make_user("supervisor")
    with time_machine.travel(perm(2026, 12, 1, 10, 0), tick=False):
        enquiries = [make_enquiry() for _ in range(3)]
        run_jobs(app)
    moment = db.session.get(Enquiry, enquiries[0].id).due_at + timedelta(minutes=1)
    db.session.commit()  # the test's own session holds nothing while the two run
    results: dict[str, dict] = {}
    first_marked, release = threading.Event(), threading.Event()

    def first():
        with app.app_context():
            results["first"] = watch_deadlines(moment)
            first_marked.set()
            release.wait(10)  # holds its transaction open while the other runs
            db.session.commit()

    def second():
        with app.app_context():
            results["second"] = watch_deadlines(moment)
            db.session.commit()

    one = threading.Thread(target=first)
    one.start()
    assert first_marked.wait(10)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.5)
    release.set()
    one.join(20)
    two.join(20)
    assert {kind: n for kind, n in results["first"].items() if n} == {
        "sla-warning": 3, "sla-breach": 3, "first-response-warning": 3, "first-response-breach": 3}
    assert set(results["second"].values()) == {0}
    assert _kinds(db, supervisor) == ["sla-breach"] * 3
    assert _kinds(db, coordinator) == ["assigned"] * 3 + ["sla-breach"] * 3


def test_rq_cron_asks_for_the_watch_every_minute_from_memory(app, db):
    """The worker's cron keeps its schedule in memory: after Redis is emptied the next minute's
    run is asked for all the same."""
    from rq import Queue

    from hotline.workers import deadline_cron

    queue = Queue(app.config["RQ_QUEUE"], connection=get_redis())
    with time_machine.travel(perm(2026, 12, 1, 10, 0), tick=False):
        cron = deadline_cron(get_redis(), app.config["RQ_QUEUE"])
        cron.enqueue_jobs()
        assert [job.func_name for job in queue.get_jobs()] == ["hotline.jobs.watch_deadlines"]
        get_redis().flushdb()
        assert cron.enqueue_jobs() == [] and queue.count == 0   # not yet a minute
    with time_machine.travel(perm(2026, 12, 1, 10, 1, 1), tick=False):
        cron.enqueue_jobs()
        assert [job.func_name for job in queue.get_jobs()] == ["hotline.jobs.watch_deadlines"]
        run_jobs(app)
    assert queue.count == 0


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
    assert e.legal_due_at == e.registered_at + timedelta(days=30)
    with pytest.raises(ValidationFailed):
        extend_legal_deadline(supervisor, e, 31, "много материалов")
    with pytest.raises(ValidationFailed):
        extend_legal_deadline(supervisor, e, 10, "  ")
    extend_legal_deadline(supervisor, e, 20, "нужен ответ партнёров из Циндао")
    assert e.legal_due_at == e.registered_at + timedelta(days=50)
    with pytest.raises(Conflict):
        extend_legal_deadline(supervisor, e, 5, "ещё раз")


def test_the_worker_runs_the_cron_in_a_thread_that_ends_with_it(app, db):
    from rq import Queue

    from hotline.workers import start_deadline_cron

    queue = Queue(app.config["RQ_QUEUE"], connection=get_redis())
    stop = start_deadline_cron(app)
    try:
        deadline = time.monotonic() + 10
        while queue.count == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        while queue.count < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(job.func_name for job in queue.get_jobs()) == [
            "hotline.jobs.match_routed_calls", "hotline.jobs.watch_deadlines"]
    finally:
        stop.set()
    cron = next(t for t in threading.enumerate() if t.name == "deadline-cron") if any(
        t.name == "deadline-cron" for t in threading.enumerate()) else None
    assert cron is None or cron.daemon
