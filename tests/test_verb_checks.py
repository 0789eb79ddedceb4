"""Every state-changing verb checks role and state itself (SPEC 10), whatever the page showed: for
each verb a person who may see the enquiry but not act on it is refused by the verb itself and
through the page and the API, and nothing changes; admins, who see no enquiries, get 404."""
from datetime import timedelta

import pytest

from hotline.enquiries import workflow
from hotline.errors import Conflict, Forbidden, NotFound
from hotline.faq.service import change_status, propose_from_answer
from hotline.models import Enquiry, EnquiryNote, EnquiryStatus, FaqEntry, FaqStatus, utcnow

from .factories import PASSWORD, count, make_enquiry, make_user, topic


@pytest.fixture
def people(db, reference):
    """An enquiry assigned to `assignee`; `colleague` shares the group (sees it), `creator` logged it."""
    creator = make_user("operator")
    assignee = make_user("coordinator", topics=["youth"])
    colleague = make_user("coordinator", topics=["youth"])
    enquiry = make_enquiry(creator)
    enquiry.status, enquiry.assignee_id, enquiry.assigned_at = EnquiryStatus.ASSIGNED, assignee.id, utcnow()
    db.session.commit()
    return dict(creator=creator, assignee=assignee, colleague=colleague, admin=make_user("admin"),
                supervisor=make_user("supervisor"), enquiry=db.session.get(Enquiry, enquiry.id))


def _answered(db, enquiry, by):
    workflow.answer_enquiry(by, enquiry, "Ответ")
    db.session.commit()


# verb, how to call it, what the page posts, who may see but not act, state it needs
VERBS = {
    "answer": (lambda u, e: workflow.answer_enquiry(u, e, "Ответ"), {"text": "Ответ"}, ["creator", "colleague"], None),
    "note": (lambda u, e: workflow.add_note(u, e, "Заметка"), {"body": "Заметка"}, ["creator", "colleague"], None),
    "hand-over": (lambda u, e: workflow.hand_over(u, e, "target", "отпуск"), {"to": "target", "reason": "отпуск"},
                  ["creator", "colleague"], None),
    "return": (lambda u, e: workflow.return_to_operator(u, e, "не та тема"), {"reason": "не та тема"},
               ["creator", "colleague"], None),
    "close": (lambda u, e: workflow.close(u, e), {}, ["creator", "colleague"], "answered"),
    "cancel": (lambda u, e: workflow.cancel(u, e, "дубль"), {"reason": "дубль"}, ["assignee", "colleague"], None),
    "reopen": (lambda u, e: workflow.reopen(u, e, "перезвонил"), {"reason": "перезвонил"}, ["colleague"], "answered"),
    "propose-faq": (lambda u, e: propose_from_answer(u, e, "Вопрос?", "Ответ."), {"question": "Вопрос?", "answer": "Ответ."},
                    ["creator", "colleague"], None),
}
CASES = [(verb, who) for verb, (_c, _f, refused, _s) in VERBS.items() for who in refused]


def _snapshot(db, enquiry):
    db.session.expire_all()
    e = db.session.get(Enquiry, enquiry.id)
    return (e.status, e.assignee_id, e.answer, e.cancelled_at, count(db, EnquiryNote), count(db, FaqEntry))


@pytest.mark.parametrize("verb,who", CASES)
def test_the_verb_refuses_who_may_see_but_not_act(db, people, verb, who):
    call, _form, _refused, state = VERBS[verb]
    make_user("coordinator", login="target", topics=["youth"])
    enquiry = people["enquiry"]
    if state == "answered":
        _answered(db, enquiry, people["assignee"])
    from hotline import visibility

    assert visibility.can_see_enquiry(people[who], enquiry)
    before = _snapshot(db, enquiry)
    with pytest.raises(Forbidden):
        call(people[who], db.session.get(Enquiry, enquiry.id))
    db.session.rollback()
    assert _snapshot(db, enquiry) == before


@pytest.mark.parametrize("verb,who", CASES)
def test_the_page_refuses_who_may_see_but_not_act(app, db, people, verb, who):
    _call, form, _refused, state = VERBS[verb]
    make_user("coordinator", login="target", topics=["youth"])
    enquiry = people["enquiry"]
    if state == "answered":
        _answered(db, enquiry, people["assignee"])
    before = _snapshot(db, enquiry)
    client = app.test_client()
    client.post("/login", data={"login": people[who].login, "password": PASSWORD})
    assert client.post(f"/enquiries/{enquiry.id}/{verb}", data=form).status_code == 403
    assert _snapshot(db, enquiry) == before


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_admins_act_on_no_enquiry(db, people, verb):
    call, _form, _refused, state = VERBS[verb]
    make_user("coordinator", login="target", topics=["youth"])
    enquiry = people["enquiry"]
    if state == "answered":
        _answered(db, enquiry, people["assignee"])
    before = _snapshot(db, enquiry)
    with pytest.raises(NotFound):
        call(people["admin"], db.session.get(Enquiry, enquiry.id))
    db.session.rollback()
    assert _snapshot(db, enquiry) == before


