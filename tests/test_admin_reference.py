"""Administration of what routing and SLA clocks read: routing rules and groups, SLA targets and
the business calendar."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from hotline.enquiries.routing import choose_coordinator
from hotline.enquiries.service import plan_enquiry
from hotline.extensions import db as _db
from hotline.models import (
    AuditEntry, CalendarDay, CoordinatorGroup, GroupMember, RoutingRule, SlaPolicy, utcnow,
)

from .factories import city, count, make_user, topic

RU = {"Accept-Language": "ru"}
# A Monday 10:00 Perm time (05:00 UTC), in a week without public holidays.
MONDAY_10 = datetime(2026, 3, 16, 5, 0, tzinfo=timezone.utc)


def group_of(code: str) -> CoordinatorGroup:
    return _db.session.execute(select(CoordinatorGroup).where(CoordinatorGroup.topic_id == topic(code).id)).scalar_one()


# ---- routing rules and groups --------------------------------------------------------------------

def test_routing_page_lists_rules_members_and_warnings(client, login_as, db, reference):
    login_as("supervisor")
    make_user("coordinator", login="maria", name="Мария Ковалёва", topics=["youth"])
    away = make_user("coordinator", name="Кирилл Кузнецов", topics=["archives"])
    from hotline.models import Absence

    db.session.add(Absence(user_id=away.id, starts_on=utcnow().date() - timedelta(days=1),
                           ends_on=utcnow().date() + timedelta(days=1)))
    db.session.commit()
    page = client.get("/admin/routing", headers=RU).get_data(as_text=True)
    warned = page.split('class="admin-table admin-warnings"')[1].split("</table>")[0]
    assert "Молодёжные проекты и обмены" not in warned  # youth has a present coordinator
    assert "Деловые миссии" in warned and "нет активного координатора" in warned
    assert "Архивы" in warned and "отсутствуют сегодня" in warned
    assert "обращения по этой теме будут ждать в списке нераспределённых" in page
    assert "Мария Ковалёва" in page and "любой" in page


def test_a_topic_without_any_rule_is_warned_about(client, login_as, db, reference):
    login_as("supervisor")
    db.session.execute(RoutingRule.__table__.delete().where(RoutingRule.topic_id == topic("media").id))
    db.session.commit()
    page = client.get("/admin/routing", headers=RU).get_data(as_text=True)
    media_row = page.split("Журналисты и СМИ</strong></td>")[1].split("</tr>")[0]
    assert "нет правила маршрутизации" in media_row


def test_add_edit_and_delete_a_rule(client, login_as, db, reference):
    actor = login_as("supervisor")
    group = group_of("business")
    response = client.post("/admin/routing/rules", data={
        "topic": topic("youth").id, "city": city("qingdao").id, "group": group.id, "priority": "5"})
    assert response.status_code == 303
    rule = db.session.execute(select(RoutingRule).where(RoutingRule.city_id == city("qingdao").id)).scalar_one()
    assert (rule.topic_id, rule.group_id, rule.priority) == (topic("youth").id, group.id, 5)
    # The new rule decides: a youth enquiry about Qingdao goes to the business group's coordinator.
    coordinator = make_user("coordinator", topics=["business"])
    make_user("coordinator", topics=["youth"])
    db.session.commit()
    assert choose_coordinator(topic("youth").id, city("qingdao").id).user_id == coordinator.id
    assert client.get(f"/admin/routing/rules/{rule.id}").status_code == 200
    response = client.post(f"/admin/routing/rules/{rule.id}", data={
        "topic": topic("youth").id, "city": "", "group": group.id, "priority": "-3"})
    assert response.status_code == 303
    db.session.refresh(rule)
    assert rule.city_id is None and rule.priority == -3
    rule_id = rule.id
    assert client.post(f"/admin/routing/rules/{rule_id}/delete").status_code == 303
    assert count(db, RoutingRule, RoutingRule.id == rule_id) == 0
    assert count(db, AuditEntry, AuditEntry.object_type == "routing_rule", AuditEntry.actor_id == actor.id) == 3


@pytest.mark.parametrize("change,message", [
    ({"topic": ""}, "Обязательно."),
    ({"group": "999999"}, "Выберите из списка."),
    ({"priority": "abc"}, "Введите целое число."),
    ({"priority": "5000"}, "Приоритет — целое число от -1000 до 1000."),
    ({"duplicate": True}, "Такое правило уже есть."),
])
def test_bad_rules_are_refused(client, login_as, db, reference, change, message):
    login_as("supervisor")
    before = count(db, RoutingRule)
    data = {"topic": topic("youth").id, "city": "", "group": group_of("archives").id, "priority": "1"}
    if change.pop("duplicate", False):
        data["group"] = group_of("youth").id
        data["priority"] = "0"
    data.update(change)
    response = client.post("/admin/routing/rules", data=data, headers=RU)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, RoutingRule) == before


def test_groups_create_rename_members_and_delete(client, login_as, db, reference):
    login_as("supervisor")
    coordinator = make_user("coordinator", name="Светлана Сидорова")
    db.session.commit()
    response = client.post("/admin/routing/groups", data={"group-name": "Дежурные по Китаю", "group-topic": ""})
    assert response.status_code == 303
    group = db.session.execute(
        select(CoordinatorGroup).where(CoordinatorGroup.name == "Дежурные по Китаю")).scalar_one()
    assert response.headers["Location"].endswith(f"/admin/routing/groups/{group.id}")
    response = client.post(f"/admin/routing/groups/{group.id}",
                           data={"name": "Дежурные: Циндао", "topic": topic("business").id})
    assert response.status_code == 303
    db.session.refresh(group)
    assert group.name == "Дежурные: Циндао" and group.topic_id == topic("business").id
    response = client.post(f"/admin/routing/groups/{group.id}/members",
                           data={"member-user": coordinator.id, "member-city": city("qingdao").id})
    assert response.status_code == 303
    member = db.session.execute(select(GroupMember).where(GroupMember.group_id == group.id)).scalar_one()
    assert member.user_id == coordinator.id and member.city_id == city("qingdao").id
    page = client.get(f"/admin/routing/groups/{group.id}", headers=RU).get_data(as_text=True)
    assert "Светлана Сидорова" in page and "Циндао" in page
    duplicate = client.post(f"/admin/routing/groups/{group.id}/members",
                            data={"member-user": coordinator.id, "member-city": city("qingdao").id}, headers=RU)
    assert duplicate.status_code == 422 and "уже в этой группе" in duplicate.get_data(as_text=True)
    assert client.post(f"/admin/routing/groups/{group.id}/members/{member.id}/delete").status_code == 303
    assert count(db, GroupMember, GroupMember.group_id == group.id) == 0
    group_id = group.id
    assert client.post(f"/admin/routing/groups/{group_id}/delete").status_code == 303
    assert count(db, CoordinatorGroup, CoordinatorGroup.id == group_id) == 0


def test_a_group_with_rules_is_not_deleted(client, login_as, db, reference):
    login_as("supervisor")
    group = group_of("youth")
    response = client.post(f"/admin/routing/groups/{group.id}/delete", follow_redirects=True, headers=RU)
    assert response.status_code == 200
    assert "Правила маршрутизации отправляют обращения в эту группу" in response.get_data(as_text=True)
    assert db.session.get(CoordinatorGroup, group.id) is not None


@pytest.mark.parametrize("data,message", [
    ({"group-name": "", "group-topic": ""}, "Обязательно."),
    ({"group-name": "молодёжные проекты и обмены — координаторы", "group-topic": ""},
     "Группа с таким названием уже есть."),
])
def test_bad_groups_are_refused(client, login_as, db, reference, data, message):
    login_as("supervisor")
    before = count(db, CoordinatorGroup)
    response = client.post("/admin/routing/groups", data=data, headers=RU)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(db, CoordinatorGroup) == before


def test_only_coordinators_join_groups(client, login_as, db, reference):
    login_as("supervisor")
    operator = make_user("operator")
    db.session.commit()
    group = group_of("youth")
    response = client.post(f"/admin/routing/groups/{group.id}/members", data={"member-user": operator.id},
                           headers=RU)
    assert response.status_code == 422 and "Выберите из списка." in response.get_data(as_text=True)
    assert count(db, GroupMember) == 0


# ---- SLA -----------------------------------------------------------------------------------------

def test_sla_changes_are_seen_by_plan_enquiry_at_once(app, client, login_as, db, reference):
    app.config["REFERENCE_CACHE_SECONDS"] = 300  # as in production: the snapshot would live 5 minutes
    login_as("admin")
    youth = topic("youth").id
    assert plan_enquiry(youth, MONDAY_10).due_at == datetime(2026, 3, 20, 9, 0, tzinfo=timezone.utc)  # 40 h
    # A change behind the snapshot's back is not seen (so the next assertions prove invalidation).
    db.session.execute(update(SlaPolicy).where(SlaPolicy.topic_id.is_(None)).values(answer_hours=9))
    db.session.commit()
    assert plan_enquiry(youth, MONDAY_10).due_at == datetime(2026, 3, 20, 9, 0, tzinfo=timezone.utc)
    response = client.post("/admin/sla", data={"topic": youth, "first_response_hours": "2",
                                               "answer_hours": "4,5"})
    assert response.status_code == 303
    plan = plan_enquiry(youth, MONDAY_10)
    assert plan.first_response_due_at == datetime(2026, 3, 16, 7, 0, tzinfo=timezone.utc)
    assert plan.due_at == datetime(2026, 3, 16, 9, 30, tzinfo=timezone.utc)
    policy = db.session.execute(select(SlaPolicy).where(SlaPolicy.topic_id == youth)).scalar_one()
    response = client.post(f"/admin/sla/{policy.id}", data={"first_response_hours": "1", "answer_hours": "3"})
    assert response.status_code == 303
    assert plan_enquiry(youth, MONDAY_10).due_at == datetime(2026, 3, 16, 8, 0, tzinfo=timezone.utc)
    assert client.post(f"/admin/sla/{policy.id}/delete").status_code == 303
    # Back to the default row, which now says 9 hours (the snapshot was reloaded).
    assert plan_enquiry(youth, MONDAY_10).due_at == datetime(2026, 3, 17, 5, 0, tzinfo=timezone.utc)
    default = db.session.execute(select(SlaPolicy).where(SlaPolicy.topic_id.is_(None))).scalar_one()
    response = client.post(f"/admin/sla/{default.id}", data={"first_response_hours": "8", "answer_hours": "16"})
    assert response.status_code == 303
    assert plan_enquiry(youth, MONDAY_10).due_at == datetime(2026, 3, 17, 12, 0, tzinfo=timezone.utc)


def test_sla_page_lists_default_and_overrides(client, login_as, db, reference):
    login_as("admin")
    db.session.add(SlaPolicy(topic_id=topic("media").id, first_response_hours=2, answer_hours=6.5))
    db.session.commit()
    page = client.get("/admin/sla", headers=RU).get_data(as_text=True)
    assert "По умолчанию" in page and "Журналисты и СМИ" in page and "6,5" in page  # Russian decimal comma (hotline/numbers.py)


@pytest.mark.parametrize("data,message", [
    ({"first_response_hours": "0", "answer_hours": "8"}, "Число больше 0."),
    ({"first_response_hours": "-1", "answer_hours": "8"}, "Число больше 0."),
    ({"first_response_hours": "восемь", "answer_hours": "8"}, "Введите число, например 8 или 4,5."),
    ({"first_response_hours": "10", "answer_hours": "8"}, "Срок ответа не может быть короче срока первой реакции."),
    ({"first_response_hours": "8", "answer_hours": "99999"}, "не больше 2000"),
    ({"topic": "", "first_response_hours": "8", "answer_hours": "9"}, "Выберите тему"),
])
def test_bad_sla_targets_are_refused(client, login_as, db, reference, data, message):
    login_as("admin")
    data = {"topic": topic("archives").id, **data}
    response = client.post("/admin/sla", data=data, headers=RU)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(db, SlaPolicy) == 1


def test_bad_edit_of_the_default_is_refused(client, login_as, db, reference):
    login_as("admin")
    default = db.session.execute(select(SlaPolicy)).scalar_one()
    response = client.post(f"/admin/sla/{default.id}", data={"first_response_hours": "9", "answer_hours": "1"},
                           headers=RU)
    assert response.status_code == 422
    db.session.refresh(default)
    assert (default.first_response_hours, default.answer_hours) == (8.0, 40.0)


def test_the_default_sla_cannot_be_deleted(client, login_as, db, reference):
    login_as("admin")
    default = db.session.execute(select(SlaPolicy)).scalar_one()
    response = client.post(f"/admin/sla/{default.id}/delete", follow_redirects=True, headers=RU)
    assert "Сроки по умолчанию удалить нельзя." in response.get_data(as_text=True)
    assert db.session.get(SlaPolicy, default.id) is not None


def test_a_topic_gets_one_override_only(client, login_as, db, reference):
    login_as("admin")
    db.session.add(SlaPolicy(topic_id=topic("media").id, first_response_hours=2, answer_hours=6))
    db.session.commit()
    response = client.post("/admin/sla", data={"topic": topic("media").id, "first_response_hours": "1",
                                               "answer_hours": "2"}, headers=RU)
    assert response.status_code == 422
    assert count(db, SlaPolicy) == 2


# ---- calendar ------------------------------------------------------------------------------------

def test_calendar_days_move_due_times_at_once(app, client, login_as, db, reference):
    app.config["REFERENCE_CACHE_SECONDS"] = 300
    login_as("admin")
    youth = topic("youth").id
    monday_17 = MONDAY_10 + timedelta(hours=7)  # 1 business hour on Monday, 7 on Tuesday
    assert plan_enquiry(youth, monday_17).first_response_due_at == datetime(2026, 3, 17, 11, 0, tzinfo=timezone.utc)
    response = client.post("/admin/calendar", data={"day": "17.03.2026", "working": "off", "note": "перенос"})
    assert response.status_code == 303
    assert plan_enquiry(youth, monday_17).first_response_due_at == datetime(2026, 3, 18, 11, 0, tzinfo=timezone.utc)
    row = db.session.get(CalendarDay, date(2026, 3, 17))
    assert row.working is False and row.note == "перенос"
    assert client.post("/admin/calendar/2026-03-17/delete").status_code == 303
    assert plan_enquiry(youth, monday_17).first_response_due_at == datetime(2026, 3, 17, 11, 0, tzinfo=timezone.utc)
    # A worked Saturday: Friday 17:00 + 8 business hours ends on that Saturday.
    friday_17 = datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)
    assert client.post("/admin/calendar", data={"day": "2026-03-21", "working": "working"}).status_code == 303
    assert plan_enquiry(youth, friday_17).first_response_due_at == datetime(2026, 3, 21, 11, 0, tzinfo=timezone.utc)
    assert count(db, AuditEntry, AuditEntry.object_type == "calendar_day") == 3


def test_calendar_page_shows_public_holidays_ahead(client, login_as, db, reference, monkeypatch):
    from hotline.admin import service

    monkeypatch.setattr(service, "today", lambda: date(2026, 4, 20))
    login_as("admin")
    db.session.add(CalendarDay(day=date(2026, 5, 8), working=False, note="мост"))
    db.session.commit()
    page = client.get("/admin/calendar", headers=RU).get_data(as_text=True)
    assert "01.05.2026" in page and "09.05.2026" in page and "12.06.2026" in page
    assert "04.11.2026" not in page  # beyond 60 days
    assert "08.05.2026" in page and "мост" in page


@pytest.mark.parametrize("data,message", [
    ({"day": "", "working": "off"}, "Обязательно."),
    ({"day": "31.02.2026", "working": "off"}, "Введите дату, например 31.12.2026."),
    ({"day": "2026-03-17", "working": "maybe"}, "Выберите из списка."),
    ({"day": "2026-03-18", "working": "off"}, "Эта дата уже есть в календаре"),
    ({"day": "2026-03-17", "working": "off", "note": "я" * 201}, "Не больше 200 символов."),
])
def test_bad_calendar_days_are_refused(client, login_as, db, reference, data, message):
    login_as("admin")
    db.session.add(CalendarDay(day=date(2026, 3, 18), working=False))
    db.session.commit()
    response = client.post("/admin/calendar", data=data, headers=RU)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(db, CalendarDay) == 1
