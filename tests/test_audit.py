"""The audit log people can read (SPEC 10): every read of personal data — one row per record on a
detail read, one per list or search naming the ids shown — and every change; the admins' page
(filters, paging, CSV/XLSX) and GET /api/v1/audit; rows never updated, deleted only by the audit's
own retention (on PostgreSQL a trigger refuses anything else)."""
import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select, text, update

from hotline import audit
from hotline.models import AuditEntry, EnquiryStatus, utcnow

from .factories import PASSWORD, count, make_call, make_caller, make_enquiry, make_user


def reads(db, object_type=None, via=None):
    stmt = select(AuditEntry).where(AuditEntry.action == "read").order_by(AuditEntry.id)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    rows = list(db.session.execute(stmt).scalars())
    return [r for r in rows if via is None or (r.detail or {}).get("via") == via]


# Reads of personal data --------------------------------------------------------------------------

def test_api_enquiry_list_and_item_reads_are_recorded(api, db, reference):
    operator = api("operator")
    first, second = make_enquiry(operator.user), make_enquiry(operator.user)
    db.session.commit()
    assert operator.get("/api/v1/enquiries").status_code == 200
    (row,) = reads(db, "enquiry")
    assert row.actor_id == operator.user.id and sorted(row.ids) == sorted([first.id, second.id])
    assert operator.get(f"/api/v1/enquiries/{first.reference}").status_code == 200
    rows = reads(db, "enquiry")
    assert len(rows) == 2 and rows[-1].object_id == first.id and rows[-1].ids == [first.id]


def test_fifty_call_reads_are_fifty_rows(api, db, reference):
    operator = api("operator")
    calls = [make_call(operator.user, caller=make_caller()) for _ in range(5)]
    db.session.commit()
    for _round in range(10):
        for call in calls:
            assert operator.get(f"/api/v1/calls/{call.id}").status_code == 200
    assert len(reads(db, "call")) == 50


def test_calls_list_records_the_ids_it_shows(client, login_as, db, reference):
    operator = login_as("operator")
    mine = [make_call(operator) for _ in range(3)]
    make_call(make_user("operator"))  # not shown, not named
    assert client.get("/calls/").status_code == 200
    (row,) = reads(db, "call", via="calls-list")
    assert sorted(row.ids) == sorted(c.id for c in mine)


def test_privacy_search_and_prefix_lookup_record_the_callers_shown(client, login_as, db, reference):
    anna = make_caller("+73422124486", "Анна Соколова")
    make_caller("+73422124400", "Пётр Иванов")
    login_as("supervisor")
    assert client.get("/privacy/?q=Соколова").status_code == 200
    (row,) = reads(db, "caller", via="privacy-search")
    assert row.ids == [anna.id]
    assert client.get("/privacy/?q=никого").status_code == 200
    assert len(reads(db, "caller", via="privacy-search")) == 1  # nothing shown, nothing named
    assert client.get("/calls/lookup?phone=8342212").status_code == 200
    (row,) = reads(db, "caller", via="lookup")
    assert len(row.ids) == 2


def test_the_inbox_names_what_it_shows_and_its_poll_only_what_changed(client, login_as, db, reference):
    coordinator = login_as("coordinator", topics=["youth"])
    enquiry = make_enquiry()
    enquiry.status, enquiry.assignee_id = EnquiryStatus.ASSIGNED, coordinator.id
    db.session.commit()
    client.get("/enquiries/")
    client.get("/enquiries/rows")
    client.get("/enquiries/rows")
    assert [r.ids for r in reads(db, "enquiry", via="inbox")] == [[enquiry.id]]
    second = make_enquiry()
    second.status, second.assignee_id = EnquiryStatus.ASSIGNED, coordinator.id
    db.session.commit()
    client.get("/enquiries/rows")
    rows = reads(db, "enquiry", via="inbox")
    assert len(rows) == 2 and sorted(rows[-1].ids) == sorted([enquiry.id, second.id])


# Changes -----------------------------------------------------------------------------------------

def test_notes_and_caller_changes_are_recorded(api, db, reference):
    from hotline.enquiries import workflow

    coordinator = make_user("coordinator", topics=["youth"])
    enquiry = make_enquiry()
    enquiry.status, enquiry.assignee_id = EnquiryStatus.ASSIGNED, coordinator.id
    note = workflow.add_note(coordinator, enquiry, "Перезвонить после обеда")
    db.session.commit()
    row = db.session.execute(select(AuditEntry).where(AuditEntry.action == "note")).scalar_one()
    assert row.actor_id == coordinator.id and row.object_id == enquiry.id and row.detail["note"] == note.id
    # an operator renames a caller by typing a new name on the call form
    from .factories import call_payload

    operator = api("operator")
    body = call_payload(outcome="info", caller={"name": "Анна Петрова", "phone": "8 (342) 212-44-86",
                                                 "language": "ru"})
    assert operator.post("/api/v1/calls", json=body).status_code == 201
    row = db.session.execute(select(AuditEntry).where(AuditEntry.action == "update",
                                                      AuditEntry.object_type == "caller")).scalar_one()
    assert row.object_id == enquiry.caller_id and row.detail["fields"] == ["name"]


# The admins' page and API ------------------------------------------------------------------------

