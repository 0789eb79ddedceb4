"""Demo traffic (issue 12): the plan is realistic (Poisson arrivals, a queue in front of the
operators, nobody on two calls at once, a share of abandons), `cti simulate` plays it into the
endpoint over HTTP, and the demo seed has weeks of telephony history."""
from __future__ import annotations

import threading

from sqlalchemy import func, select
from werkzeug.serving import make_server

from hotline.models import CallbackKind, CallbackStatus, CallbackTask, CtiEvent, TelephonyCall
from hotline.telephony.simulation import events, plan

from .factories import count, make_user


def test_plan_queues_callers_for_free_operators_and_some_give_up():
    calls = plan(400, 0.01, ["101", "102", "103"], seed=7)  # 1.5 erlangs on three operators
    gaps = [b.rang - a.rang for a, b in zip(calls, calls[1:])]
    assert 80 < sum(gaps) / len(gaps) < 120  # mean inter-arrival ≈ 1 / rate
    answered = [c for c in calls if c.answered is not None]
    abandoned = [c for c in calls if c.answered is None and c.cause != "forwarded"]
    assert 0.02 < len(abandoned) / len(calls) < 0.4 and answered
    for extension in ("101", "102", "103"):
        mine = sorted((c.answered, c.ended) for c in answered if c.extension == extension)
        assert all(end <= next_start for (_s, end), (next_start, _e) in zip(mine, mine[1:]))  # one call at a time
    assert all(c.rang < c.answered < c.ended for c in answered)
    stream = events(calls)
    assert [at for at, _ in stream] == sorted(at for at, _ in stream)
    assert len(stream) == 2 * len(calls) + len(answered)


def test_simulate_plays_traffic_into_the_endpoint(app, db):
    operator = make_user("operator", login="sim-op")
    operator.extension = "101"
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = app.test_cli_runner().invoke(args=["cti", "simulate", "--calls", "6", "--rate", "20", "--talk", "0.3",
                                                    "--url", f"http://127.0.0.1:{server.server_port}"])
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert count(db, TelephonyCall) == 6
    events_sent = int(result.output.split("sent ")[1].split(" of")[0])
    assert count(db, CtiEvent) == events_sent
    assert db.session.execute(select(func.count()).select_from(TelephonyCall).where(
        TelephonyCall.ended_at.is_(None))).scalar() == 0


def test_demo_seed_has_weeks_of_telephony_and_todays_missed_calls_wait(app, db):
    from hotline.seed.demo import seed_demo

    seed_demo(calls_days=6, calls_per_day=5)
    db.session.commit()
    days = db.session.execute(select(func.count(func.distinct(func.date(TelephonyCall.rang_at))))).scalar()
    assert days >= 5 and count(db, TelephonyCall) > 200
    assert db.session.execute(select(func.count()).select_from(TelephonyCall).where(
        TelephonyCall.answered_by_id.is_not(None))).scalar() > 100
    from datetime import datetime

    from hotline.models import utcnow
    from hotline.timefmt import local_zone

    today = datetime.combine(utcnow().astimezone(local_zone()).date(), datetime.min.time(), tzinfo=local_zone())
    missed = db.session.execute(select(CallbackTask).where(CallbackTask.kind == CallbackKind.MISSED_CALL)).scalars().all()
    assert len(missed) > 5
    assert all((t.status is CallbackStatus.OPEN) == (t.created_at >= today) for t in missed)  # earlier: called back
    assert seed_demo(calls_days=6, calls_per_day=5)["telephony_calls"] == 0  # idempotent
