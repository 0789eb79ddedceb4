"""The demo set (SPEC 2, issue 16 item 14): questions, topics, cities, coordinators and FAQ answers
that belong together, and every topic routable for every city and for none."""
import pytest
from sqlalchemy import select

from hotline.enquiries.routing import choose_coordinator
from hotline.models import (
    Call, CoordinatorGroup, Enquiry, EnquiryStatus, FaqEntry, FaqUse, GroupMember, SisterCity, Topic, User,
)
from hotline.seed.demo import DEMO_QUESTIONS, USERS, seed_demo
from hotline.seed.reference import CITIES, TOPICS


@pytest.fixture
def demo(db):
    seed_demo(calls_days=6, calls_per_day=20)
    db.session.commit()


def test_every_topic_routes_for_every_city_and_for_none(demo, db):
    topics = db.session.execute(select(Topic)).scalars().all()
    cities = [None] + [c.id for c in db.session.execute(select(SisterCity)).scalars()]
    assert len(topics) == len(TOPICS) and len(cities) == len(CITIES) + 1
    unroutable = [(t.code, c) for t in topics for c in cities if choose_coordinator(t.id, c) is None]
    assert unroutable == []


def test_the_extreme_park_and_other_are_not_tied_to_duisburg(demo, db):
    # Their coordinator used to cover Duisburg only: a question without a city went unrouted.
    kuznetsov = db.session.execute(select(User).where(User.login == "kuznetsov")).scalar_one()
    for code in ("extreme-park", "other"):
        topic = db.session.execute(select(Topic).where(Topic.code == code)).scalar_one()
        assert choose_coordinator(topic.id, None).user_id == kuznetsov.id
    youth = db.session.execute(select(Topic).where(Topic.code == "youth")).scalar_one()
    members = db.session.execute(
        select(GroupMember.city_id).join(CoordinatorGroup).where(
            CoordinatorGroup.topic_id == youth.id, GroupMember.user_id == kuznetsov.id)).scalars().all()
    duisburg = db.session.execute(select(SisterCity.id).where(SisterCity.code == "duisburg")).scalar()
    assert members == [duisburg]  # youth only for Duisburg


def test_every_demo_question_has_a_real_topic_and_city_and_an_faq_answer_of_its_topic(demo, db):
    from hotline.faq.search import suggest

    topic_codes = {code for code, *_ in TOPICS}
    city_codes = {code for code, *_ in CITIES}
    topics = {t.id: t.code for t in db.session.execute(select(Topic)).scalars()}
    assert {topic for topic, _, _ in DEMO_QUESTIONS} == topic_codes  # every topic is asked about
    wrong = []
    for topic, city, question in DEMO_QUESTIONS:
        assert topic in topic_codes and (city is None or city in city_codes), question
        best = suggest(question, language="ru", limit=3)
        if not best or topics[best[0].topic_id] != topic:
            wrong.append((question, topic, [topics[e.topic_id] for e in best]))
    assert wrong == []


def test_seeded_calls_enquiries_and_faq_uses_agree_with_their_question(demo, db):
    asked = {question: (topic, city) for topic, city, question in DEMO_QUESTIONS}
    topics = {t.id: t.code for t in db.session.execute(select(Topic)).scalars()}
    cities = {c.id: c.code for c in db.session.execute(select(SisterCity)).scalars()}
    calls = db.session.execute(select(Call)).scalars().all()
    assert len(calls) > 30
    for call in calls:
        if call.question:
            assert asked[call.question] == (topics[call.topic_id], cities.get(call.city_id)), call.question
    for use in db.session.execute(select(FaqUse)).scalars():
        entry, call = db.session.get(FaqEntry, use.entry_id), db.session.get(Call, use.call_id)
        assert entry.topic_id == call.topic_id and entry.city_id in (None, call.city_id)
    enquiries = db.session.execute(select(Enquiry)).scalars().all()
    assert enquiries and all(e.status is not EnquiryStatus.NEW for e in enquiries)  # none left unrouted
    for enquiry in enquiries:
        member = db.session.execute(
            select(GroupMember.id).join(CoordinatorGroup).where(
                CoordinatorGroup.topic_id == enquiry.topic_id, GroupMember.user_id == enquiry.assignee_id,
                (GroupMember.city_id.is_(None)) | (GroupMember.city_id == enquiry.city_id))).first()
        assert member is not None, (enquiry.reference, topics[enquiry.topic_id])


def test_seeding_twice_keeps_the_scopes_and_adds_nobody(demo, db):
    before = db.session.execute(select(GroupMember.user_id, GroupMember.group_id, GroupMember.city_id)).all()
    assert seed_demo(calls_days=6, calls_per_day=20)["users"] == 0
    after = db.session.execute(select(GroupMember.user_id, GroupMember.group_id, GroupMember.city_id)).all()
    assert sorted(before) == sorted(after)
    assert {login for login, *_ in USERS} <= set(db.session.execute(select(User.login)).scalars())


def test_generated_history_files_each_question_under_its_topic(db):
    from hotline.imports.synthetic import generate_calls

    generate_calls(400, 5, seed=3)
    db.session.commit()
    asked = {question: (topic, city) for topic, city, question in DEMO_QUESTIONS}
    topics = {t.id: t.code for t in db.session.execute(select(Topic)).scalars()}
    cities = {c.id: c.code for c in db.session.execute(select(SisterCity)).scalars()}
    rows = db.session.execute(select(Call.question, Call.topic_id, Call.city_id).where(Call.question != "")).all()
    assert len(rows) > 200
    for question, topic_id, city_id in rows:
        topic, city = asked[question]
        assert topics[topic_id] == topic and (city is None or cities[city_id] == city), question