@pytest.fixture
def logged(db, reference):
    """A log with reads and changes by two people over two days."""
    operator, supervisor = make_user("operator", login="anna"), make_user("supervisor", login="boris")
    enquiry = make_enquiry(operator)
    audit.record(supervisor, "read", enquiry, via="enquiry-page")
    audit.record_list(supervisor, "enquiry", [enquiry.id, enquiry.id + 100], via="api")
    db.session.execute(insert(AuditEntry.__table__), [dict(
        actor_id=operator.id, action="read", object_type="call", object_id=enquiry.call_id, object_ids=None,
        detail={"via": "api"}, created_at=utcnow() - timedelta(days=3))])
    db.session.commit()
    return dict(operator=operator, supervisor=supervisor, enquiry=enquiry)


def test_admin_page_filters_by_person_record_action_and_period(client, login_as, db, logged):
    login_as("admin")
    enquiry = logged["enquiry"]
    page = client.get("/admin/audit?actor=boris").get_data(as_text=True)
    assert page.count("enquiry-page") == 1 and "via=api" in page
    response = client.get(f"/admin/audit?record=enquiry:{enquiry.id}&action=read")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "enquiry-page" in body and str(enquiry.id + 100) in body  # the list row names it too
    today = (utcnow() + timedelta(hours=5)).date()
    old = client.get(f"/admin/audit?to={(today - timedelta(days=1)).isoformat()}").get_data(as_text=True)
    assert "call" in old and "enquiry-page" not in old
    assert "Журнал аудита" in client.get("/admin/audit").get_data(as_text=True)


def test_admin_page_refuses_bad_filters_with_the_reason(client, login_as, db, logged):
    login_as("admin")
    response = client.get("/admin/audit?record=enquiry;drop&from=2026-13-01")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "enquiry:12" in body and "Дата в виде ГГГГ-ММ-ДД." in body and 'aria-invalid="true"' in body


def test_admin_page_pages(client, login_as, db, reference):
    admin = login_as("admin")
    for number in range(audit.PAGE_SIZE + 5):
        audit.record_row(admin, "read", "call", number + 1)
    db.session.commit()
    first = client.get("/admin/audit?record=call").get_data(as_text=True)
    second = client.get("/admin/audit?record=call&page=2").get_data(as_text=True)
    assert "page=2" in first and first.count("<td>call</td>") == audit.PAGE_SIZE
    assert second.count("<td>call</td>") == 5


def test_admin_exports_csv_and_xlsx_with_the_filters(client, login_as, db, logged):
    login_as("admin")
    response = client.get("/admin/audit/export.csv?actor=boris")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Время", "Кто", "Действие"] and len(rows) == 3
    assert {r[1] for r in rows[1:]} == {"boris"}
    response = client.get("/admin/audit/export.xlsx?record=call&action=read")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == 2 and sheet.cell(2, 4).value == "call"
    # the export itself is in the log
    assert count(db, AuditEntry, AuditEntry.action == "export", AuditEntry.object_type == "audit_entry") == 2


def test_api_audit_is_for_admins_only(api, db, logged):
    enquiry = logged["enquiry"]
    assert api("supervisor").get("/api/v1/audit").status_code == 403
    admin = api("admin")
    body = admin.get(f"/api/v1/audit?record=enquiry:{enquiry.id}").get_json()
    # newest first: boris's list and detail reads, anna's creation of it
    assert [(e["actor"], e["action"]) for e in body["entries"]] == [("boris", "read"), ("boris", "read"),
                                                                     ("anna", "create")]
    assert body["entries"][0]["ids"] == [enquiry.id, enquiry.id + 100]
    assert admin.get("/api/v1/audit?actor=anna&record=call").get_json()["entries"][0]["record"] == "call"
    bad = admin.get("/api/v1/audit?from=yesterday")
    assert bad.status_code == 422 and "from" in bad.get_json()["error"]["fields"]


# Never updated, deleted only by its retention ----------------------------------------------------

def test_rows_are_never_updated_or_deleted(db, logged):
    before = count(db, AuditEntry)
    entry = db.session.execute(select(AuditEntry)).scalars().first()
    entry.action = "nothing"
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.execute(select(AuditEntry)).scalars().first())
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":  # and below the ORM, the trigger
        from sqlalchemy.exc import DBAPIError

        for statement in (update(AuditEntry.__table__).values(action="x"), text("DELETE FROM audit_entry")):
            with pytest.raises(DBAPIError, match="never updated or deleted"):
                db.session.execute(statement)
            db.session.rollback()
    assert count(db, AuditEntry) == before


def test_retention_purges_only_what_is_older_than_its_period(app, db, logged):
    app.config["AUDIT_RETENTION_DAYS"] = 2
    assert audit.purge() == 1
    assert count(db, AuditEntry, AuditEntry.action == "read") == 2
    purge_row = db.session.execute(select(AuditEntry).where(AuditEntry.action == "purge")).scalar_one()
    assert purge_row.detail["deleted"] == 1
    app.config["AUDIT_RETENTION_DAYS"] = 0
    assert audit.purge() == 0


def test_the_nightly_retention_job_and_command_purge_the_audit(app, db, logged):
    from hotline.jobs import apply_retention

    app.config["AUDIT_RETENTION_DAYS"] = 2
    assert apply_retention()["audit_entries"] == 1
    result = app.test_cli_runner().invoke(args=["retention"])
    assert result.exit_code == 0 and "audit entries before" in result.output
