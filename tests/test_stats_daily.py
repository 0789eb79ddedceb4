"""The statistics tables (hotline/stats/daily.py) against the raw rows: random histories of calls
and enquiries around Perm midnight and a month's end, edited late (topic moved, answer moved to
another day, reopened, erased, deleted) after a first refresh; once refreshed again, every count
and sum equals a direct computation over the raw rows and every percentile is within its 1 %.
Plus: the refresh misses nothing a late-committing transaction wrote, the month rows are the sums
of their days, and the job and the command that run it."""
from __future__ import annotations

import math
import threading
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, delete, func, insert, select, text

from hotline.models import (
    DAY, GRAINS, MONTH, Call, CallChannel, CallDay, CallOutcome, DurationDay, Enquiry, EnquiryDay, EnquiryStatus,
    FaqDay, FaqEntry, FaqStatus, FaqUse, StatsChange,
)
from hotline.stats.daily import KEYS, bucket_of, bucket_value, local_day, measures, refresh
from hotline.stats.figures import compute
from hotline.stats.period import Filters, Period, parse_filters

from . import factories

# Perm midnight between Saturday 31 January and Sunday 1 February 2026 (19:00 UTC).
MIDNIGHT = datetime(2026, 1, 31, 19, 0, tzinfo=timezone.utc)
PERIODS = (Period(date(2026, 1, 1), date(2026, 2, 1)),    # January whole: its month rows
           Period(date(2026, 1, 29), date(2026, 2, 4)),   # across the month's end: day rows
           Period(date(2026, 1, 31), date(2026, 2, 1)),   # one day
           Period(date(2026, 1, 28), date(2026, 3, 2)))   # days of January, February's month rows, 1 March
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
ANSWERED = (EnquiryStatus.ANSWERED, EnquiryStatus.CLOSED)

minutes = st.one_of(st.integers(-4 * 1440, 3 * 1440), st.integers(-3, 3))  # near midnight, often
call_st = st.fixed_dictionaries({
    "at": minutes, "seconds": st.one_of(st.none(), st.integers(1, 3600)),
    "outcome": st.sampled_from(list(CallOutcome)), "topic": st.sampled_from(["youth", "business"]),
    "operator": st.sampled_from([0, 1, None]), "channel": st.sampled_from([CallChannel.PHONE, CallChannel.EMAIL]),
    "faq": st.booleans(),
    "enquiry": st.one_of(st.none(), st.fixed_dictionaries({
        "assign_after": st.one_of(st.none(), st.integers(1, 7200)),
        "answer_after": st.one_of(st.none(), st.integers(60, 5 * 1440)),  # minutes
        "business": st.integers(600, 400_000), "due_after": st.integers(60, 5 * 1440),
        "cancelled": st.booleans()})),
})
edit_st = st.tuples(st.sampled_from(["topic", "move_answer", "reopen", "erase", "delete"]),
                    st.integers(0, 1000), st.integers(-2 * 1440, 2 * 1440))


def _clean(db) -> None:
    for model in (FaqUse, Enquiry, Call, CallDay, EnquiryDay, DurationDay, FaqDay):
        db.session.execute(delete(model))
    db.session.execute(delete(StatsChange))
    db.session.commit()


def _write(db, calls, people, entry) -> None:
    for spec in calls:
        started = MIDNIGHT + timedelta(minutes=spec["at"])
        operator = people[spec["operator"]] if spec["operator"] is not None else None
        call = Call(channel=spec["channel"], operator=operator, topic=factories.topic(spec["topic"]), question="Q",
                    outcome=spec["outcome"], started_at=started,
                    ended_at=started + timedelta(seconds=spec["seconds"]) if spec["seconds"] else None)
        db.session.add(call)
        db.session.flush()
        if spec["faq"]:
            db.session.add(FaqUse(entry_id=entry.id, call_id=call.id, used_at=call.ended_at or started))
        e = spec["enquiry"]
        if e is None:
            continue
        created = started + timedelta(seconds=30)
        answered = created + timedelta(minutes=e["answer_after"]) if e["answer_after"] and not e["cancelled"] else None
        status = (EnquiryStatus.CANCELLED if e["cancelled"] else EnquiryStatus.ANSWERED if answered
                  else EnquiryStatus.ASSIGNED if e["assign_after"] else EnquiryStatus.NEW)
        db.session.add(Enquiry(
            reference=f"ЗЛ-2026-{call.id:06d}", call=call, topic_id=call.topic_id, question="Q", status=status,
            created_at=created, assignee_id=people[2].id if e["assign_after"] else None,
            assigned_at=created + timedelta(seconds=e["assign_after"]) if e["assign_after"] else None,
            answered_at=answered, answer_business_seconds=e["business"] if answered else None,
            due_at=created + timedelta(minutes=e["due_after"]),
            cancelled_at=created + timedelta(minutes=1) if e["cancelled"] else None))
    db.session.commit()


