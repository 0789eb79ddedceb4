"""Administration of topics and sister cities: created, edited (never their code), deleted only
when unused, offered at once, audited."""
import pytest
from sqlalchemy import select

from hotline.models import AuditEntry, CoordinatorGroup, RoutingRule, SisterCity, SlaPolicy, Topic

from .factories import city, count, make_call, make_user, topic

RU = {"Accept-Language": "ru"}


def test_a_new_topic_gets_its_group_and_rule_and_is_offered_at_once(client, login_as, db, reference):
    login_as("admin")
    response = client.post("/admin/topics/new", data={
        "code": "youth-camp", "name_ru": "Молодёжный лагерь", "name_en": "Youth camp", "position": "20",
        "active": "y"})
    assert response.status_code == 303
    new = db.session.execute(select(Topic).where(Topic.code == "youth-camp")).scalar_one()
    group = db.session.execute(select(CoordinatorGroup).where(CoordinatorGroup.topic_id == new.id)).scalar_one()
    rule = db.session.execute(select(RoutingRule).where(RoutingRule.topic_id == new.id)).scalar_one()
    assert group.name == "Молодёжный лагерь — координаторы" and rule.group_id == group.id and rule.city_id is None
    client.post("/logout")  # admins do not open the call desk (SPEC 10)
    login_as("operator")
    assert "Молодёжный лагерь" in client.get("/calls/new", headers=RU).get_data(as_text=True)


@pytest.mark.parametrize("change,message", [
    ({"code": "Youth"}, "Код — до 32 строчных латинских букв"),
    ({"code": "youth camp"}, "Код — до 32 строчных латинских букв"),
    ({"code": "-youth"}, "Код — до 32 строчных латинских букв"),
    ({"code": "youth"}, "Код youth уже занят."),
    ({"name_ru": ""}, "Обязательно."),
    ({"name_en": "x" * 201}, "Не больше 200 символов."),
    ({"position": "первая"}, "Введите целое число."),
])
def test_bad_topics_are_refused(client, login_as, db, reference, change, message):
    login_as("admin")
    data = {"code": "new-topic", "name_ru": "Новая", "name_en": "New", "position": "1", "active": "y", **change}
    response = client.post("/admin/topics/new", data=data, headers=RU)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(db, Topic) == 12 and count(db, CoordinatorGroup) == 12


def test_editing_a_topic_never_changes_its_code(client, login_as, db, reference):
    login_as("admin")
    archives = topic("archives")
    response = client.post(f"/admin/topics/{archives.id}", data={
        "code": "archive", "name_ru": "Архивы и история", "name_en": "Archives and history", "position": "3"})
    assert response.status_code == 303
    db.session.refresh(archives)
    assert archives.code == "archives" and archives.name_ru == "Архивы и история" and archives.active is False
    assert archives.position == 3
    page = client.get(f"/admin/topics/{archives.id}").get_data(as_text=True)
    assert 'name="code"' not in page


def test_a_topic_with_calls_is_not_deleted_but_an_unused_one_is(client, login_as, db, reference):
    login_as("admin")
    make_call(topic_code="archives")
    db.session.commit()
    archives = topic("archives")
    response = client.post(f"/admin/topics/{archives.id}/delete", follow_redirects=True, headers=RU)
    assert response.status_code == 200
    assert "нельзя удалить; отключите её" in response.get_data(as_text=True)
    assert db.session.get(Topic, archives.id) is not None
    extreme = topic("extreme-park")
    make_user("coordinator", topics=["extreme-park"])
    db.session.add(SlaPolicy(topic_id=extreme.id, first_response_hours=1, answer_hours=2))
    db.session.commit()
    extreme_id = extreme.id
    assert client.post(f"/admin/topics/{extreme_id}/delete").status_code == 303
    assert count(db, Topic, Topic.id == extreme_id) == 0
    assert count(db, CoordinatorGroup) == 11 and count(db, RoutingRule) == 11 and count(db, SlaPolicy) == 1


def test_add_edit_and_delete_a_sister_city(client, login_as, db, reference):
    login_as("admin")
    response = client.post("/admin/cities/new", data={
        "code": "ningbo", "name_ru": "Нинбо", "name_en": "Ningbo", "country_ru": "Китай", "country_en": "China",
        "agreement_year": "2024", "active": "y"})
    assert response.status_code == 303
    ningbo = db.session.execute(select(SisterCity).where(SisterCity.code == "ningbo")).scalar_one()
    assert ningbo.agreement_year == 2024 and ningbo.active
    response = client.post(f"/admin/cities/{ningbo.id}", data={
        "name_ru": "Нинбо", "name_en": "Ningbo", "country_ru": "КНР", "country_en": "PRC", "agreement_year": ""})
    assert response.status_code == 303
    db.session.refresh(ningbo)
    assert ningbo.country_ru == "КНР" and ningbo.agreement_year is None and ningbo.active is False
    page = client.get("/admin/reference", headers=RU).get_data(as_text=True)
    assert "ningbo" in page and "Амневиль" in page
    ningbo_id = ningbo.id
    assert client.post(f"/admin/cities/{ningbo_id}/delete").status_code == 303
    assert count(db, SisterCity, SisterCity.id == ningbo_id) == 0


def test_a_sister_city_in_use_is_not_deleted(client, login_as, db, reference):
    login_as("admin")
    make_call(city_code="oxford")
    db.session.commit()
    oxford = city("oxford")
    response = client.post(f"/admin/cities/{oxford.id}/delete", follow_redirects=True, headers=RU)
    assert "нельзя удалить; отключите его" in response.get_data(as_text=True)
    assert db.session.get(SisterCity, oxford.id) is not None


@pytest.mark.parametrize("change,message", [
    ({"code": "oxford"}, "Код oxford уже занят."),
    ({"code": "Нинбо"}, "Код — до 32 строчных латинских букв"),
    ({"agreement_year": "1800"}, "Год от 1900 до текущего."),
    ({"agreement_year": "давно"}, "Введите целое число."),
    ({"country_en": ""}, "Обязательно."),
])
def test_bad_sister_cities_are_refused(client, login_as, db, reference, change, message):
    login_as("admin")
    data = {"code": "ningbo", "name_ru": "Нинбо", "name_en": "Ningbo", "country_ru": "Китай",
            "country_en": "China", "agreement_year": "2024", **change}
    response = client.post("/admin/cities/new", data=data, headers=RU)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(db, SisterCity) == 6


def test_reference_changes_are_audited(client, login_as, db, reference):
    admin = login_as("admin")
    client.post("/admin/topics/new", data={"code": "x1", "name_ru": "Икс", "name_en": "X", "position": "0"})
    client.post(f"/admin/cities/{city('oxford').id}", data={
        "name_ru": "Оксфорд", "name_en": "Oxford", "country_ru": "Великобритания", "country_en": "UK",
        "agreement_year": "1995", "active": "y"})
    entries = db.session.execute(select(AuditEntry.object_type, AuditEntry.action)
                                 .where(AuditEntry.actor_id == admin.id)).all()
    assert ("topic", "create") in entries and ("sister_city", "update") in entries
