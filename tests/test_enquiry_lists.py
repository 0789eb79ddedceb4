"""The lists people work from (issue 14, SPEC 8.2): enquiries by status with filters in the URL,
sorting, paging, CSV/XLSX export, and `GET /api/v1/enquiries` with the same filters."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest

from hotline.enquiries import lists
from hotline.models import AuditEntry, CallChannel, EnquiryStatus, utcnow

from .factories import PASSWORD, make_enquiry, make_user

PERM = timezone(timedelta(hours=5))


def _sign_in(client, user):
    client.post("/logout")
    assert client.post("/login", data={"login": user.login, "password": PASSWORD}).status_code == 302


def _set(enquiry, **values):
    for name, value in values.items():
        setattr(enquiry, name, value)


@pytest.fixture
def world(db, reference):
    operator = make_user("operator", login="lists-operator")
    youth = make_user("coordinator", topics=["youth"], login="lists-youth", name="Юлия Юнова")
    archives = make_user("coordinator", topics=["archives"], login="lists-archives")
    now = utcnow()
    answered = make_enquiry(operator, question="Стажировка в Оксфорде", city_code="oxford")
    _set(answered, status=EnquiryStatus.ANSWERED, assignee_id=youth.id, answer="Да",
         created_at=datetime(2026, 3, 10, 0, 30, tzinfo=PERM), due_at=datetime(2026, 3, 12, tzinfo=PERM),
         answered_at=datetime(2026, 3, 11, tzinfo=PERM))
    late = make_enquiry(operator, question="Обмен школьниками")
    _set(late, status=EnquiryStatus.CLOSED, assignee_id=youth.id, answer="Поздно",
         created_at=datetime(2026, 3, 9, 23, 50, tzinfo=PERM), due_at=datetime(2026, 3, 10, tzinfo=PERM),
         answered_at=datetime(2026, 3, 11, tzinfo=PERM), closed_at=datetime(2026, 3, 12, tzinfo=PERM),
         formal_appeal=True)
    cancelled = make_enquiry(operator, question="Отменённый вопрос")
    _set(cancelled, status=EnquiryStatus.CANCELLED, cancelled_at=now, created_at=datetime(2026, 3, 11, tzinfo=PERM))
    overdue = make_enquiry(operator, question="Архивная справка о побратимах", topic_code="archives")
    _set(overdue, status=EnquiryStatus.ASSIGNED, assignee_id=archives.id, created_at=now - timedelta(days=5),
         due_at=now - timedelta(hours=1), sla_warn_at=now - timedelta(days=1))
    overdue.call.channel = CallChannel.EMAIL
    fresh = make_enquiry(operator, question="=HYPERLINK(\"x\") новая заявка")
    _set(fresh, status=EnquiryStatus.ASSIGNED, assignee_id=youth.id, created_at=now,
         due_at=now + timedelta(days=2), sla_warn_at=now + timedelta(days=1))
    db.session.commit()
    return dict(operator=operator, youth=youth, archives=archives, supervisor=make_user("supervisor"),
                answered=answered, late=late, cancelled=cancelled, overdue=overdue, fresh=fresh)


def _ids(user, **args):
    filters = lists.parse_filters(args)
    return [e.id for e in lists.page(user, filters)[0]]


def test_views_by_status(world):
    boss = world["supervisor"]
    assert set(_ids(boss, status="answered")) == {world["answered"].id}
    assert set(_ids(boss, status="closed")) == {world["late"].id}
    assert set(_ids(boss, status="cancelled")) == {world["cancelled"].id}
    assert set(_ids(boss, status="open")) == {world["overdue"].id, world["fresh"].id}
    assert len(_ids(boss, status="all")) == 5
    assert set(_ids(boss, status="answered,closed")) == {world["answered"].id, world["late"].id}


def test_filters(world):
    boss = world["supervisor"]
    assert _ids(boss, topic="archives") == [world["overdue"].id]
    assert _ids(boss, city="oxford") == [world["answered"].id]
    assert set(_ids(boss, coordinator="lists-youth")) == {world["answered"].id, world["late"].id, world["fresh"].id}
    assert _ids(boss, formal_appeal="1") == [world["late"].id]
    assert _ids(boss, channel="email") == [world["overdue"].id]
    assert _ids(boss, q="побратимов") == [world["overdue"].id]   # words in any form, through the index
    # Perm dates, `to` exclusive: 23:50 on the 9th is the 9th in Perm, 00:30 on the 10th the 10th
    assert _ids(boss, **{"from": "2026-03-10", "to": "2026-03-11"}) == [world["answered"].id]
    assert _ids(boss, **{"from": "2026-03-09", "to": "2026-03-10"}) == [world["late"].id]


def test_sla_states(world):
    boss = world["supervisor"]
    assert set(_ids(boss, sla="breached")) == {world["overdue"].id, world["late"].id}  # late answer counts
    assert set(_ids(boss, sla="ok")) == {world["fresh"].id, world["answered"].id}
    world["fresh"].sla_warn_at = utcnow() - timedelta(minutes=1)
    assert _ids(boss, sla="warning") == [world["fresh"].id]


def test_sorting_and_paging(world, monkeypatch):
    boss = world["supervisor"]
    by_created = _ids(boss, status="all")
    assert by_created[0] == world["fresh"].id and by_created[-1] == world["late"].id
    assert _ids(boss, status="all", sort="created", dir="asc") == list(reversed(by_created))
    by_due = _ids(boss, status="all", sort="due", dir="asc")
    assert by_due[0] == world["late"].id and by_due[-1] == world["cancelled"].id  # no due date: last
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    pages = [lists.page(boss, lists.parse_filters({"status": "all", "page": str(n)})) for n in (1, 2, 3)]
    assert [len(rows) for rows, _ in pages] == [2, 2, 1]
    assert [more for _, more in pages] == [True, True, False]
    assert [e.id for rows, _ in pages for e in rows] == by_created


def test_scope(world):
    assert set(_ids(world["archives"], status="all")) == {world["overdue"].id}
    assert set(_ids(world["youth"], status="all")) == {world["answered"].id, world["late"].id, world["fresh"].id,
                                                       world["cancelled"].id}  # the topic's, cancelled too
    other = make_user("operator")
    assert _ids(other, status="all") == []
    assert len(_ids(world["operator"], status="all")) == 5


def test_bad_filters_are_told_in_russian(world, client):
    with pytest.raises(lists.ListError) as caught:
        lists.parse_filters({"from": "10.03.2026", "sla": "late", "status": "lost", "page": "0"})
    assert set(caught.value.fields) == {"from", "sla", "status", "page"}
    _sign_in(client, world["supervisor"])
    response = client.get("/enquiries/list?from=2026-03-11&to=2026-03-10")
    assert response.status_code == 422
    assert "Конец периода должен быть позже начала." in response.get_data(as_text=True)


def test_the_page_keeps_everything_in_the_url(world, client):
    _sign_in(client, world["youth"])
    page = client.get("/enquiries/list?status=closed&formal_appeal=1&sort=due").get_data(as_text=True)
    assert world["late"].reference in page and world["answered"].reference not in page
    assert "/enquiries/list/export.csv?status=closed&amp;formal_appeal=1&amp;sort=due" in page
    assert 'aria-current="page">Закрыто' in page
    entry = AuditEntry.query.filter_by(actor_id=world["youth"].id, object_type="enquiry").first()
    assert entry is not None and f",{world['late'].id}," in entry.object_ids


def test_export_csv_and_xlsx(world, client):
    _sign_in(client, world["supervisor"])
    response = client.get("/enquiries/list/export.csv?status=open")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    assert world["fresh"].reference in text and world["answered"].reference not in text
    assert "'=HYPERLINK" in text  # a typed formula stays text
    assert "+73422124486" not in text and "8 (342) 212-44-86" not in text  # masked for supervisors
    response = client.get("/enquiries/list/export.xlsx?status=all&topic=archives")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Номер", "Создано", "Статус")
    assert [r[0] for r in rows[1:]] == [world["overdue"].reference]
    assert client.get("/enquiries/list/export.pdf").status_code == 404
    exported = AuditEntry.query.filter_by(actor_id=world["supervisor"].id, action="export").all()
    assert len(exported) == 2


def test_api_filters(world, api):
    coordinator = api("coordinator", topics=["youth"])
    body = coordinator.get("/api/v1/enquiries?status=closed&formal_appeal=1").get_json()
    assert [e["reference"] for e in body["enquiries"]] == [world["late"].reference]
    body = coordinator.get("/api/v1/enquiries?status=all&from=2026-03-10&to=2026-03-12&sort=created").get_json()
    assert [e["reference"] for e in body["enquiries"]] == [world["cancelled"].reference, world["answered"].reference]
    supervisor = api("supervisor")
    body = supervisor.get("/api/v1/enquiries?status=open&sla=breached&channel=email&q=справки").get_json()
    assert [e["reference"] for e in body["enquiries"]] == [world["overdue"].reference]
    response = supervisor.get("/api/v1/enquiries?sla=soon&to=yesterday")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"sla", "to"}