def _edit(db, edits) -> None:
    calls = list(db.session.execute(select(Call).order_by(Call.id)).scalars())
    enquiries = list(db.session.execute(select(Enquiry).order_by(Enquiry.id)).scalars())
    deleted: set[int] = set()
    for kind, index, shift in edits:
        if kind == "topic" and calls:
            call = calls[index % len(calls)]
            call.topic = factories.topic("business" if call.topic.code == "youth" else "youth")
        elif kind == "move_answer" and enquiries:
            e = enquiries[index % len(enquiries)]
            if e.answered_at is not None:
                e.answered_at = max(e.created_at, e.answered_at + timedelta(minutes=shift))
        elif kind == "reopen" and enquiries:
            e = enquiries[index % len(enquiries)]
            if e.status is EnquiryStatus.ANSWERED:
                e.status, e.reopened_at = EnquiryStatus.REOPENED, e.answered_at + timedelta(minutes=5)
        elif kind == "erase" and calls:
            calls[index % len(calls)].question = ""
        elif kind == "delete" and calls:
            call = calls[index % len(calls)]
            if call.id not in {e.call_id for e in enquiries} and call.id not in deleted:
                deleted.add(call.id)
                db.session.execute(delete(FaqUse).where(FaqUse.call_id == call.id))
                db.session.delete(call)
    db.session.commit()


def _user(role: str, login: str):
    from hotline.models import User

    found = factories.db.session.execute(select(User).where(User.login == login)).scalar_one_or_none()
    return found or factories.make_user(role, login=login)


def nearest_rank(values: list[float], pct: int) -> float | None:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1] if ordered else None


def direct(period: Period, topic_id: int | None = None) -> dict:
    """The figures computed straight from the raw rows."""
    start, end = period.bounds()
    calls = [c for c in factories.db.session.execute(select(Call)).scalars()
             if start <= c.started_at < end and topic_id in (None, c.topic_id)]
    enquiries = [e for e in factories.db.session.execute(select(Enquiry)).scalars() if topic_id in (None, e.topic_id)]
    topics = dict(factories.db.session.execute(select(Call.id, Call.topic_id)).all())
    outcomes = Counter(c.outcome.value for c in calls)
    ended = [(c.ended_at - c.started_at).total_seconds() for c in calls if c.ended_at]
    created = [e for e in enquiries if start <= e.created_at < end]
    answered = [e for e in enquiries if e.status in ANSWERED and start <= e.answered_at < end]
    # Time to assign belongs to the period of the assignment (each event on its own day), like the
    # time to answer to that of the answer: an enquiry made before midnight and assigned after counts.
    assigned = [(e.assigned_at - e.created_at).total_seconds() for e in enquiries
                if e.assigned_at is not None and start <= e.assigned_at < end]
    days = Counter(local_day(c.started_at).isoformat() for c in calls)
    return {
        "by_topic": Counter(c.topic.code if c.topic else "none" for c in calls),
        "by_city": Counter(c.city.code if c.city else "none" for c in calls),
        "by_channel": Counter(c.channel.value for c in calls),
        "by_operator": Counter(c.operator.login if c.operator else "none" for c in calls),
        "total": len(calls), "by_day": {d.isoformat(): days.get(d.isoformat(), 0) for d in period.day_list()},
        "by_outcome": {name: outcomes.get(name, 0) for name in ("answered", "routed", "info", "dropped")},
        "aht": sum(ended) / len(ended) if ended else None,
        "created": len(created), "cancelled": sum(e.status is EnquiryStatus.CANCELLED for e in created),
        "answered": len(answered),
        "on_time": sum(e.answered_at <= e.due_at for e in answered),
        "answer_median": nearest_rank([e.answer_business_seconds for e in answered], 50),
        "answer_p90": nearest_rank([e.answer_business_seconds for e in answered], 90),
        "assign_median": nearest_rank(assigned, 50),
        "faq_uses": sum(1 for u in factories.db.session.execute(select(FaqUse)).scalars()
                        if start <= u.used_at < end and topic_id in (None, topics.get(u.call_id))),
    }


