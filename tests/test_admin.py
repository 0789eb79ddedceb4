"""Administration: the overview, users and their scope, API keys, absences (with re-routing)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.models import (
    Absence, ApiToken, AuditEntry, CoordinatorGroup, Enquiry, EnquiryEvent, EnquiryStatus, GroupMember, Role,
    SisterCity, Topic, User, utcnow,
)
from hotline.timefmt import to_local

from .factories import PASSWORD, count, make_user, topic

RU = {"Accept-Language": "ru"}


def today():
    return to_local(utcnow()).date()


def make_enquiry(db, assignee: User, topic_code: str = "youth", status=EnquiryStatus.ASSIGNED) -> Enquiry:
    number = count(db, Enquiry) + 1
    enquiry = Enquiry(reference=f"ЗЛ-2026-{number:06d}", topic_id=topic(topic_code).id, question="Вопрос",
                      status=status, assignee_id=assignee.id, assigned_at=utcnow(),
                      due_at=utcnow() + timedelta(days=3))
    db.session.add(enquiry)
    db.session.flush()
    return enquiry


def membership(db, user: User) -> set[tuple[str, str | None]]:
    rows = db.session.execute(
        select(Topic.code, SisterCity.code)
        .select_from(GroupMember)
        .join(CoordinatorGroup, CoordinatorGroup.id == GroupMember.group_id)
        .join(Topic, Topic.id == CoordinatorGroup.topic_id)
        .outerjoin(SisterCity, SisterCity.id == GroupMember.city_id)
        .where(GroupMember.user_id == user.id)
    ).all()
    return {(t, c) for t, c in rows}


# ---- overview ------------------------------------------------------------------------------------

def test_overview_links_every_section_with_counts_for_an_admin(client, login_as, db, reference):
    login_as("admin")
    make_user("coordinator", topics=["youth"])
    db.session.commit()
    page = client.get("/admin/", headers=RU).get_data(as_text=True)
    for url in ["/admin/users", "/admin/absences", "/admin/routing", "/admin/sla", "/admin/calendar",
                "/admin/reference"]:
        assert f'href="{url}"' in page, url
    assert "Пользователи и API-ключи" in page and "Маршрутизация" in page
    # 12 seeded rules and groups; every topic but youth has nobody, so the page warns.
    assert "12 правил, 12 групп" in page
    assert "Тем, которые нельзя маршрутизировать полностью: 11" in page


def test_supervisor_overview_lists_only_absences_and_routing(client, login_as, reference):
    login_as("supervisor")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/absences"' in page and 'href="/admin/routing"' in page
    for url in ["/admin/users", "/admin/sla", "/admin/calendar", "/admin/reference"]:
        assert f'href="{url}"' not in page, url


def test_admin_sees_the_administration_entry_in_the_top_bar(client, login_as, reference):
    login_as("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert '<a href="/admin/" aria-current="page"' not in page and 'href="/admin/"' in page


# ---- users ---------------------------------------------------------------------------------------

def test_users_list_shows_roles_scope_and_absences(client, login_as, db, reference):
    login_as("admin")
    coordinator = make_user("coordinator", login="ivanova", topics=["youth", "archives"], cities=["duisburg"])
    make_user("operator", login="olga")
    db.session.add(Absence(user_id=coordinator.id, starts_on=today(), ends_on=today() + timedelta(days=2)))
    db.session.commit()
    page = client.get("/admin/users", headers=RU).get_data(as_text=True)
    row = page.split(">ivanova<")[1].split("</tr>")[0]
    assert "координатор" in row and "Молодёжные проекты и обмены" in row and "Архивы" in row
    assert "Дуйсбург" in row
    assert "до " + (today() + timedelta(days=2)).strftime("%d.%m.%Y") in row
    assert "olga" in page


def test_create_a_coordinator_with_topics_and_cities(client, login_as, db, reference):
    admin = login_as("admin")
    response = client.post("/admin/users/new", data={
        "login": "petrov", "name": "Павел Петров", "email": "petrov@example.org", "role": "coordinator",
        "password": "long-enough-1", "topics": ["business", "media"], "cities": ["qingdao"],
    })
    assert response.status_code == 303
    user = db.session.execute(select(User).where(User.login == "petrov")).scalar_one()
    assert user.role is Role.COORDINATOR and user.email == "petrov@example.org" and user.check_password("long-enough-1")
    assert membership(db, user) == {("business", "qingdao"), ("media", "qingdao")}
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.object_type == "user_account",
                                                        AuditEntry.object_id == user.id)).scalars().first()
    assert entry.actor_id == admin.id and entry.action == "create"


@pytest.mark.parametrize("change,field,message", [
    ({"login": ""}, "login", "Обязательно."),
    ({"login": "два слова"}, "login", "Логин — от 1 до 64 латинских букв"),
    ({"password": "short"}, "password", "Пароль — не короче 8 символов."),
    ({"email": "not-an-address"}, "email", "Это не адрес электронной почты."),
    ({"role": "operator", "topics": ["youth"]}, "topics", "Темы и города-побратимы бывают только у координаторов."),
    ({"topics": [], "cities": ["oxford"]}, "cities", "Выберите темы"),
    ({"topics": ["nonsense"]}, "topics", "Неизвестный вариант"),
    ({"login": "Taken"}, "login", "уже есть"),
])
def test_bad_new_user_is_refused_with_a_clear_error(client, login_as, db, reference, change, field, message):
    login_as("admin")
    make_user("operator", login="taken")
    db.session.commit()
    before = count(db, User)
    data = {"login": "newbie", "name": "", "email": "", "role": "coordinator", "password": "long-enough-1",
            "topics": ["youth"]}
    data.update(change)
    response = client.post("/admin/users/new", data=data, headers=RU)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert f'id="{field}-error"' in page  # the message sits by its field
    assert count(db, User) == before


def test_edit_a_user_changes_scope_and_removes_unticked_memberships(client, login_as, db, reference):
    login_as("admin")
    user = make_user("coordinator", topics=["youth", "archives"], cities=["duisburg"])
    # A membership of a group that is not a topic's own group stays: the routing screen manages it.
    extra = CoordinatorGroup(name="Дежурные")
    db.session.add(extra)
    db.session.flush()
    db.session.add(GroupMember(group_id=extra.id, user_id=user.id))
    db.session.commit()
    form = client.get(f"/admin/users/{user.id}", headers=RU).get_data(as_text=True)
    assert re.search(r'value="youth"[^>]*checked|checked[^>]*value="youth"', form)
    assert "Дежурные" in form
    response = client.post(f"/admin/users/{user.id}", data={
        "name": "Новое имя", "email": "", "role": "coordinator", "active": "y", "password": "",
        "topics": ["youth", "media"], "cities": [],
    })
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.name == "Новое имя" and user.check_password(PASSWORD)
    assert membership(db, user) == {("youth", None), ("media", None)}
    assert count(db, GroupMember, GroupMember.group_id == extra.id, GroupMember.user_id == user.id) == 1


def test_password_reset_and_unlock(client, login_as, db, reference):
    login_as("admin")
    user = make_user("operator")
    db.session.commit()
    response = client.post(f"/admin/users/{user.id}", data={
        "name": user.name, "email": "", "role": "operator", "active": "y", "password": "brand-new-pass"})
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.check_password("brand-new-pass")
    bad = client.post(f"/admin/users/{user.id}", data={
        "name": user.name, "email": "", "role": "operator", "active": "y", "password": "short"}, headers=RU)
    assert bad.status_code == 422 and "Пароль — не короче 8 символов." in bad.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password("brand-new-pass")


def test_an_admin_cannot_switch_themselves_off(client, login_as, db, reference):
    admin = login_as("admin")
    response = client.post(f"/admin/users/{admin.id}", data={
        "name": "x", "email": "", "role": "admin", "password": ""}, headers=RU)
    assert response.status_code == 422
    assert "Нельзя отключить свою учётную запись" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active and admin.name != "x"


def test_deactivating_a_coordinator_releases_their_open_enquiries(client, login_as, db, reference):
    login_as("admin")
    leaving = make_user("coordinator", topics=["youth"])
    open_one = make_enquiry(db, leaving)
    answered = make_enquiry(db, leaving, status=EnquiryStatus.ANSWERED)
    db.session.commit()
    response = client.post(f"/admin/users/{leaving.id}", data={
        "name": leaving.name, "email": "", "role": "coordinator", "password": "", "topics": ["youth"]},
        follow_redirects=True, headers=RU)
    assert response.status_code == 200
    assert "Открытых обращений освобождено: 1" in response.get_data(as_text=True)
    db.session.refresh(leaving)
    assert leaving.active is False
    db.session.refresh(open_one)
    db.session.refresh(answered)
    assert open_one.status is EnquiryStatus.NEW and open_one.assignee_id is None
    assert answered.status is EnquiryStatus.ANSWERED and answered.assignee_id == leaving.id
    event = db.session.execute(select(EnquiryEvent).where(EnquiryEvent.enquiry_id == open_one.id,
                                                          EnquiryEvent.kind == "released")).scalar_one()
    assert event.detail["reason"] == "deactivated"


def test_a_coordinator_given_another_role_leaves_groups_and_enquiries(client, login_as, db, reference):
    login_as("admin")
    user = make_user("coordinator", topics=["youth"])
    enquiry = make_enquiry(db, user)
    db.session.commit()
    response = client.post(f"/admin/users/{user.id}", data={
        "name": user.name, "email": "", "role": "supervisor", "active": "y", "password": "", "topics": ["youth"]})
    assert response.status_code == 303
    db.session.refresh(enquiry)
    assert enquiry.status is EnquiryStatus.NEW and enquiry.assignee_id is None
    assert count(db, GroupMember, GroupMember.user_id == user.id) == 0


def test_topics_ticked_for_an_operator_are_refused(client, login_as, db, reference):
    login_as("admin")
    operator = make_user("operator")
    db.session.commit()
    response = client.post(f"/admin/users/{operator.id}", data={
        "name": operator.name, "email": "", "role": "operator", "active": "y", "password": "", "topics": ["youth"]},
        headers=RU)
    assert response.status_code == 422
    assert "Темы и города-побратимы бывают только у координаторов." in response.get_data(as_text=True)
    assert count(db, GroupMember) == 0


# ---- API keys ------------------------------------------------------------------------------------

def test_issue_shows_the_key_once_and_revoke_turns_it_away(client, login_as, db, reference):
    login_as("admin")
    operator = make_user("operator")
    db.session.commit()
    page = client.post(f"/admin/users/{operator.id}/tokens", follow_redirects=True).get_data(as_text=True)
    token = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)
    stored = db.session.execute(select(ApiToken).where(ApiToken.user_id == operator.id)).scalar_one()
    assert stored.token_hash == ApiToken.hash(token)
    assert token not in client.get(f"/admin/users/{operator.id}").get_data(as_text=True)  # shown once only
    url = "/api/v1/callers?phone=83422124486"
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    response = client.post(f"/admin/users/{operator.id}/tokens/{stored.id}/revoke")
    assert response.status_code == 303
    db.session.refresh(stored)
    assert stored.revoked_at is not None
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    actions = set(db.session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "access_token")).scalars())
    assert {"issue_token", "revoke_token"} <= actions


def test_a_switched_off_user_gets_no_key(client, login_as, db, reference):
    login_as("admin")
    user = make_user("operator")
    user.active = False
    db.session.commit()
    response = client.post(f"/admin/users/{user.id}/tokens", follow_redirects=True, headers=RU)
    assert "Отключённому пользователю нельзя выдать API-ключ." in response.get_data(as_text=True)
    assert count(db, ApiToken) == 0


# ---- absences ------------------------------------------------------------------------------------

def test_absence_covering_today_reroutes_open_enquiries(client, login_as, db, reference):
    supervisor = login_as("supervisor")
    away = make_user("coordinator", topics=["youth"])
    make_user("coordinator", topics=["youth"])
    enquiry = make_enquiry(db, away)
    db.session.commit()
    response = client.post("/admin/absences", data={
        "user": away.id, "starts_on": today().isoformat(), "ends_on": (today() + timedelta(days=5)).isoformat(),
        "reason": "отпуск"})
    assert response.status_code == 303
    absence = db.session.execute(select(Absence)).scalar_one()
    assert absence.user_id == away.id and absence.reason == "отпуск"
    db.session.refresh(enquiry)
    assert enquiry.status is EnquiryStatus.NEW and enquiry.assignee_id is None
    event = db.session.execute(select(EnquiryEvent).where(EnquiryEvent.enquiry_id == enquiry.id,
                                                          EnquiryEvent.kind == "released")).scalar_one()
    assert event.detail["from"] == away.login
    assert count(db, AuditEntry, AuditEntry.object_type == "absence", AuditEntry.actor_id == supervisor.id) == 1
    page = client.get("/admin/absences", headers=RU).get_data(as_text=True)
    assert away.name in page and "отпуск" in page and "сейчас отсутствует" in page


def test_a_later_absence_leaves_enquiries_until_its_first_day(client, login_as, db, reference):
    login_as("supervisor")
    away = make_user("coordinator", topics=["youth"])
    enquiry = make_enquiry(db, away)
    db.session.commit()
    start = today() + timedelta(days=10)
    response = client.post("/admin/absences", data={
        "user": away.id, "starts_on": start.strftime("%d.%m.%Y"), "ends_on": (start + timedelta(days=3)).isoformat()})
    assert response.status_code == 303
    db.session.refresh(enquiry)
    assert enquiry.status is EnquiryStatus.ASSIGNED and enquiry.assignee_id == away.id
    assert db.session.execute(select(Absence.starts_on)).scalar_one() == start


@pytest.mark.parametrize("who,start,end,message", [
    ("coordinator", 3, 1, "Последний день не может быть раньше первого."),
    ("coordinator", -5, -2, "Это отсутствие уже закончилось."),
    ("operator", 0, 1, "Выберите из списка."),
    ("coordinator", None, 1, "Обязательно."),
    ("overlap", 1, 4, "уже отсутствует с"),
])
def test_bad_absences_are_refused(client, login_as, db, reference, who, start, end, message):
    login_as("supervisor")
    coordinator = make_user("coordinator", topics=["youth"])
    operator = make_user("operator")
    db.session.add(Absence(user_id=coordinator.id, starts_on=today() + timedelta(days=2),
                           ends_on=today() + timedelta(days=6)))
    db.session.commit()
    user = operator if who == "operator" else coordinator
    data = {"user": user.id, "starts_on": "" if start is None else (today() + timedelta(days=start)).isoformat(),
            "ends_on": (today() + timedelta(days=end)).isoformat()}
    response = client.post("/admin/absences", data=data, headers=RU)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, Absence) == 1


def test_absence_service_refuses_non_coordinators(app, db, reference):
    from hotline.admin.service import add_absence
    from hotline.errors import ValidationFailed

    supervisor = make_user("supervisor")
    with pytest.raises(ValidationFailed):
        add_absence(supervisor, user_id=supervisor.id, starts_on=today(), ends_on=today())


def test_delete_an_absence(client, login_as, db, reference):
    login_as("supervisor")
    coordinator = make_user("coordinator", topics=["youth"])
    absence = Absence(user_id=coordinator.id, starts_on=today(), ends_on=today())
    db.session.add(absence)
    db.session.commit()
    assert client.post(f"/admin/absences/{absence.id}/delete").status_code == 303
    assert count(db, Absence) == 0
    assert count(db, AuditEntry, AuditEntry.object_type == "absence", AuditEntry.action == "delete") == 1
