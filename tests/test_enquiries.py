"""The coordinator's work on an enquiry: answer, notes, hand-over, return, reopen, close, cancel;
the inbox and the enquiry page; who may see what."""
import pytest
from sqlalchemy import select

from hotline.enquiries import workflow
from hotline.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hotline.models import Enquiry, EnquiryStatus, FaqEntry, FaqStatus, FaqUse, Notification

from .factories import PASSWORD, make_coordinator, make_enquiry, make_user, topic
from .jobs import run_jobs


def routed(app, db, coordinator=None, **kwargs) -> Enquiry:
    coordinator = coordinator or make_coordinator()
    e = make_enquiry(**kwargs)
    run_jobs(app, with_scheduler=False)
    e = db.session.get(Enquiry, e.id)
    assert e.status is EnquiryStatus.ASSIGNED
    return e


def test_answer_records_times_business_seconds_and_faq_use(app, db, reference):
    coordinator = make_coordinator()
    entry = FaqEntry(question="Как попасть в обмен?", answer="Заполните анкету.", topic_id=topic().id,
                     status=FaqStatus.PUBLISHED, language="ru")
    db.session.add(entry)
    e = routed(app, db, coordinator)
    workflow.answer_enquiry(coordinator, e, "Заполните анкету на сайте.", [entry.id])
    db.session.commit()
    assert e.status is EnquiryStatus.ANSWERED and e.answered_at and e.first_response_at == e.answered_at
    assert e.answer_business_seconds is not None and e.answer_business_seconds >= 0
    use = db.session.execute(select(FaqUse)).scalar_one()
    assert use.enquiry_id == e.id and use.user_id == coordinator.id
    # the operator who logged it hears about it
    assert db.session.execute(select(Notification.kind).where(Notification.user_id == e.created_by_id)).scalar() == "answered"


def test_only_the_assignee_or_a_supervisor_answers(app, db, reference):
    e = routed(app, db)
    other = make_coordinator()
    with pytest.raises(Forbidden):
        workflow.answer_enquiry(other, e, "Ответ")
    with pytest.raises(ValidationFailed):
        workflow.answer_enquiry(make_user("supervisor"), e, "   ")
    workflow.answer_enquiry(make_user("supervisor"), e, "Ответ руководителя")
    with pytest.raises(Conflict):
        workflow.answer_enquiry(make_user("supervisor"), e, "Ещё раз")


def test_hand_over_notifies_the_new_coordinator(app, db, reference):
    first = make_coordinator(login="first")
    e = routed(app, db, first)
    second = make_coordinator(login="second")
    workflow.hand_over(first, e, "second", "это вопрос по Дуйсбургу")
    db.session.commit()
    assert e.assignee_id == second.id
    assert db.session.execute(select(Notification.kind).where(Notification.user_id == second.id)).scalar() == "handed-over"
    event = e.events[-1]
    assert event.kind == "handed-over" and event.detail["from"] == "first" and event.detail["to"] == "second"
    with pytest.raises(ValidationFailed):
        workflow.hand_over(second, e, "nobody", "причина")
    with pytest.raises(ValidationFailed):
        workflow.hand_over(second, e, "first", "")
    with pytest.raises(Forbidden):
        workflow.hand_over(first, e, "first", "назад")  # no longer the assignee


def test_return_to_operator_and_send_on_again(app, db, reference):
    coordinator = make_coordinator(topics=("youth", "business"))
    e = routed(app, db, coordinator)
    workflow.return_to_operator(coordinator, e, "Нужен номер договора")
    db.session.commit()
    assert e.status is EnquiryStatus.NEW and e.assignee_id is None and e.returned_at is not None
    from hotline.enquiries.routing import route_enquiry, sweep

    assert route_enquiry(e.id) == "returned-to-operator"  # the sweep does not bounce it back
    operator = db.session.get(type(coordinator), e.created_by_id)
    with pytest.raises(NotFound):  # another operator does not even see it
        workflow.resubmit(make_user("operator"), e)
    workflow.resubmit(operator, e, topic_id=topic("business").id)
    run_jobs(app, with_scheduler=False)
    e = db.session.get(Enquiry, e.id)
    assert e.status is EnquiryStatus.ASSIGNED and e.topic_id == topic("business").id