def assert_figures_match(period: Period, filters: Filters, topic_id: int | None) -> None:
    want, got = direct(period, topic_id), compute(period, filters, now=NOW)
    assert got["calls"]["total"] == want["total"]
    assert got["calls"]["by_day"] == want["by_day"]
    assert got["calls"]["by_outcome"] == want["by_outcome"]
    for name in ("by_topic", "by_city", "by_channel", "by_operator"):
        assert got["calls"][name] == want[name], name
    assert got["aht_seconds"] == (pytest.approx(want["aht"], abs=1e-3) if want["aht"] is not None else None)
    assert (got["enquiries"]["created"], got["enquiries"]["cancelled"], got["enquiries"]["answered"]) == \
        (want["created"], want["cancelled"], want["answered"])
    assert got["sla_compliance"] == (pytest.approx(want["on_time"] / want["answered"]) if want["answered"] else None)
    for name, value in (("median_hours", want["answer_median"]), ("p90_hours", want["answer_p90"])):
        if value is None:
            assert got["time_to_answer"][name] is None
        else:  # within 1 %, and the hours rounded to 4 places
            assert got["time_to_answer"][name] == pytest.approx(value / 3600, rel=0.01, abs=1e-4)
    if want["assign_median"] is None:
        assert got["time_to_assign"]["median_seconds"] is None
    else:
        assert got["time_to_assign"]["median_seconds"] == pytest.approx(want["assign_median"], rel=0.01, abs=1e-3)
    assert sum(row["uses"] for row in got["faq"]["top"]) == want["faq_uses"]


def assert_grains_agree(db) -> None:
    """Every narrow grain holds the same facts as the grain by every dimension, summed its way."""
    for model in (CallDay, EnquiryDay, DurationDay, FaqDay):
        keys = [getattr(model, name) for name in KEYS[model]]
        sums = [func.sum(getattr(model, name)) for name in measures(model)]
        for grains in GRAINS:
            for grain in grains:
                seen = db.session.execute(select(model.day, *keys, *sums).where(model.grain == grain)
                                          .group_by(model.day, *keys)).all()
                full = db.session.execute(select(model.day, *keys, *sums).where(
                    model.grain == (DAY if grain == grains[0] else MONTH)).group_by(model.day, *keys)).all()
                def rows(found):  # sums of floats in another order: equal to a micro-second
                    return sorted(tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in found)
                assert rows(seen) == rows(full), (model.__name__, grain)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(calls=st.lists(call_st, min_size=1, max_size=25), edits=st.lists(edit_st, max_size=8))
def test_the_tables_equal_a_direct_computation_after_late_edits(app, db, reference, calls, edits):
    _clean(db)
    people = [_user("operator", "op-a"), _user("operator", "op-b"), _user("coordinator", "co-x")]
    entry = db.session.execute(select(FaqEntry)).scalars().first()
    if entry is None:
        entry = FaqEntry(question="Q", answer="A", topic_id=factories.topic("youth").id, status=FaqStatus.PUBLISHED)
        db.session.add(entry)
        db.session.commit()
    _write(db, calls, people, entry)
    refresh()
    for period in PERIODS:
        assert_figures_match(period, Filters(), None)
    _edit(db, edits)
    refresh()
    assert db.session.execute(select(func.count()).select_from(StatsChange)).scalar_one() == 0
    assert_grains_agree(db)
    for period in PERIODS:
        assert_figures_match(period, Filters(), None)
    youth = factories.topic("youth")
    assert_figures_match(PERIODS[1], parse_filters({"topic": "youth"}), youth.id)


def test_a_bucket_stands_for_its_values_within_one_percent():
    for seconds in (0.002, 0.5, 1, 59, 3600, 36_000, 1_000_000, 9_999_999):
        assert bucket_value(bucket_of(seconds)) == pytest.approx(seconds, rel=0.01)
    assert bucket_of(0) == 0 and bucket_value(0) < 0.001


def test_month_rows_are_the_sums_of_their_days(app, db, reference):
    operator = factories.make_user("operator")
    for day in (1, 15, 31):
        for hour in (0, 12, 23):
            moment = datetime(2026, 1, day, hour, 30, tzinfo=timezone.utc)
            db.session.add(Call(channel=CallChannel.PHONE, operator=operator, topic=factories.topic("youth"),
                                question="Q", outcome=CallOutcome.ANSWERED, started_at=moment,
                                ended_at=moment + timedelta(seconds=100)))
    db.session.commit()
    refresh()
    month = db.session.execute(select(func.sum(CallDay.calls), func.sum(CallDay.handle_seconds))
                               .where(CallDay.grain == "month", CallDay.day == date(2026, 1, 1))).one()
    days = db.session.execute(select(func.sum(CallDay.calls), func.sum(CallDay.handle_seconds))
                              .where(CallDay.grain == "day", CallDay.day >= date(2026, 1, 1),
                                     CallDay.day < date(2026, 2, 1))).one()
    assert tuple(month) == tuple(days) and month[0] == 8  # 31 Jan 23:30 UTC is 1 February in Perm
    whole = compute(Period(date(2026, 1, 1), date(2026, 2, 1)), Filters(), now=NOW)
    assert whole["calls"]["total"] == 8 and whole["aht_seconds"] == 100


