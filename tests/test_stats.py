"""Every figure of SPEC section 7 against hand-computed values on a small crafted data set:
calls either side of midnight Perm time (UTC+5), a weekend, the Russia Day holiday (Thursday
12 June 2025), an admin's transferred working day (Friday 13 June), a cancelled enquiry, a reopened one answered again, a reopened one still open,
a call with no end time. The period is Mon 9 – Sun 15 June 2025 ([2025-06-09, 2025-06-16))."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from hotline.enquiries.service import business_calendar
from hotline.models import (
    CalendarDay, Call, CallChannel, CallOutcome, Enquiry, EnquiryStatus, FaqEntry, FaqStatus, FaqUse, utcnow,
)
from hotline.stats.daily import refresh
from hotline.stats.figures import compute, live_strip
from hotline.stats.period import Filters, Period, parse_filters

from . import factories

PERIOD = Period(date(2025, 6, 9), date(2025, 6, 16))
AT_END = datetime(2025, 7, 1, tzinfo=timezone.utc)  # "now" for the tests: after the period


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def add_call(started, outcome, operator=None, topic="youth", seconds=120, channel=CallChannel.PHONE,
             city=None) -> Call:
    call = Call(channel=channel, operator=operator, topic=factories.topic(topic),
                city=factories.city(city) if city else None, question="Вопрос", outcome=outcome,
                started_at=started, ended_at=started + timedelta(seconds=seconds) if seconds is not None else None)
    factories.db.session.add(call)
    factories.db.session.flush()
    return call


def add_enquiry(call, created, assignee=None, assigned_after=None, answered=None, business_seconds=None,
                due=None, status=EnquiryStatus.ASSIGNED, **extra) -> Enquiry:
    enquiry = Enquiry(reference=f"ЗЛ-2025-{call.id:06d}", call=call, topic_id=call.topic_id, city_id=call.city_id,
                      question=call.question, created_at=created, status=status,
                      assignee_id=assignee.id if assignee else None,
                      assigned_at=created + timedelta(seconds=assigned_after) if assigned_after is not None else None,
                      answered_at=answered, answer_business_seconds=business_seconds,
                      due_at=due or created + timedelta(days=30), **extra)
    factories.db.session.add(enquiry)
    factories.db.session.flush()
    return enquiry


@pytest.fixture
def crafted(db, reference):
    # An admin's exception makes Friday 13 June a working day (the holidays package has it off).
    db.session.add(CalendarDay(day=date(2025, 6, 13), working=True, note="test"))
    db.session.flush()
    calendar = business_calendar()
    assert not calendar.is_working_day(date(2025, 6, 12))  # Russia Day
    assert calendar.is_working_day(date(2025, 6, 13)) and not calendar.is_working_day(date(2025, 6, 14))
    a = factories.make_user("operator", login="op-a")
    b = factories.make_user("operator", login="op-b")
    x = factories.make_user("coordinator", login="co-x")
    y = factories.make_user("coordinator", login="co-y")
    P = CallOutcome
    c1 = add_call(utc(2025, 6, 8, 19, 30), P.ANSWERED, a, seconds=300)  # Mon 00:30 Perm: inside
    add_call(utc(2025, 6, 8, 18, 30), P.ANSWERED, a)  # Sun 23:30 Perm: before the period
    add_call(utc(2025, 6, 15, 18, 59), P.INFO, b, topic="business", seconds=None,
             channel=CallChannel.EMAIL)  # Sun 23:59 Perm, no end time: inside
    add_call(utc(2025, 6, 15, 19, 0), P.ANSWERED, a)  # Mon 00:00 Perm: after the period
    c5 = add_call(utc(2025, 6, 10, 5, 0), P.ROUTED, a, seconds=600, city="duisburg")
    c6 = add_call(utc(2025, 6, 11, 6, 0), P.ROUTED, b, topic="business", seconds=240)
    c7 = add_call(utc(2025, 6, 11, 10, 0), P.ROUTED, a, seconds=180)
    c8 = add_call(utc(2025, 6, 12, 4, 0), P.ANSWERED, b, seconds=120)  # the holiday, 09:00
    c9 = add_call(utc(2025, 6, 13, 8, 0), P.ROUTED, b, seconds=60, channel=CallChannel.WALK_IN)
    add_call(utc(2025, 6, 13, 12, 0), P.DROPPED, a, seconds=30)
    c11 = add_call(utc(2025, 6, 14, 6, 0), P.ROUTED, None, seconds=90, channel=CallChannel.WEB)
    add_call(utc(2025, 6, 10, 9, 0), P.ANSWERED, a, seconds=200)  # answered without the FAQ
    old = add_call(utc(2025, 5, 26, 5, 0), P.ROUTED, a)
    old2 = add_call(utc(2025, 6, 5, 4, 0), P.ROUTED, b)
    old3 = add_call(utc(2025, 6, 2, 5, 0), P.ROUTED, a)

    S = EnquiryStatus
    # e1: Tue 10:10 → Wed 11:10 Perm = 7h50 + 2h10 = 10 business hours, on time.
    add_enquiry(c5, utc(2025, 6, 10, 5, 10), x, 2, utc(2025, 6, 11, 6, 10), 36000, utc(2025, 6, 13, 11, 10), S.ANSWERED)
    # e2: answered after the period: open at `to`, 15h56 business old (1–3 days), not yet due.
    add_enquiry(c6, utc(2025, 6, 11, 6, 4), y, 10, utc(2025, 6, 16, 5, 4), 0, utc(2025, 6, 16, 12, 4), S.ANSWERED)
    # e3: cancelled.
    add_enquiry(c7, utc(2025, 6, 11, 10, 3), x, 1, status=S.CANCELLED, cancelled_at=utc(2025, 6, 12, 5, 0))
    # e4: answered Fri, reopened Sat, answered again Sun: counts once, 4h59 business, on time.
    add_enquiry(c9, utc(2025, 6, 13, 8, 1), x, 4, utc(2025, 6, 15, 5, 0), 17940, utc(2025, 6, 18, 5, 1),
                S.ANSWERED, reopened_at=utc(2025, 6, 14, 6, 0))
    # e5: Saturday, never routed: open, under one business day old.
    add_enquiry(c11, utc(2025, 6, 14, 6, 1, 30), status=S.NEW, due=utc(2025, 6, 18, 10, 0))
    # e6: from May, never answered: open, overdue, over 10 business days old.
    add_enquiry(old, utc(2025, 5, 26, 5, 0), y, 3, due=utc(2025, 5, 28, 10, 0))
    # e7: created before the period, answered in it (20 business hours), after its due time.
    add_enquiry(old2, utc(2025, 6, 5, 4, 0), y, 1, utc(2025, 6, 9, 6, 0), 72000, utc(2025, 6, 9, 5, 0), S.ANSWERED)
    # e8: answered 3 June, reopened 10 June, still open: overdue, 3–10 business days old.
    add_enquiry(old3, utc(2025, 6, 2, 5, 0), x, 5, utc(2025, 6, 3, 5, 0), 32400, utc(2025, 6, 4, 5, 0),
                S.REOPENED, reopened_at=utc(2025, 6, 10, 4, 0))

    faq = [FaqEntry(question=f"Q{i}", answer="A", topic_id=factories.topic(t).id, status=s)
           for i, (t, s) in enumerate([("youth", FaqStatus.PUBLISHED), ("youth", FaqStatus.PUBLISHED),
                                       ("business", FaqStatus.PUBLISHED), ("youth", FaqStatus.DRAFT)], 1)]
    db.session.add_all(faq)
    db.session.flush()
    f1, f2, f3, f4 = faq
    db.session.add_all([
        FaqUse(entry_id=f1.id, call_id=c1.id, used_at=c1.ended_at),
        FaqUse(entry_id=f1.id, call_id=c8.id, used_at=c8.ended_at),
        FaqUse(entry_id=f2.id, call_id=c8.id, used_at=c8.ended_at),
        FaqUse(entry_id=f2.id, call_id=None, used_at=utc(2025, 5, 20, 6, 0)),
    ])
    db.session.commit()
    refresh()
    return {"a": a, "b": b, "x": x, "y": y, "faq": faq}


def figures(filters: Filters = Filters(), period: Period = PERIOD) -> dict:
    return compute(period, filters, now=AT_END)


def test_calls_by_perm_local_day_and_hour(crafted):
    calls = figures()["calls"]
    assert calls["total"] == 10
    assert calls["by_day"] == {"2025-06-09": 1, "2025-06-10": 2, "2025-06-11": 2, "2025-06-12": 1,
                               "2025-06-13": 2, "2025-06-14": 1, "2025-06-15": 1}
    expected = [[0] * 24 for _ in range(7)]
    for weekday, hour in [(0, 0), (1, 10), (1, 14), (2, 11), (2, 15), (3, 9), (4, 13), (4, 17), (5, 11), (6, 23)]:
        expected[weekday][hour] += 1
    assert calls["heatmap"] == expected
    assert calls["by_outcome"] == {"answered": 3, "routed": 5, "info": 1, "dropped": 1}
    assert calls["by_topic"] == {"youth": 8, "business": 2}
    assert calls["by_city"] == {"duisburg": 1, "none": 9}
    assert calls["by_channel"] == {"phone": 7, "email": 1, "walk-in": 1, "web": 1}
    assert calls["by_operator"] == {"op-a": 5, "op-b": 4, "none": 1}
    assert calls["previous_by_day"]["2025-06-08"] == 1  # the Sunday 23:30 call
    assert sum(calls["previous_by_day"].values()) == 3  # and 2 and 5 June


def test_fcr_and_aht(crafted):
    result = figures()
    assert result["fcr"] == pytest.approx(3 / 8)
    assert result["aht_seconds"] == pytest.approx(1820 / 9, abs=1e-3)  # the call with no end is left out
    operators = {row["login"]: row for row in result["operators"]}
    assert operators["op-a"] == {"login": "op-a", "calls": 5, "aht_seconds": pytest.approx(262.0), "fcr": 0.5}
    assert operators["op-b"]["calls"] == 4 and operators["op-b"]["aht_seconds"] == pytest.approx(140.0)
    assert operators["op-b"]["fcr"] == pytest.approx(1 / 3)
    assert operators["none"]["fcr"] == 0.0


def test_enquiry_counts_open_and_overdue(crafted):
    result = figures()
    assert result["enquiries"] == {"created": 5, "answered": 3, "open": 4, "overdue": 2, "cancelled": 1}
    assert result["backlog_aging"] == {"<1": 1, "1-3": 1, "3-10": 1, ">10": 1}


def test_times_to_assign_and_answer(crafted):
    result = figures()
    # Created in the period and assigned: 2, 10, 1, 4 s → nearest rank: median 2, p90 10
    # (percentiles come from the histogram buckets: within 1 %).
    assert result["time_to_assign"] == {"median_seconds": pytest.approx(2, rel=0.01),
                                        "p90_seconds": pytest.approx(10, rel=0.01)}
    # Answered in the period: 4h59 (e4), 10h (e1), 20h (e7).
    assert result["time_to_answer"]["median_hours"] == pytest.approx(10, rel=0.01)
    assert result["time_to_answer"]["p90_hours"] == pytest.approx(20, rel=0.01)
    assert result["time_to_answer"]["mean_hours"] == pytest.approx(125940 / 3 / 3600, abs=1e-4)
    assert result["sla_compliance"] == pytest.approx(2 / 3)


def test_per_coordinator(crafted):
    rows = {row["login"]: row for row in figures()["coordinators"]}
    assert rows["co-x"] == {"login": "co-x", "assigned": 3, "answered": 2,
                            "median_hours": pytest.approx(17940 / 3600, rel=0.01), "sla_compliance": 1.0, "open": 1,
                            "first_response_hours": None, "first_response_compliance": None}
    assert rows["co-y"] == {"login": "co-y", "assigned": 1, "answered": 1, "median_hours": pytest.approx(20, rel=0.01),
                            "sla_compliance": 0.0, "open": 2,
                            "first_response_hours": None, "first_response_compliance": None}


def test_faq_figures(crafted):
    faq = figures()["faq"]
    f1, f2, f3, _draft = crafted["faq"]
    assert faq["top"] == [{"id": f1.id, "question": "Q1", "uses": 2}, {"id": f2.id, "question": "Q2", "uses": 1}]
    assert faq["assisted_share"] == pytest.approx(2 / 3)
    assert faq["never_used"] == [f3.id]


def test_business_seconds_of_the_crafted_rows_match_the_calendar(crafted, db):
    # The hand-computed answer_business_seconds above agree with the one calendar implementation.
    calendar = business_calendar()
    assert calendar.business_seconds_between(utc(2025, 6, 10, 5, 10), utc(2025, 6, 11, 6, 10)) == 36000
    assert calendar.business_seconds_between(utc(2025, 6, 13, 8, 1), utc(2025, 6, 15, 5, 0)) == 17940
    assert calendar.business_seconds_between(utc(2025, 6, 5, 4, 0), utc(2025, 6, 9, 6, 0)) == 72000


@pytest.mark.parametrize("args, calls, created, answered", [
    ({"topic": "business"}, 2, 1, 0),
    ({"city": "duisburg"}, 1, 1, 1),
    ({"channel": "email"}, 1, 0, 0),
    ({"operator": "op-b"}, 4, 2, 2),
    ({"coordinator": "co-x"}, 3, 3, 2),
])
def test_filters(crafted, app, args, calls, created, answered):
    with app.test_request_context():
        filters = parse_filters(args)
    result = figures(filters)
    assert result["filters"] == {**{k: None for k in ("topic", "city", "channel", "operator", "coordinator")}, **args}
    assert result["calls"]["total"] == calls
    assert result["enquiries"]["created"] == created
    assert result["enquiries"]["answered"] == answered


def test_open_and_overdue_are_taken_at_to(crafted):
    # At the end of 10 June: e8 was reopened that morning, e2 and e5 did not exist yet.
    result = figures(period=Period(date(2025, 6, 9), date(2025, 6, 11)))
    # Open at 2025-06-10 19:00Z: e1 (answered the 11th), e6, e7 (answered the 9th: no), e8.
    assert result["enquiries"]["open"] == 3
    assert result["enquiries"]["overdue"] == 2  # e6 and e8


def test_live_strip(midday, db, reference):
    now = utcnow()
    call = add_call(now - timedelta(minutes=5), CallOutcome.ROUTED)
    add_enquiry(call, now, status=EnquiryStatus.NEW)
    add_enquiry(add_call(now - timedelta(minutes=4), CallOutcome.ROUTED), now, status=EnquiryStatus.NEW,
                unrouted_at=now)
    coordinator = factories.make_user("coordinator")
    add_enquiry(add_call(now - timedelta(minutes=3), CallOutcome.ROUTED), now - timedelta(days=3), coordinator, 1,
                due=now - timedelta(hours=1))
    add_call(now - timedelta(days=3), CallOutcome.ANSWERED)
    db.session.commit()
    assert live_strip(now) == {"waiting": 1, "unassigned": 1, "breached": 1, "calls_today": 3}


def test_open_branches_hold_exactly_the_open_enquiries(crafted, db):
    # `_open_figures` reads open_at(at) as three disjoint branches (each through its own index):
    # at every instant they must hold the same enquiries, each once.
    from hotline.stats.figures.instant import open_at, open_at_branches

    instants = [utc(2025, 6, d, h) for d in range(1, 18) for h in (0, 4, 5, 6, 9, 12, 19)]
    instants += [utc(2025, 6, 14, 6, 0), utc(2025, 6, 10, 4, 0), utc(2025, 6, 3, 5, 0), AT_END]
    for at in instants:
        expected = sorted(db.session.execute(db.select(Enquiry.id).where(*open_at(at))).scalars())
        found = sorted(i for conditions in open_at_branches(at)
                       for i in db.session.execute(db.select(Enquiry.id).where(*conditions)).scalars())
        assert found == expected, at