def test_api_answer_and_reassign_refuse_a_colleague_and_an_admin(client, db, people):
    make_user("coordinator", login="target", topics=["youth"])
    enquiry = people["enquiry"]
    from hotline.auth.service import issue_token

    colleague = issue_token(people["colleague"])
    admin = issue_token(people["admin"])
    db.session.commit()
    for token, status in ((colleague, 403), (admin, 403)):  # admins are refused the enquiry API outright
        headers = {"Authorization": f"Bearer {token}"}
        assert client.post(f"/api/v1/enquiries/{enquiry.id}/answer", json={"text": "Ответ"},
                      headers=headers).status_code == status
        assert client.post(f"/api/v1/enquiries/{enquiry.id}/reassign", json={"to": "target", "reason": "x"},
                      headers=headers).status_code == status
    db.session.expire_all()
    e = db.session.get(Enquiry, enquiry.id)
    assert e.status is EnquiryStatus.ASSIGNED and e.assignee_id == people["assignee"].id


def test_states_are_checked_by_the_verbs(db, people):
    enquiry, assignee = people["enquiry"], people["assignee"]
    with pytest.raises(Conflict):
        workflow.close(assignee, enquiry)  # not answered yet
    with pytest.raises(Conflict):
        workflow.reopen(assignee, enquiry, "рано")
    _answered(db, enquiry, assignee)
    with pytest.raises(Conflict):
        workflow.answer_enquiry(assignee, enquiry, "ещё раз")
    workflow.close(assignee, enquiry)
    # closed: reopened within 30 days of closing (SPEC 3), not after
    enquiry.closed_at = utcnow() - timedelta(days=31)
    with pytest.raises(Conflict):
        workflow.reopen(assignee, enquiry, "поздно")
    enquiry.closed_at = utcnow() - timedelta(days=29)
    workflow.reopen(assignee, enquiry, "заявитель перезвонил")
    assert enquiry.status is EnquiryStatus.REOPENED


# FAQ status -------------------------------------------------------------------------------------

def test_a_coordinator_may_not_publish_their_own_draft_outside_their_topics(app, db, reference):
    coordinator = make_user("coordinator", topics=["youth"])
    draft = FaqEntry(question="Как получить архивную справку?", answer="В архиве.", topic_id=topic("archives").id,
                     status=FaqStatus.DRAFT, language="ru", owner_id=coordinator.id)
    db.session.add(draft)
    db.session.commit()
    with pytest.raises(Forbidden):
        change_status(coordinator, draft, FaqStatus.PUBLISHED)
    db.session.rollback()
    client = app.test_client()
    client.post("/login", data={"login": coordinator.login, "password": PASSWORD})
    assert client.post(f"/faq/{draft.id}/status", data={"status": "published"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(FaqEntry, draft.id).status is FaqStatus.DRAFT
    # the topic's own coordinator may
    owner_of_topic = make_user("coordinator", topics=["archives"])
    change_status(owner_of_topic, db.session.get(FaqEntry, draft.id), FaqStatus.PUBLISHED)


def test_operators_change_no_faq_status(db, reference):
    entry = FaqEntry(question="Вопрос?", answer="Ответ.", topic_id=topic("youth").id, status=FaqStatus.PUBLISHED,
                     language="ru")
    db.session.add(entry)
    db.session.flush()
    with pytest.raises(Forbidden):
        change_status(make_user("operator"), entry, FaqStatus.RETIRED)


# POST /api/v1/faq/{id}/use ----------------------------------------------------------------------

def _published(db, code="youth"):
    entry = FaqEntry(question="Как попасть в обмен?", answer="Анкета.", topic_id=topic(code).id,
                     status=FaqStatus.PUBLISHED, language="ru")
    db.session.add(entry)
    db.session.commit()
    return entry


def test_faq_use_only_against_what_the_client_may_see(api, db, reference):
    from hotline.models import FaqUse

    from .factories import make_call

    entry = _published(db)
    mine, theirs = api("operator"), api("operator")
    foreign_call = make_call(theirs.user)
    own_call = make_call(mine.user)
    archives = make_enquiry(theirs.user, topic_code="archives")
    db.session.commit()
    url = f"/api/v1/faq/{entry.id}/use"
    response = mine.post(url, json={"call_id": foreign_call.id})
    assert response.status_code == 422 and "call_id" in response.get_json()["error"]["fields"]
    youth = api("coordinator", topics=["youth"])
    response = youth.post(url, json={"enquiry_id": archives.id})
    assert response.status_code == 422 and "enquiry_id" in response.get_json()["error"]["fields"]
    assert count(db, FaqUse) == 0
    assert mine.post(url, json={"call_id": own_call.id}).status_code == 201
    assert count(db, FaqUse) == 1


@pytest.mark.parametrize("body,content_type,status", [
    (b"\x00", "application/json", 400),
    (b"\x00", "text/plain", 400),
    (b"[1]", "application/json", 422),  # JSON, but not an object: as POST /calls has always said
    (b'"x"', "application/json", 422),
    (b'{"call_id": true}', "application/json", 422),
    (b'{"call_id": "1"}', "application/json", 422),
    (b'{"call_id": 99999999999999999999}', "application/json", 422),
    (b'{"who": 1}', "application/json", 422),
])
def test_faq_use_refuses_a_body_that_is_not_its_json(api, db, reference, body, content_type, status):
    from hotline.models import FaqUse

    entry = _published(db)
    operator = api("operator")
    response = operator.post(f"/api/v1/faq/{entry.id}/use", data=body, headers={"Content-Type": content_type})
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"]["message"]
    assert count(db, FaqUse) == 0


def test_faq_use_without_a_body_is_a_plain_use(api, db, reference):
    entry = _published(db)
    assert api("operator").post(f"/api/v1/faq/{entry.id}/use").status_code == 201
