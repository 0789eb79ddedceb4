"""Routing through RQ (SPEC 5.2, 6): the choice of coordinator, idempotency, the sweep, absences,
and a worker killed in the middle of a burst."""
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from rq.job import Job
from rq.registry import ScheduledJobRegistry
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


@pytest.mark.parametrize("batch", [1, 10])
def test_two_workers_racing_assign_once(app, db, reference, monkeypatch, batch):
    monkeypatch.setitem(app.config, "ROUTE_BATCH_SIZE", batch)
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
    assert len(results) == 40
    assert sum(routed_by(result) for result in results) == 20
    rows = db.session.execute(select(EnquiryEvent.enquiry_id).where(EnquiryEvent.kind == "assigned")).scalars().all()
    assert sorted(rows) == sorted(ids)


def routed_by(outcome: str) -> int:
    """How many enquiries a routing outcome says it assigned ("assigned:anna (+4 waiting)" is 5)."""
    match = re.fullmatch(r"(assigned:[\w.-]+|already-routed|unrouted:[\w-]+)(?: \(\+(\d+) waiting\))?", outcome)
    assert match, outcome
    return match.group(1).startswith("assigned:") + int(match.group(2) or 0)


def assignments(db, ids) -> dict:
    rows = db.session.execute(select(Enquiry.id, Enquiry.assignee_id, Enquiry.group_id, Enquiry.status,
                                     Enquiry.unrouted_at).where(Enquiry.id.in_(ids))).all()
    return {row.id: (row.assignee_id, row.group_id, row.status, row.unrouted_at is not None) for row in rows}


def test_a_batch_divides_work_exactly_as_one_job_after_another(app, db, reference, monkeypatch):
    """A backlog routed in one batch ends exactly as routing it enquiry by enquiry would: rules,
    cities, absences, loads and tie-breaks alike; one nobody can take is left to its own job."""
    make_coordinator(login="y1", topics=("youth", "culture")), make_coordinator(login="y2", topics=("youth",))
    make_coordinator(login="oxf", topics=("youth", "culture"), cities=("oxford",))
    away = make_coordinator(login="away", topics=("culture", "business"))
    make_coordinator(login="b1", topics=("business",))
    today = to_local(utcnow()).date()
    db.session.add(Absence(user_id=away.id, starts_on=today, ends_on=today))
    db.session.execute(RoutingRule.__table__.delete().where(RoutingRule.topic_id == topic("archives").id))
    operator = make_user("operator")
    plan = [("youth", None), ("culture", "oxford"), ("business", None), ("youth", "oxford"), ("archives", None),
            ("culture", None), ("youth", "duisburg"), ("business", "qingdao")] * 3
    ids = [make_enquiry(operator, topic_code=t, city_code=c).id for t, c in plan]
    db.session.commit()
    groups = dict(db.session.execute(select(Enquiry.id, Enquiry.group_id).where(Enquiry.id.in_(ids))).all())

    for enquiry_id in ids:  # one job after another
        route_enquiry(enquiry_id)
        db.session.commit()
    one_by_one = assignments(db, ids)
    # Back to the backlog as it was.
    for enquiry_id in ids:
        db.session.execute(Enquiry.__table__.update().where(Enquiry.id == enquiry_id).values(
            status=EnquiryStatus.NEW, assignee_id=None, group_id=groups[enquiry_id], assigned_at=None,
            unrouted_at=None, unrouted_reason=None))
    db.session.execute(EnquiryEvent.__table__.delete())
    db.session.execute(Notification.__table__.delete())
    db.session.execute(User.__table__.update().values(last_assigned_at=None))
    db.session.commit()

    monkeypatch.setitem(app.config, "ROUTE_BATCH_SIZE", 50)
    outcome = route_enquiry(ids[0])
    db.session.commit()
    assert routed_by(outcome) == 21  # 24 less the three archives enquiries
    batched = assignments(db, ids)
    archives = {ids[i] for i, (t, _) in enumerate(plan) if t == "archives"}
    for enquiry_id in archives:  # left for its own job, which says why
        assert batched[enquiry_id] == (None, groups[enquiry_id], EnquiryStatus.NEW, False)
        assert one_by_one[enquiry_id][2:] == (EnquiryStatus.NEW, True)
    assert {i: v for i, v in batched.items() if i not in archives} == \
        {i: v for i, v in one_by_one.items() if i not in archives}
    assert route_enquiry(sorted(archives)[0]) == "unrouted:no-rule"
    assert route_enquiry(ids[1]) == "already-routed"


