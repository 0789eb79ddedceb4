"""`flask import-calls` (all or nothing, --skip-bad, encodings) and `flask generate-calls`."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from hotline.enquiries.service import business_calendar, sla_targets
from hotline.models import Call, CallOutcome, Caller, Enquiry, EnquiryStatus

from . import factories

HEADER = ("started_at,ended_at,channel,phone,caller_name,topic,city,question,outcome,operator,"
          "assigned_at,coordinator,answered_at,enquiry_answer")
GOOD = [
    "2025-06-10 10:00,2025-06-10 10:04,phone,8 (342) 212-44-86,Анна Соколова,youth,duisburg,"
    "Как попасть в обмен?,answered,imp-op,,,,",
    "2025-06-10T05:10:00Z,2025-06-10T05:15:00Z,phone,+7 912 000-11-22,Иван,business,,Деловая миссия,routed,"
    "imp-op,2025-06-10T05:15:02Z,imp-co,2025-06-11 11:10,Ответ отправлен",
    "10.06.2025 12:00,,email,,,archives,,,info,,,,,",
]


def count(db, model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def people(db, reference):
    factories.make_user("operator", login="imp-op")
    factories.make_user("coordinator", login="imp-co")
    db.session.commit()


def write(tmp_path, lines, encoding="utf-8", name="calls.csv", bom=False, newline="\n") -> str:
    path = tmp_path / name
    data = newline.join(lines) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode(encoding))
    return str(path)


def run(app, *args):
    return app.test_cli_runner().invoke(args=["import-calls", *args])


def test_import_happy_path(app, db, people, tmp_path):
    result = run(app, write(tmp_path, [HEADER, *GOOD]))
    assert result.exit_code == 0, result.output
    assert "imported 3 calls and 1 enquiries" in result.output
    db.session.expire_all()
    calls = db.session.execute(select(Call).order_by(Call.started_at)).scalars().all()
    assert [c.outcome for c in calls] == [CallOutcome.ANSWERED, CallOutcome.ROUTED, CallOutcome.INFO]
    # Local times without an offset are Perm time (UTC+5).
    assert calls[0].started_at == datetime(2025, 6, 10, 5, 0, tzinfo=timezone.utc)
    assert calls[0].caller.phone == "+73422124486" and calls[0].city.code == "duisburg"
    assert calls[0].operator.login == "imp-op" and calls[1].caller.name == "Иван"
    assert calls[2].ended_at is None and calls[2].caller is None
    enquiry = db.session.execute(select(Enquiry)).scalar_one()
    assert enquiry.status is EnquiryStatus.ANSWERED and enquiry.assignee.login == "imp-co"
    assert enquiry.reference.startswith("ЗЛ-2025-")
    assert enquiry.answered_at == datetime(2025, 6, 11, 6, 10, tzinfo=timezone.utc)
    calendar = business_calendar()
    assert enquiry.answer_business_seconds == calendar.business_seconds_between(
        enquiry.created_at, enquiry.answered_at) == 36000 - 300  # created at 10:15 Perm
    assert enquiry.due_at == calendar.add_business_hours(enquiry.created_at, sla_targets(enquiry.topic_id)[1])


def test_a_bad_row_imports_nothing_and_names_its_line(app, db, people, tmp_path):
    bad = GOOD[2].replace("archives", "astronomy")
    result = run(app, write(tmp_path, [HEADER, GOOD[0], GOOD[1], bad, GOOD[0].replace("2025-06-10 10:00", "yesterday")]))
    assert result.exit_code != 0
    assert "line 4: topic: неизвестный код темы «astronomy»" in result.output
    assert "line 5: started_at: не дата и время" in result.output
    assert "ничего не загружено" in result.output
    assert count(db, Call) == 0 and count(db, Enquiry) == 0 and count(db, Caller) == 0


def test_skip_bad_imports_the_good_rows_and_reports_the_rest(app, db, people, tmp_path):
    bad = GOOD[0].replace("answered,imp-op", "answered,nobody")
    result = run(app, write(tmp_path, [HEADER, GOOD[0], bad, GOOD[1]]), "--skip-bad")
    assert result.exit_code == 0, result.output
    assert "line 3: skipped: operator: нет пользователя «nobody»" in result.output
    assert count(db, Call) == 2 and count(db, Enquiry) == 1


def test_inconsistent_routed_fields_are_refused(app, db, people, tmp_path):
    early = GOOD[1].replace("2025-06-11 11:10", "2025-06-01 11:10")
    result = run(app, write(tmp_path, [HEADER, early, GOOD[0].replace(",,,,", ",,imp-co,,")]))
    assert result.exit_code != 0
    assert "line 2: answered_at: раньше создания обращения" in result.output
    assert "line 3: assigned_at, coordinator, answered_at и enquiry_answer заполняются только" in result.output
    assert count(db, Call) == 0


def test_windows_1251_with_semicolons(app, db, people, tmp_path):
    lines = [HEADER.replace(",", ";")] + [line.replace(",", ";") for line in GOOD]
    result = run(app, write(tmp_path, lines, encoding="cp1251", newline="\r\n"))
    assert result.exit_code == 0, result.output
    assert "(cp1251)" in result.output
    db.session.expire_all()
    names = set(db.session.execute(select(Caller.name)).scalars())
    assert names == {"Анна Соколова", "Иван"}
    assert "Деловая миссия" in set(db.session.execute(select(Call.question)).scalars())


def test_utf8_with_a_bom_and_spelled_out_headers(app, db, people, tmp_path):
    header = HEADER.replace("caller_name", "Caller name").replace("topic", "Topic code").replace(
        "operator,", "Operator login,").replace("coordinator", "Coordinator login")
    result = run(app, write(tmp_path, [header, *GOOD], bom=True))
    assert result.exit_code == 0, result.output
    assert count(db, Call) == 3
    assert db.session.execute(select(Caller.name).where(Caller.phone == "+73422124486")).scalar() == "Анна Соколова"


def test_existing_callers_are_reused(app, db, people, tmp_path):
    caller = factories.make_caller(phone="+73422124486", name="Анна")
    db.session.commit()
    assert run(app, write(tmp_path, [HEADER, GOOD[0], GOOD[0]])).exit_code == 0
    db.session.expire_all()
    assert set(db.session.execute(select(Call.caller_id)).scalars()) == {caller.id}


def test_missing_columns_are_named(app, db, people, tmp_path):
    result = run(app, write(tmp_path, ["started_at,channel", "2025-06-10 10:00,phone"]))
    assert result.exit_code != 0 and "Не хватает столбцов: topic, outcome" in result.output


def test_generate_calls_makes_consistent_history(app, db, reference):
    result = app.test_cli_runner().invoke(args=["generate-calls", "600", "--days", "20", "--seed", "7"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert count(db, Call) == 600
    calendar = business_calendar()
    answered = db.session.execute(select(Enquiry).where(Enquiry.answered_at.is_not(None))).scalars().all()
    assert answered and count(db, Enquiry) == db.session.execute(
        select(func.count()).where(Call.outcome == CallOutcome.ROUTED)).scalar_one()
    for enquiry in answered[:50]:
        assert enquiry.answer_business_seconds == calendar.business_seconds_between(enquiry.created_at,
                                                                                    enquiry.answered_at)
        assert enquiry.assigned_at >= enquiry.created_at
    references = db.session.execute(select(Enquiry.reference)).scalars().all()
    assert len(set(references)) == len(references)


def test_a_dropped_call_imports_without_a_topic_and_no_other_does(app, db, people, tmp_path):
    dropped = "2025-06-10 13:00,2025-06-10 13:00,phone,8 (342) 212-44-86,,,,,dropped,imp-op,,,,"
    info = "2025-06-10 14:00,,phone,,,,,,info,,,,,"
    refused = run(app, write(tmp_path, [HEADER, dropped, info]))
    assert refused.exit_code != 0 and "line 3: topic:" in refused.output and "line 2" not in refused.output
    assert count(db, Call) == 0
    result = run(app, write(tmp_path, [HEADER, dropped]))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    call = db.session.execute(select(Call)).scalar_one()
    assert call.topic_id is None and call.outcome is CallOutcome.DROPPED
