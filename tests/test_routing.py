"""Routing through RQ (SPEC 5.2, 6): the choice of coordinator, idempotency, the sweep, absences,
and a worker killed in the middle of a burst."""
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from hotline.enquiries.routing import route_enquiry, sweep
from hotline.models import (
    Absence, Enquiry, EnquiryEvent, EnquiryStatus, Notification, RoutingRule, User, utcnow,
)
from hotline.queue import get_queue
from hotline.timefmt import to_local

from .factories import make_coordinator, make_enquiry, make_user, topic
from .jobs import run_jobs

ROOT = Path(__file__).resolve().parent.parent


def open_load(db, user):
    return db.session.execute(select(func.count(Enquiry.id)).where(
        Enquiry.assignee_id == user.id, Enquiry.status == EnquiryStatus.ASSIGNED)).scalar()


def test_the_least_loaded_present_coordinator_gets_it(app, db, reference):
    busy, free = make_coordinator(login="busy"), make_coordinator(login="free")
    for _ in range(2):
        e = make_enquiry()
        db.session.commit()
        route_enquiry(e.id)  # the first goes to one of them, the second to the other…
    db.session.commit()
    e = make_enquiry()
    db.session.flush()
    # …so make `busy` busier by hand and check the next goes to `free`.
    extra = make_enquiry()
    db.session.execute(Enquiry.__table__.update().where(Enquiry.id == extra.id).values(
        status=EnquiryStatus.ASSIGNED, assignee_id=busy.id))
    db.session.commit()
    assert route_enquiry(e.id) == "assigned:free"
    db.session.commit()
    assert db.session.get(Enquiry, e.id).assignee_id == free.id
    assert db.session.get(Enquiry, e.id).assigned_at is not None


def test_ties_go_to_the_one_assigned_longest_ago(app, db, reference):
    a, b = make_coordinator(login="anna"), make_coordinator(login="boris")
    a.last_assigned_at = utcnow() - timedelta(hours=1)
    b.last_assigned_at = utcnow() - timedelta(hours=3)
    e = make_enquiry()
    db.session.commit()
    assert route_enquiry(e.id) == "assigned:boris"
    db.session.commit()
    e2 = make_enquiry()
    db.session.commit()
    # boris now has one open and anna none: anna is less loaded
    assert route_enquiry(e2.id) == "assigned:anna"


def test_absent_coordinators_are_skipped(app, db, reference):
    away, present = make_coordinator(login="away"), make_coordinator(login="present")
    today = to_local(utcnow()).date()
    db.session.add(Absence(user_id=away.id, starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=3)))
    away.last_assigned_at = None
    present.last_assigned_at = utcnow()  # the tie-break would prefer `away`
    e = make_enquiry()
    db.session.commit()
    assert route_enquiry(e.id) == "assigned:present"


def test_city_rules_and_narrowed_coordinators(app, db, reference):
    general = make_coordinator(login="general")
    duisburg = make_coordinator(login="duisburg-only", cities=("duisburg",))
    general.last_assigned_at = utcnow()  # tie-break prefers the Duisburg coordinator
    e_oxford = make_enquiry(city_code="oxford")
    e_duisburg = make_enquiry(city_code="duisburg")
    db.session.commit()
    assert route_enquiry(e_oxford.id) == "assigned:general"  # the narrowed one does not take Oxford
    db.session.commit()
    assert route_enquiry(e_duisburg.id) == "assigned:duisburg-only"


def test_no_rule_leaves_it_visibly_unrouted_and_tells_supervisors(app, db, reference):
    supervisor = make_user("supervisor")
    db.session.execute(RoutingRule.__table__.delete().where(RoutingRule.topic_id == topic("archives").id))
    e = make_enquiry(topic_code="archives")
    db.session.commit()
    assert route_enquiry(e.id) == "unrouted:no-rule"
    db.session.commit()
    e = db.session.get(Enquiry, e.id)
    assert e.status is EnquiryStatus.NEW and e.unrouted_at is not None and e.unrouted_reason == "no-rule"
    note = db.session.execute(select(Notification).where(Notification.user_id == supervisor.id)).scalar_one()
    assert note.kind == "unrouted"
    assert route_enquiry(e.id) == "still-unrouted"  # tried again: no second notification
    db.session.commit()
    assert db.session.execute(select(func.count(Notification.id))).scalar() == 1


def test_nobody_present_is_unrouted_until_someone_is(app, db, reference):
    coordinator = make_coordinator(topics=("media",))
    today = to_local(utcnow()).date()
    absence = Absence(user_id=coordinator.id, starts_on=today, ends_on=today)
    db.session.add(absence)
    e = make_enquiry(topic_code="media")
    db.session.commit()
    assert route_enquiry(e.id) == "unrouted:no-coordinator-present"
    db.session.delete(absence)
    db.session.commit()
    assert route_enquiry(e.id) == f"assigned:{coordinator.login}"


def test_the_job_run_twice_assigns_once(app, db, reference):
    make_coordinator()
    e = make_enquiry()
    db.session.commit()
    get_queue().enqueue("hotline.jobs.route_enquiry", e.id)  # a duplicate beside the after-commit one
    run_jobs(app, with_scheduler=False)
    events = db.session.execute(select(EnquiryEvent.kind).where(EnquiryEvent.enquiry_id == e.id)).scalars().all()
    assert events.count("assigned") == 1
    assert db.session.get(Enquiry, e.id).status is EnquiryStatus.ASSIGNED