def test_reopen_goes_back_to_the_assignee_close_and_cancel(app, db, reference):
    coordinator = make_coordinator()
    e = routed(app, db, coordinator)
    workflow.answer_enquiry(coordinator, e, "Ответ")
    workflow.reopen(coordinator, e, "заявитель перезвонил")
    run_jobs(app, with_scheduler=False)
    e = db.session.get(Enquiry, e.id)
    assert e.status is EnquiryStatus.ASSIGNED and e.assignee_id == coordinator.id and e.reopened_at
    workflow.answer_enquiry(coordinator, e, "Уточнённый ответ")
    workflow.close(coordinator, e)
    assert e.status is EnquiryStatus.CLOSED
    with pytest.raises(Conflict):
        workflow.cancel(make_user("supervisor"), e, "поздно")
    e2 = routed(app, db, coordinator)
    with pytest.raises(Forbidden):
        workflow.cancel(coordinator, e2, "не моё")
    workflow.cancel(make_user("supervisor"), e2, "дубль")
    assert e2.status is EnquiryStatus.CANCELLED and e2.cancel_reason == "дубль"


def test_inbox_shows_my_enquiries_by_due_time_with_sla_badges(app, db, client, reference):
    coordinator = make_coordinator()
    first = routed(app, db, coordinator, question="Первый вопрос")
    second = routed(app, db, coordinator, question="Второй вопрос")
    db.session.commit()
    client.post("/login", data={"login": coordinator.login, "password": PASSWORD})
    page = client.get("/enquiries/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert first.reference in page and second.reference in page
    assert page.index(first.reference) < page.index(second.reference)
    assert "в срок" in page and 'hx-trigger="live-inbox from:body' in page
    rows = client.get("/enquiries/rows").get_data(as_text=True)
    assert first.reference in rows and "<html" not in rows


def test_enquiry_page_actions_through_the_form(app, db, client, reference):
    coordinator = make_coordinator()
    e = routed(app, db, coordinator)
    db.session.commit()
    client.post("/login", data={"login": coordinator.login, "password": PASSWORD})
    page = client.get(f"/enquiries/{e.id}").get_data(as_text=True)
    assert e.question in page and 'name="text"' in page and "hand-over" in page
    assert 'hx-get="/faq/suggest?topic=youth"' in page  # suggestions follow what the coordinator types
    bad = client.post(f"/enquiries/{e.id}/answer", data={"text": ""}, headers={"Accept-Language": "ru"})
    assert bad.status_code == 422 and "Напишите ответ" in bad.get_data(as_text=True)
    assert db.session.get(Enquiry, e.id).status is EnquiryStatus.ASSIGNED
    ok = client.post(f"/enquiries/{e.id}/answer", data={"text": "Ответ по телефону"})
    assert ok.status_code == 302
    assert db.session.get(Enquiry, e.id).status is EnquiryStatus.ANSWERED
    assert client.post(f"/enquiries/{e.id}/propose-faq", data={}).status_code == 302
    draft = db.session.execute(select(FaqEntry).where(FaqEntry.status == FaqStatus.DRAFT)).scalar_one()
    assert draft.answer == "Ответ по телефону"
    assert client.post(f"/enquiries/{e.id}/nonsense").status_code == 404


def test_who_may_open_an_enquiry(app, db, client, reference):
    coordinator = make_coordinator(topics=("youth",))
    e = routed(app, db, coordinator)
    outsider = make_coordinator(topics=("archives",))
    colleague = make_coordinator(topics=("youth",))
    other_operator = make_user("operator")
    db.session.commit()
    creator = db.session.get(type(outsider), e.created_by_id)
    expectations = [(coordinator, 200), (colleague, 200), (outsider, 404), (other_operator, 404),
                    (make_user("supervisor"), 200)]
    db.session.commit()
    for user, status in expectations + [(creator, 200)]:
        c = app.test_client()
        c.post("/login", data={"login": user.login, "password": PASSWORD})
        assert c.get(f"/enquiries/{e.id}").status_code == status, user.login
    c = app.test_client()
    c.post("/login", data={"login": other_operator.login, "password": PASSWORD})
    assert c.get("/enquiries/").status_code == 403  # operators have no inbox