def test_a_transaction_that_commits_after_a_later_one_is_not_missed(app, db, reference):
    """The change log is read by id and only the rows read are deleted: a transaction holding a
    lower id that becomes visible after a refresh has run is computed by the next one."""
    operator = factories.make_user("operator")
    topic_id = factories.topic("youth").id
    db.session.commit()
    early, late = datetime(2026, 1, 10, 6, 0, tzinfo=timezone.utc), datetime(2026, 1, 20, 6, 0, tzinfo=timezone.utc)

    def insert_call(conn, at) -> None:
        conn.execute(insert(Call).values(channel=CallChannel.PHONE, operator_id=operator.id, topic_id=topic_id,
                                         question="Q", outcome=CallOutcome.ANSWERED, started_at=at, created_at=at))

    if db.engine.dialect.name == "postgresql":
        slow = create_engine(db.engine.url)
        with slow.connect() as first:
            first.begin()
            insert_call(first, early)  # its change row takes the lower id, not yet visible
            with db.engine.begin() as second:
                insert_call(second, late)
            refresh()
            first.commit()
        slow.dispose()
    else:
        # SQLite admits one writer at a time, so commit order is id order there; the late commit is
        # reproduced by a change row given a lower id after the refresh has read past it.
        with db.engine.begin() as conn:
            insert_call(conn, late)
        refresh()
        with db.engine.begin() as conn:
            insert_call(conn, early)
            conn.execute(text("UPDATE stats_change SET id = 1 WHERE id = (SELECT max(id) FROM stats_change)"))
    figures = compute(Period(date(2026, 1, 1), date(2026, 2, 1)), Filters(), now=NOW)
    assert figures["calls"]["total"] == 1  # the late-committed call is not in the tables yet
    refresh()
    figures = compute(Period(date(2026, 1, 1), date(2026, 2, 1)), Filters(), now=NOW)
    assert figures["calls"]["total"] == 2
    assert figures["calls"]["by_day"]["2026-01-10"] == 1 and figures["calls"]["by_day"]["2026-01-20"] == 1


def test_refresh_runs_as_a_scheduled_job_and_as_a_command(app, db, reference):
    from rq.registry import ScheduledJobRegistry

    from hotline.jobs import stats_refresh
    from hotline.queue import get_queue

    operator = factories.make_user("operator")
    moment = datetime(2026, 1, 10, 6, 0, tzinfo=timezone.utc)
    db.session.add(Call(channel=CallChannel.PHONE, operator=operator, topic=factories.topic("youth"), question="Q",
                        outcome=CallOutcome.INFO, started_at=moment))
    db.session.commit()
    assert stats_refresh() == 1  # one day computed
    assert any(job_id.startswith("stats-refresh-") for job_id in ScheduledJobRegistry(queue=get_queue()).get_job_ids())
    assert db.session.execute(select(func.sum(CallDay.info)).where(CallDay.grain == "day")).scalar_one() == 1
    db.session.execute(delete(CallDay))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["stats-refresh", "--all"])
    assert result.exit_code == 0 and "computed" in result.output
    assert db.session.execute(select(func.sum(CallDay.info)).where(CallDay.grain == "day")).scalar_one() == 1


def test_refresh_from_several_threads_computes_each_change_once(app, db, reference):
    operator = factories.make_user("operator")
    for day in range(1, 21):
        moment = datetime(2026, 1, day, 6, 0, tzinfo=timezone.utc)
        db.session.add(Call(channel=CallChannel.PHONE, operator=operator, topic=factories.topic("youth"),
                            question="Q", outcome=CallOutcome.ANSWERED, started_at=moment))
    db.session.commit()
    errors = []

    def run() -> None:
        with app.app_context():
            try:
                refresh(batch=5)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.session.execute(select(func.sum(CallDay.calls)).where(CallDay.grain == "day")).scalar_one() == 20
    assert db.session.execute(select(func.sum(CallDay.calls)).where(CallDay.grain == "month")).scalar_one() == 20