def test_two_workers_racing_assign_once(app, db, reference):
    make_coordinator(login="c1"), make_coordinator(login="c2")
    enquiries = [make_enquiry() for _ in range(20)]
    db.session.commit()
    ids = [e.id for e in enquiries]
    results: list[str] = []
    barrier = threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait()
            for enquiry_id in ids:
                results.append(route_enquiry(enquiry_id))
                db.session.commit()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assigned = [r for r in results if r.startswith("assigned:")]
    assert len(assigned) == 20 and len(results) == 40
    rows = db.session.execute(select(EnquiryEvent.enquiry_id).where(EnquiryEvent.kind == "assigned")).scalars().all()
    assert sorted(rows) == sorted(ids)


def test_redis_down_at_save_then_the_sweep_assigns(app, db, api, reference, monkeypatch):
    make_coordinator()
    operator = api("operator")
    real_url = app.config["REDIS_URL"]
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.extensions, "hotline.redis", None)
    response = operator.post("/api/v1/calls", json={"topic": "youth", "outcome": "routed", "question": "Обмен?"})
    assert response.status_code == 201
    enquiry_id = response.get_json()["enquiry"]["id"]
    # Redis is back.
    monkeypatch.setitem(app.config, "REDIS_URL", real_url)
    monkeypatch.setitem(app.extensions, "hotline.redis", None)
    monkeypatch.setitem(app.config, "SWEEP_AFTER_SECONDS", 0)
    assert get_queue().count == 0
    assert sweep() == 1
    run_jobs(app, with_scheduler=False)
    assert db.session.get(Enquiry, enquiry_id).status is EnquiryStatus.ASSIGNED


def test_periodic_sweep_keeps_one_job_per_slot(app, db):
    from hotline.enquiries.routing import schedule_periodic_sweep
    from rq.registry import ScheduledJobRegistry

    now = utcnow()
    schedule_periodic_sweep(now)
    schedule_periodic_sweep(now)  # a second worker starting at the same moment
    registry = ScheduledJobRegistry(queue=get_queue())
    assert len([j for j in registry.get_job_ids() if j.startswith("sweep-")]) == 1


def test_absence_today_releases_open_enquiries_for_rerouting(app, db, reference):
    from hotline.enquiries.routing import absence_recorded

    leaving, staying = make_coordinator(login="leaving"), make_coordinator(login="staying")
    e = make_enquiry()
    db.session.commit()
    db.session.execute(Enquiry.__table__.update().where(Enquiry.id == e.id).values(
        status=EnquiryStatus.ASSIGNED, assignee_id=leaving.id))
    today = to_local(utcnow()).date()
    absence = Absence(user_id=leaving.id, starts_on=today, ends_on=today + timedelta(days=7))
    db.session.add(absence)
    db.session.flush()
    absence_recorded(absence)
    run_jobs(app, with_scheduler=False)
    e = db.session.get(Enquiry, e.id)
    assert e.status is EnquiryStatus.ASSIGNED and e.assignee_id == staying.id
    kinds = [ev.kind for ev in e.events]
    assert "released" in kinds and kinds[-1] == "assigned"


def test_a_killed_worker_loses_nothing(app, db, reference, database_url, redis_url):
    """200 routed calls; the worker is SIGKILLed mid-burst; a new worker finishes: all assigned once."""
    for i in range(4):
        make_coordinator(login=f"k{i}")
    operator = make_user("operator")
    for _ in range(200):
        make_enquiry(operator)
        db.session.commit()
    # The replacement's start-up sweep must see these fresh enquiries at once (in production it
    # waits SWEEP_AFTER_SECONDS, and the periodic sweep follows once RQ's scheduler lock of the
    # dead worker has expired, within about a minute).
    env = {**os.environ, "HOTLINE_CONFIG": "testing", "TEST_DATABASE_URL": database_url,
           "TEST_REDIS_URL": redis_url, "STALE_JOB_SECONDS": "1", "SWEEP_AFTER_SECONDS": "0",
           "LOG_LEVEL": "WARNING"}
    if env.get("TEST_DATABASE_URL", "").startswith("sqlite:///"):
        env["DATABASE_URL"] = database_url

    def assigned() -> int:
        count = db.session.execute(select(func.count(Enquiry.id)).where(
            Enquiry.status == EnquiryStatus.ASSIGNED)).scalar()
        db.session.commit()  # never sit on SQLite's write lock between polls
        return count

    # Each worker in its own process group: SIGKILL takes its scheduler process down with it.
    first = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while assigned() < 30 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    done_before = assigned()
    assert 0 < done_before < 200, "the kill should land in the middle of the burst"
    # The replacement starts after STALE_JOB_SECONDS, as a restarted service would: its start-up
    # sweep then re-sends the job that was running when the first worker died.
    time.sleep(1.5)
    second = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while assigned() < 200 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(15)
    assert assigned() == 200
    per_enquiry = db.session.execute(
        select(EnquiryEvent.enquiry_id, func.count()).where(EnquiryEvent.kind == "assigned")
        .group_by(EnquiryEvent.enquiry_id)).all()
    assert len(per_enquiry) == 200 and all(n == 1 for _, n in per_enquiry)
