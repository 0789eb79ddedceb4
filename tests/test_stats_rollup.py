"""The daily rollup gives the very figures the raw rows give: on the crafted data set of
test_stats.py, with no filter and under each single filter, once built, after late changes
(answers, reopenings, hand-overs, bulk updates, new FAQ uses) and after an import; its month
sums are those of their days and stand for them only while current."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from hotline.models import (
    CallOutcome, Enquiry, EnquiryStatus, FaqUse, StatsCube, StatsCubeMonth, StatsDay, StatsMonth, StatsSample, User,
    utcnow,
)
from hotline.stats.figures import compute
from hotline.stats.period import Filters, Period, parse_filters, today_local
from hotline.stats.rollup import CubeReader, pending_days, rebuild_pending, rebuild_range
from hotline.stats.rollup.build import MEASURES, pending_months, rebuild

from .test_stats import AT_END, PERIOD, crafted, utc  # noqa: F401  (the fixture)

FILTERS = [{}, {"topic": "youth"}, {"topic": "business"}, {"city": "duisburg"}, {"channel": "phone"},
           {"channel": "email"}, {"operator": "op-a"}, {"operator": "op-b"}, {"coordinator": "co-x"},
           {"coordinator": "co-y"}]
PERIODS = [PERIOD, Period(date(2025, 5, 20), date(2025, 6, 20)), Period(date(2025, 6, 10), date(2025, 6, 12))]
MAY, JUNE = date(2025, 5, 1), date(2025, 6, 1)
WHOLE_MONTHS = Period(MAY, date(2025, 7, 1))  # read from the month sums once built
MONTHS_AND_DAYS = Period(date(2025, 4, 28), date(2025, 7, 3))  # May and June, days either side


def filters_of(app, args) -> Filters:
    with app.test_request_context():
        return parse_filters(args)


def assert_same(app, now=AT_END, filters=FILTERS, periods=PERIODS):
    for period in periods:
        for args in filters:
            f = filters_of(app, args)
            rolled, raw = compute(period, f, now=now), compute(period, f, now=now, rollup=False)
            assert rolled == raw, (period, args)


def build(db):
    rebuild_range(date(2025, 5, 1), date(2025, 7, 1))
    db.session.commit()


def served_days(db) -> int:
    return db.session.execute(select(func.count()).select_from(StatsDay)
                              .where(StatsDay.built_version == StatsDay.version)).scalar_one()


def test_rollup_equals_raw_on_the_crafted_set(app, db, crafted):
    assert_same(app)  # nothing built: every day read live
    build(db)
    assert served_days(db) == 61
    assert db.session.execute(select(func.count()).select_from(StatsCube)).scalar_one() > 0
    assert db.session.execute(select(func.count()).select_from(StatsSample)).scalar_one() == 7 + 4  # assigned; answered
    assert_same(app)
    # The filters combined: the raw path (and the same figures as before).
    both = filters_of(app, {"topic": "youth", "operator": "op-a"})
    assert both.single() is None
    assert compute(PERIOD, both, now=AT_END)["calls"]["total"] == 5


def test_figures_come_from_the_cube_once_built(app, db, crafted):
    build(db)
    # Change the cube behind the rows' back: the served figure follows the cube, so it is used.
    db.session.execute(update(StatsCube).where(StatsCube.fact == "call", StatsCube.fdim == "", StatsCube.gdim == "",
                                               StatsCube.day == date(2025, 6, 10)).values(n=StatsCube.n + 100))
    db.session.commit()
    assert compute(PERIOD, Filters(), now=AT_END)["calls"]["total"] == 110
    # Marking the day dirty sends it back to the raw rows.
    from hotline.stats.rollup import mark_dirty

    mark_dirty([date(2025, 6, 10)])
    db.session.commit()
    assert compute(PERIOD, Filters(), now=AT_END)["calls"]["total"] == 10
    assert pending_days() and date(2025, 6, 10) in pending_days()


def test_late_changes_mark_their_days(app, db, crafted):
    build(db)
    x, y = crafted["x"], crafted["y"]
    # e6 (created 26 May, never answered) answered today: the created day is marked.
    e6 = db.session.execute(select(Enquiry).where(Enquiry.created_at == utc(2025, 5, 26, 5, 0))).scalar_one()
    e6.status, e6.answered_at, e6.answer_business_seconds = EnquiryStatus.ANSWERED, utcnow(), 3600.0
    # e1 (answered 11 June) reopened: no longer answered that day.
    e1 = db.session.execute(select(Enquiry).where(Enquiry.created_at == utc(2025, 6, 10, 5, 10))).scalar_one()
    e1.status, e1.reopened_at = EnquiryStatus.REOPENED, utcnow()
    # e7 handed over from co-y to co-x: its coordinator figures move.
    e7 = db.session.execute(select(Enquiry).where(Enquiry.created_at == utc(2025, 6, 5, 4, 0))).scalar_one()
    e7.assignee_id = x.id
    db.session.commit()
    dirty = set(pending_days())
    assert {date(2025, 5, 26), date(2025, 6, 11), date(2025, 6, 5), date(2025, 6, 9)} <= dirty
    assert_same(app)
    assert compute(PERIOD, Filters(), now=AT_END)["enquiries"]["answered"] == 2
    # A bulk UPDATE through the session (as routing does) is caught too.
    db.session.execute(update(Enquiry).where(Enquiry.assignee_id == y.id).values(assignee_id=x.id)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    assert date(2025, 5, 26) in pending_days()
    assert_same(app)
    rebuild_pending()
    assert not pending_days()
    assert_same(app)


def test_a_new_faq_use_on_an_old_call_marks_its_day(app, db, crafted):
    build(db)
    from hotline.models import Call

    call = db.session.execute(select(Call).where(Call.started_at == utc(2025, 6, 10, 9, 0))).scalar_one()
    db.session.add(FaqUse(entry_id=crafted["faq"][2].id, call_id=call.id, used_at=utc(2025, 6, 10, 9, 5)))
    db.session.commit()
    assert date(2025, 6, 10) in pending_days()
    assert compute(PERIOD, Filters(), now=AT_END)["faq"]["assisted_share"] == pytest.approx(1.0)
    assert_same(app, filters=[{}, {"operator": "op-a"}, {"coordinator": "co-x"}])


def test_today_is_always_read_live(app, db, crafted):
    from .test_stats import add_call
    from hotline.models import CallOutcome

    build(db)
    today = utcnow()
    add_call(today, CallOutcome.ANSWERED, crafted["a"])
    db.session.commit()
    rebuild_pending()
    db.session.commit()
    today = today_local()
    assert compute(Period(today - timedelta(days=2), today + timedelta(days=2)), Filters())["calls"]["total"] == 1
    assert not db.session.execute(select(StatsDay).where(StatsDay.day >= today)).first()
    assert not db.session.execute(select(StatsMonth).where(StatsMonth.month > today - timedelta(days=31))).first()


def test_import_rebuilds_the_days_it_writes(app, db, crafted, tmp_path):
    from .test_import import HEADER, run, write

    build(db)
    db.session.add(User(login="imp-op", name="", role="operator", password_hash="x"))
    db.session.add(User(login="imp-co", name="", role="coordinator", password_hash="x"))
    db.session.commit()
    line = ("2025-06-11 10:00,2025-06-11 10:04,phone,,,youth,,Вопрос,routed,imp-op,"
            "2025-06-11 10:05,imp-co,2025-06-12 11:10,Ответ")
    result = run(app, write(tmp_path, [HEADER, line]))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    pending = pending_days()
    assert date(2025, 6, 11) not in pending and date(2025, 6, 12) not in pending  # rebuilt within the import
    assert compute(PERIOD, Filters(), now=AT_END)["calls"]["total"] == 11
    assert_same(app, filters=[{}, {"topic": "youth"}, {"operator": "imp-op"}, {"coordinator": "imp-co"}])


def test_cli_and_job(app, db, crafted):
    result = app.test_cli_runner().invoke(args=["stats-rollup", "--from", "2025-06-01", "--to", "2025-06-30"])
    assert result.exit_code == 0, result.output
    assert served_days(db) == 29
    result = app.test_cli_runner().invoke(args=["stats-rollup"])
    assert result.exit_code == 0, result.output
    assert not pending_days()
    from hotline.jobs import stats_rollup
    from hotline.queue import get_queue

    mark = db.session.execute(select(StatsDay).where(StatsDay.day == date(2025, 6, 9))).scalar_one()
    mark.version += 1
    db.session.commit()
    assert stats_rollup() == 1
    scheduled = get_queue().scheduled_job_registry.get_job_ids()
    assert any(job_id.startswith("stats-rollup-") for job_id in scheduled)
    assert_same(app, filters=[{}])


def test_coordinator_medians_from_served_and_live_days_equal_raw(app, db, crafted):
    # Each coordinator's median: the bucket from the per-coordinator histogram, then the rank in
    # that bucket read from the served samples merged with the live days' values.
    build(db)
    assert_same(app, filters=[{}])
    for day in (date(2025, 6, 15), date(2025, 6, 9)):  # e4's and e7's answers: read live again
        db.session.execute(update(StatsDay).where(StatsDay.day == day).values(version=StatsDay.version + 1))
    db.session.commit()
    assert_same(app, filters=[{}])
    rows = {row["login"]: row for row in compute(PERIOD, Filters(), now=AT_END)["coordinators"]}
    assert rows["co-x"]["median_hours"] == pytest.approx(17940 / 3600, abs=1e-4)
    assert rows["co-y"]["median_hours"] == pytest.approx(20)


# --- month sums ----------------------------------------------------------------------------------

KEYS = ("fact", "fdim", "fval", "gdim", "gval")


def month_rows(db, month: date) -> dict:
    return {tuple(row[:5]): tuple(row[5:]) for row in db.session.execute(
        select(*[getattr(StatsCubeMonth, k) for k in KEYS], *[getattr(StatsCubeMonth, m) for m in MEASURES])
        .where(StatsCubeMonth.month == month)).all()}


def day_sums(db, month: date) -> dict:
    end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    keys = [getattr(StatsCube, k) for k in KEYS]
    return {tuple(row[:5]): tuple(row[5:]) for row in db.session.execute(
        select(*keys, *[func.sum(getattr(StatsCube, m)) for m in MEASURES])
        .where(StatsCube.day >= month, StatsCube.day < end).group_by(*keys)).all()}


def june_calls(db, delta: int) -> None:
    db.session.execute(update(StatsCubeMonth).where(
        StatsCubeMonth.month == JUNE, StatsCubeMonth.fact == "call", StatsCubeMonth.fdim == "",
        StatsCubeMonth.gdim == "").values(n=StatsCubeMonth.n + delta))


def test_month_rows_are_the_sums_of_their_day_rows_and_read_for_whole_months(app, db, crafted):
    build(db)
    assert set(db.session.execute(select(StatsMonth.month)).scalars()) == {MAY, JUNE}
    for month in (MAY, JUNE):
        assert month_rows(db, month) == day_sums(db, month)
    assert month_rows(db, JUNE)[("call", "", "", "", "")][0] == 14  # every crafted call but the one of 26 May
    reader = CubeReader(WHOLE_MONTHS)
    assert reader.months == [MAY, JUNE] and reader.served_days == [] and reader.live == []
    reader = CubeReader(MONTHS_AND_DAYS)
    assert reader.months == [MAY, JUNE] and reader.served_days == []
    assert reader.live == [(date(2025, 4, 28), date(2025, 5, 1)), (date(2025, 7, 1), date(2025, 7, 3))]
    assert_same(app, periods=[MONTHS_AND_DAYS])
    rebuild_range(date(2025, 4, 28), date(2025, 5, 1))  # April only in part: no sums for it
    db.session.commit()
    assert set(db.session.execute(select(StatsMonth.month)).scalars()) == {MAY, JUNE}
    reader = CubeReader(MONTHS_AND_DAYS)
    assert reader.months == [MAY, JUNE] and reader.served_days == [(date(2025, 4, 28), date(2025, 5, 1))]
    assert_same(app, periods=[WHOLE_MONTHS, MONTHS_AND_DAYS])
    # The whole months come from the month rows: change one behind the days' back and it shows.
    raw = compute(WHOLE_MONTHS, Filters(), now=AT_END, rollup=False)["calls"]["total"]
    june_calls(db, 100)
    db.session.commit()
    assert compute(WHOLE_MONTHS, Filters(), now=AT_END)["calls"]["total"] == raw + 100
    assert compute(PERIOD, Filters(), now=AT_END)["calls"]["total"] == 10  # part of June: the day rows
    assert compute(WHOLE_MONTHS, Filters(), now=AT_END)["calls"]["by_day"] == (
        compute(WHOLE_MONTHS, Filters(), now=AT_END, rollup=False)["calls"]["by_day"])  # by day: day rows


def test_a_late_change_sends_its_month_to_the_day_rows_until_summed_again(app, db, crafted):
    build(db)
    answered = compute(WHOLE_MONTHS, Filters(), now=AT_END)["enquiries"]["answered"]
    # e1 (answered 11 June) reopened: no longer answered that day.
    e1 = db.session.execute(select(Enquiry).where(Enquiry.created_at == utc(2025, 6, 10, 5, 10))).scalar_one()
    e1.status, e1.reopened_at = EnquiryStatus.REOPENED, utcnow()
    db.session.commit()
    assert CubeReader(WHOLE_MONTHS).months == [MAY]
    assert_same(app, filters=[{}, {"coordinator": "co-x"}], periods=[WHOLE_MONTHS])
    assert compute(WHOLE_MONTHS, Filters(), now=AT_END)["enquiries"]["answered"] == answered - 1
    assert date(2025, 6, 11) in pending_days() and pending_months() == []  # June waits for its days
    assert rebuild_pending() >= 1
    assert CubeReader(WHOLE_MONTHS).months == [MAY, JUNE]
    assert month_rows(db, JUNE) == day_sums(db, JUNE)
    assert_same(app, periods=[WHOLE_MONTHS, MONTHS_AND_DAYS])
    assert compute(WHOLE_MONTHS, Filters(), now=AT_END)["enquiries"]["answered"] == answered - 1


def test_a_day_built_after_its_month_was_summed_leaves_the_month_to_the_day_rows(app, db, crafted):
    rebuild_pending()  # every closed day up to today built, every closed month summed
    assert not pending_days() and not pending_months()
    raw = compute(WHOLE_MONTHS, Filters(), now=AT_END, rollup=False)["calls"]["total"]
    summed_at = db.session.execute(select(StatsMonth.built_at).where(StatsMonth.month == JUNE)).scalar_one()
    db.session.execute(update(StatsMonth).where(StatsMonth.month == JUNE)
                       .values(built_at=summed_at - timedelta(seconds=1)))
    june_calls(db, 100)  # stale sums: they must not be read
    rebuild(date(2025, 6, 10), date(2025, 6, 11))  # the day alone, as a caller that forgot its month
    db.session.commit()
    assert CubeReader(WHOLE_MONTHS).months == [MAY]
    assert compute(WHOLE_MONTHS, Filters(), now=AT_END)["calls"]["total"] == raw
    assert pending_months() == [JUNE] and not pending_days()
    assert rebuild_pending() == 0  # no day to build; June summed again
    assert CubeReader(WHOLE_MONTHS).months == [MAY, JUNE]
    assert month_rows(db, JUNE) == day_sums(db, JUNE)
    assert compute(WHOLE_MONTHS, Filters(), now=AT_END)["calls"]["total"] == raw


def test_missing_month_sums_are_made_by_the_next_run(app, db, crafted):
    rebuild_pending()
    months = list(db.session.execute(select(StatsMonth.month).order_by(StatsMonth.month)).scalars())
    assert months[:2] == [MAY, JUNE] and len(months) > 12
    db.session.execute(StatsCubeMonth.__table__.delete())
    db.session.execute(StatsMonth.__table__.delete())
    db.session.commit()
    assert CubeReader(WHOLE_MONTHS).months == []
    assert_same(app, filters=[{}, {"topic": "youth"}], periods=[WHOLE_MONTHS])
    assert pending_months() == months
    assert rebuild_pending() == 0
    assert not pending_months() and CubeReader(WHOLE_MONTHS).months == [MAY, JUNE]
    assert_same(app, filters=[{}, {"topic": "youth"}], periods=[WHOLE_MONTHS])


def test_percentiles_inside_crowded_buckets_equal_raw(app, db, crafted):
    # Sixty answers whose times fall in a few 10 %-wide buckets, with ties, on days served and
    # live: each rank is read inside its bucket from the served samples merged with the live ones.
    from .test_stats import add_call, add_enquiry

    for i in range(60):
        created = utc(2025, 6, 2 + i % 20, 4, i)
        call = add_call(created, CallOutcome.ROUTED, crafted["a"], topic="youth" if i % 4 else "business")
        add_enquiry(call, created, crafted["x"] if i % 3 else crafted["y"], 30 + (i % 7) * 11,
                    created + timedelta(hours=3), 7200 + (i % 25) * 20, created + timedelta(days=2),
                    EnquiryStatus.ANSWERED)
    db.session.commit()
    filters = [{}, {"topic": "youth"}, {"coordinator": "co-x"}, {"operator": "op-a"}]
    periods = [PERIOD, Period(date(2025, 6, 1), date(2025, 6, 25)), WHOLE_MONTHS]
    assert_same(app, filters=filters, periods=periods)  # nothing built: all live
    build(db)
    assert_same(app, filters=filters, periods=periods)
    for day in (date(2025, 6, 4), date(2025, 6, 10), date(2025, 6, 17)):  # these days live again
        db.session.execute(update(StatsDay).where(StatsDay.day == day).values(version=StatsDay.version + 1))
    db.session.commit()
    assert_same(app, filters=filters, periods=periods)
    figures = compute(Period(date(2025, 6, 1), date(2025, 6, 25)), Filters(), now=AT_END)
    assert figures["time_to_answer"]["median_hours"] is not None


def test_a_rolled_request_reads_in_a_few_statements(app, db, crafted):
    # Every (fact, group) of the page in one statement for the served days and months and one for
    # the live days, every percentile rank in one: the count does not grow with the groups. Names 1,
    # days and months of the period and of the previous one 2, served 1, live 2, open figures 1,
    # live samples 1, ranks 1, FAQ 2; delivery 2 and feedback 1 (hotline/stats/delivery.py);
    # telephony 1 (hotline/stats/telephony.py, its logins only when someone answered); first
    # response 2 and reopen 1 (figures/targets.py), appeals 1 (figures/appeals.py).
    from sqlalchemy import event

    app.config["REFERENCE_CACHE_SECONDS"] = 30  # as in production: topics, calendar … read once
    build(db)
    compute(PERIOD, Filters(), now=AT_END)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for period in (WHOLE_MONTHS, MONTHS_AND_DAYS):
            statements.clear()
            compute(period, Filters(), now=AT_END)
            assert len(statements) <= 19, "\n".join(s.split("\n")[0][:90] for s in statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