def test_a_batch_records_what_one_job_records(app, db, reference, monkeypatch):
    """Each enquiry of a batch gets its trail entry and its notification, once; the
    jobs left in the queue for the batched enquiries do nothing."""
    monkeypatch.setitem(app.config, "ROUTE_BATCH_SIZE", 8)
    anna, boris = make_coordinator(login="anna"), make_coordinator(login="boris")
    ids = [make_enquiry().id for _ in range(12)]
    db.session.commit()
    run_jobs(app, with_scheduler=False)
    enquiries = [db.session.get(Enquiry, i) for i in ids]
    assert all(e.status is EnquiryStatus.ASSIGNED and e.assigned_at is not None for e in enquiries)
    assert sorted(Counter(e.assignee_id for e in enquiries).values()) == [6, 6]
    events = db.session.execute(select(EnquiryEvent.enquiry_id, EnquiryEvent.detail)
                                .where(EnquiryEvent.kind == "assigned")).all()
    assert sorted(i for i, _ in events) == ids
    assert all(detail["to"] == {anna.id: "anna", boris.id: "boris"}[db.session.get(Enquiry, i).assignee_id]
               for i, detail in events)
    notes = db.session.execute(select(Notification.enquiry_id, Notification.user_id)
                               .where(Notification.kind == "assigned")).all()
    assert sorted(notes) == sorted((e.id, e.assignee_id) for e in enquiries)
    # no job per enquiry for its deadlines: the deadline watch reads them from the database
    registry = ScheduledJobRegistry(queue=get_queue())
    assert not any(job_id.startswith("sla-") for job_id in registry.get_job_ids())
    assert all(e.sla_warn_at is not None and e.due_at is not None for e in enquiries)
    assert db.session.get(User, anna.id).last_assigned_at is not None


def test_a_batch_takes_the_others_jobs_out_of_the_queue(app, db, reference, monkeypatch):
    """The jobs of enquiries a batch assigned leave the queue, except one a worker already took
    (it runs and finds nothing to do); nothing is withdrawn if the batch rolls back."""
    monkeypatch.setitem(app.config, "ROUTE_BATCH_SIZE", 8)
    make_coordinator()
    ids = [make_enquiry().id for _ in range(12)]
    db.session.commit()
    queue = get_queue()
    assert queue.job_ids == [f"route-{i}" for i in ids]
    redis = queue.connection
    taken = f"route-{ids[3]}"  # as if a worker had just moved it to its intermediate list
    redis.lrem(queue.key, 1, taken)

    route_enquiry(ids[0])
    db.session.rollback()
    assert len(queue.job_ids) == 11  # rolled back: nothing withdrawn

    assert routed_by(route_enquiry(ids[0])) == 8
    db.session.commit()
    withdrawn = [f"route-{i}" for i in ids[1:8] if i != ids[3]]
    assert queue.job_ids == [f"route-{i}" for i in [ids[0], *ids[8:]]]
    for job_id in withdrawn:
        assert not redis.exists(Job.key_for(job_id))
    assert Job.fetch(taken, connection=redis).func_name == "hotline.jobs.route_enquiry"
    run_jobs(app, with_scheduler=False)
    assert all(db.session.get(Enquiry, i).status is EnquiryStatus.ASSIGNED for i in ids)


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
           "ROUTE_BATCH_SIZE": "5", "LOG_LEVEL": "WARNING"}  # batches, as in production
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
