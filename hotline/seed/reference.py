"""Sister cities, topics, one coordinator group and routing rule per topic, the default SLA (SPEC 2)."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import CoordinatorGroup, RoutingRule, SisterCity, SlaPolicy, Topic

CITIES = [
    # code, name_ru, name_en, country_ru, country_en, year
    ("amneville", "Амневиль", "Amneville", "Франция", "France", 1992),
    ("louisville", "Луисвилл", "Louisville", "США", "USA", 1994),
    ("oxford", "Оксфорд", "Oxford", "Великобритания", "United Kingdom", 1995),
    ("qingdao", "Циндао", "Qingdao", "Китай", "China", 2003),
    ("duisburg", "Дуйсбург", "Duisburg", "Германия", "Germany", 2007),
    ("agrigento", "Агридженто", "Agrigento", "Италия", "Italy", 2012),
]

TOPICS = [
    ("youth", "Молодёжные проекты и обмены", "Youth projects and exchanges"),
    ("business", "Деловые миссии", "Business missions"),
    ("staffing", "«Кадры под ключ»", "Turnkey staffing («Кадры под ключ»)"),
    ("disability", "Работа с людьми с инвалидностью", "Work with people with disabilities"),
    ("archives", "Архивы", "Archives"),
    ("culture", "Культурные проекты, конференции, обмены", "Cultural projects, conferences, exchanges"),
    ("centres", "Общественные центры", "Public centres"),
    ("receptions", "Общественные приёмные Главы города", "Public receptions of the Head of the City"),
    ("extreme-park", "Экстрим-парк", "Extreme park"),
    ("media", "Журналисты и СМИ", "Journalists and media"),
    ("information", "Информационные материалы", "Information materials"),
    ("other", "Другое", "Other"),
]

DEFAULT_FIRST_RESPONSE_HOURS = 8.0   # one business day
DEFAULT_ANSWER_HOURS = 40.0          # five business days


def seed_reference() -> dict[str, int]:
    """Create what is missing; never overwrite what an admin changed. Returns counts created."""
    created = {"cities": 0, "topics": 0, "groups": 0, "rules": 0, "sla": 0}
    cities = {c.code: c for c in db.session.execute(select(SisterCity)).scalars()}
    for code, name_ru, name_en, country_ru, country_en, year in CITIES:
        if code not in cities:
            db.session.add(SisterCity(code=code, name_ru=name_ru, name_en=name_en, country_ru=country_ru,
                                      country_en=country_en, agreement_year=year))
            created["cities"] += 1
    topics = {t.code: t for t in db.session.execute(select(Topic)).scalars()}
    for position, (code, name_ru, name_en) in enumerate(TOPICS):
        topic = topics.get(code)
        if topic is None:
            topic = Topic(code=code, name_ru=name_ru, name_en=name_en, position=position)
            db.session.add(topic)
            created["topics"] += 1
        db.session.flush()
        group = db.session.execute(
            select(CoordinatorGroup).where(CoordinatorGroup.topic_id == topic.id)
        ).scalars().first()
        if group is None:
            group = CoordinatorGroup(name=f"{name_ru} — координаторы", topic_id=topic.id)
            db.session.add(group)
            db.session.flush()
            created["groups"] += 1
        has_rule = db.session.execute(select(RoutingRule.id).where(RoutingRule.topic_id == topic.id)).first()
        if not has_rule:
            db.session.add(RoutingRule(topic_id=topic.id, city_id=None, group_id=group.id, priority=0))
            created["rules"] += 1
    if not db.session.execute(select(SlaPolicy.id).where(SlaPolicy.topic_id.is_(None))).first():
        db.session.add(SlaPolicy(topic_id=None, first_response_hours=DEFAULT_FIRST_RESPONSE_HOURS,
                                 answer_hours=DEFAULT_ANSWER_HOURS))
        created["sla"] += 1
    db.session.flush()
    return created
