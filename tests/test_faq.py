"""FAQ curation, revision history, usage counting, sanitising and the API."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.faq.formatting import render_answer
from hotline.faq.schema import plain_text
from hotline.faq.service import propose_from_answer, record_use
from hotline.faq.usage import routed_despite_match, usage_figures
from hotline.models import CallOutcome, FaqEntry, FaqRevision, FaqStatus, FaqUse, FaqWording, utcnow

from .factories import call_payload, make_call, make_user, topic


def make_entry(question="Как получить бюллетень «Побратимы»?", answer="По подписке на сайте.",
               topic_code="information", status=FaqStatus.PUBLISHED, wordings=()):
    from hotline.extensions import db

    entry = FaqEntry(question=question, answer=answer, topic_id=topic(topic_code).id, status=status, language="ru")
    entry.wordings = [FaqWording(text=w) for w in wordings]
    db.session.add(entry)
    db.session.flush()
    return entry


def entry_form(**overrides):
    data = {"question": "Как попасть на Дни побратимов?", "answer": "Вход свободный.",
            "wordings": "дни побратимов вход\nпраздник побратимов", "topic": "culture", "city": "",
            "language": "ru"}
    data.update(overrides)
    return data


# Editing, publishing, history ------------------------------------------------------------------

def test_supervisor_creates_a_draft_publishes_and_retires_it(client, login_as, db, reference):
    supervisor = login_as("supervisor")
    response = client.post("/faq/new", data=entry_form())
    assert response.status_code == 302
    entry = db.session.execute(select(FaqEntry)).scalar_one()
    assert entry.status is FaqStatus.DRAFT and entry.owner_id == supervisor.id
    assert [w.text for w in entry.wordings] == ["дни побратимов вход", "праздник побратимов"]
    assert client.post(f"/faq/{entry.id}/status", data={"status": "published"}).status_code == 302
    db.session.expire_all()
    assert entry.status is FaqStatus.PUBLISHED
    client.post(f"/faq/{entry.id}/status", data={"status": "retired"})
    db.session.expire_all()
    assert entry.status is FaqStatus.RETIRED
    statuses = [r.changes.get("status") for r in entry.revisions]
    assert statuses == [{"old": None, "new": "draft"}, {"old": "draft", "new": "published"},
                        {"old": "published", "new": "retired"}]
    assert all(r.editor_id == supervisor.id for r in entry.revisions)


def test_editing_records_who_changed_what_with_old_and_new_text(client, login_as, db, reference):
    supervisor = login_as("supervisor")
    entry = make_entry(answer="Старый ответ.")
    db.session.commit()
    response = client.post(f"/faq/{entry.id}/edit", data=entry_form(
        question=entry.question, answer="Новый ответ.", topic="information", wordings=""))
    assert response.status_code == 302
    revision = db.session.execute(select(FaqRevision).where(FaqRevision.entry_id == entry.id)).scalar_one()
    assert revision.editor_id == supervisor.id
    assert revision.changes["answer"] == {"old": "Старый ответ.", "new": "Новый ответ."}
    assert "question" not in revision.changes
    page = client.get(f"/faq/{entry.id}").get_data(as_text=True)
    assert "Старый ответ." in page and "Новый ответ." in page and supervisor.display_name in page
    # saving without a change records nothing
    client.post(f"/faq/{entry.id}/edit", data=entry_form(
        question=entry.question, answer="Новый ответ.", topic="information", wordings=""))
    assert db.session.execute(select(func.count(FaqRevision.id))).scalar() == 1


def test_the_editor_reports_missing_fields(client, login_as, db, reference):
    login_as("supervisor")
    response = client.post("/faq/new", data=entry_form(question="", topic=""))
    assert response.status_code == 422
    assert db.session.execute(select(func.count(FaqEntry.id))).scalar() == 0


def test_coordinators_edit_entries_of_their_own_topics_only(client, login_as, db, reference):
    coordinator = login_as("coordinator", topics=["culture"])
    mine = make_entry(topic_code="culture")
    theirs = make_entry(topic_code="business")
    db.session.commit()
    assert client.get(f"/faq/{mine.id}/edit").status_code == 200
    assert client.get(f"/faq/{theirs.id}/edit").status_code == 403
    assert client.post(f"/faq/{theirs.id}/status", data={"status": "retired"}).status_code == 403
    form = client.get("/faq/new").get_data(as_text=True)
    assert 'value="culture"' in form and 'value="business"' not in form
    assert client.post("/faq/new", data=entry_form(topic="business")).status_code == 422  # not a choice
    assert db.session.execute(select(func.count(FaqEntry.id)).where(FaqEntry.owner_id == coordinator.id)).scalar() == 0
    assert client.post("/faq/new", data=entry_form(topic="culture")).status_code == 302
    created = db.session.execute(select(FaqEntry).where(FaqEntry.owner_id == coordinator.id)).scalar_one()
    assert client.post(f"/faq/{created.id}/status", data={"status": "published"}).status_code == 302
    db.session.expire_all()
    assert created.status is FaqStatus.PUBLISHED


def test_operators_read_but_do_not_edit(client, login_as, db, reference):
    login_as("operator")
    entry = make_entry()
    db.session.commit()
    assert client.get("/faq/").status_code == 200
    assert client.get(f"/faq/{entry.id}").status_code == 200
    assert client.get("/faq/new").status_code == 403
    assert client.get(f"/faq/{entry.id}/edit").status_code == 403
    assert client.get("/faq/usage").status_code == 403


def test_propose_from_answer_lands_as_a_draft(app, db, reference):
    from hotline.calls.service import log_call

    operator = make_user("operator")
    coordinator = make_user("coordinator", topics=["youth"])
    call = log_call(operator, call_payload())
    enquiry = call.enquiry
    enquiry.assignee_id = coordinator.id  # the assignee proposes (the verb checks)
    entry = propose_from_answer(coordinator, enquiry, "Как попасть в обмен с Дуйсбургом?",
                                "Заполните анкету <script>alert(1)</script>на сайте.")
    assert entry.status is FaqStatus.DRAFT and entry.owner_id == coordinator.id
    assert entry.topic_id == enquiry.topic_id and entry.city_id == enquiry.city_id
    assert entry.answer == "Заполните анкету на сайте."
    assert entry.revisions[0].editor_id == coordinator.id
    assert entry.revisions[0].changes["question"]["new"] == "Как попасть в обмен с Дуйсбургом?"


# Usage -----------------------------------------------------------------------------------------

def test_answering_a_call_with_faq_entries_counts_their_use(client, login_as, db, reference):
    operator = login_as("operator")
    entry = make_entry()
    db.session.commit()
    data = {"phone": "+7 342 212-44-86", "caller_name": "Анна", "caller_email": "", "caller_language": "ru",
            "channel": "phone", "topic": "information", "city": "", "question": "Где взять бюллетень?",
            "answer": "По подписке.", "outcome": "answered", "faq_ids": [str(entry.id)]}
    assert client.post("/calls/new", data=data).status_code == 302
    db.session.expire_all()
    use = db.session.execute(select(FaqUse)).scalar_one()
    assert use.entry_id == entry.id and use.user_id == operator.id and use.call_id is not None
    assert entry.use_count == 1 and entry.last_used_at is not None


def test_using_an_entry_through_the_api(api, db, reference):
    operator = api("operator")
    entry = make_entry()
    draft = make_entry(question="Черновик", status=FaqStatus.DRAFT)
    call = make_call(operator.user, topic_code="information")
    db.session.commit()
    response = operator.post(f"/api/v1/faq/{entry.id}/use", json={"call_id": call.id})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["use_count"] == 1 and body["call_id"] == call.id and body["user"] == operator.user.login
    assert operator.post(f"/api/v1/faq/{entry.id}/use", json={}).get_json()["use_count"] == 2
    assert operator.post(f"/api/v1/faq/{draft.id}/use").status_code == 409
    missing = operator.post("/api/v1/faq/99999/use")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert operator.post(f"/api/v1/faq/{entry.id}/use", json={"call_id": 99999}).status_code == 422
    db.session.expire_all()
    assert entry.use_count == 2
    assert db.session.execute(select(func.count(FaqUse.id))).scalar() == 2


def test_calls_logged_through_the_api_count_faq_uses(api, db, reference):
    operator = api("operator")
    entry = make_entry(topic_code="youth")
    db.session.commit()
    response = operator.post("/api/v1/calls", json=call_payload(outcome="answered", faq_ids=[entry.id]))
    assert response.status_code == 201
    db.session.expire_all()
    assert entry.use_count == 1


def test_record_use_for_an_enquiry(app, db, reference):
    from hotline.calls.service import log_call

    coordinator = make_user("coordinator", topics=["youth"])
    enquiry = log_call(make_user("operator"), call_payload()).enquiry
    entry = make_entry(topic_code="youth")
    (use,) = record_use(coordinator, [entry.id, entry.id], enquiry=enquiry)
    assert use.enquiry_id == enquiry.id and use.call_id is None and use.user_id == coordinator.id
    assert entry.use_count == 1


def test_usage_figures_trend_and_never_used(client, login_as, db, reference):
    busy = make_entry(question="Популярный вопрос про обмен")
    fading = make_entry(question="Угасающий вопрос про архив")
    idle = make_entry(question="Вопрос без единого использования")
    now = utcnow()
    for days in (1, 2, 3, 40):
        db.session.add(FaqUse(entry_id=busy.id, used_at=now - timedelta(days=days)))
    for days in (35, 36, 37, 5):
        db.session.add(FaqUse(entry_id=fading.id, used_at=now - timedelta(days=days)))
    db.session.flush()
    figures = usage_figures([busy.id, fading.id, idle.id], now)
    assert (figures[busy.id].recent, figures[busy.id].previous, figures[busy.id].trend) == (3, 1, "up")
    assert (figures[fading.id].recent, figures[fading.id].previous, figures[fading.id].trend) == (1, 3, "down")
    assert (figures[idle.id].recent, figures[idle.id].trend) == (0, "flat")
    db.session.commit()
    login_as("supervisor")
    page = client.get("/faq/usage").get_data(as_text=True)
    never = page.split('id="never-used"')[1].split('id="routed-despite-match"')[0]
    assert "Вопрос без единого использования" in never and "Популярный" not in never
    listing = client.get("/faq/").get_data(as_text=True)
    assert "Популярный вопрос про обмен" in listing and "↑" in listing and "↓" in listing


def test_routed_calls_that_an_entry_matched_strongly_are_listed(client, login_as, db, reference):
    make_entry(question="Как получить бюллетень «Побратимы»?", answer="Подписка на сайте города.")
    operator = make_user("operator")
    make_call(operator, topic_code="information", outcome=CallOutcome.ROUTED,
              question="Подскажите, как получить бюллетень Побратимы")
    make_call(operator, topic_code="archives", outcome=CallOutcome.ROUTED,
              question="Нужна справка о стаже работы отца на заводе")
    make_call(operator, topic_code="information", outcome=CallOutcome.ROUTED,
              started_at=utcnow() - timedelta(days=45), question="Как получить бюллетень Побратимы")
    db.session.commit()
    candidates = routed_despite_match()
    assert [c.call.question for c in candidates] == ["Подскажите, как получить бюллетень Побратимы"]
    assert candidates[0].hit.strong
    login_as("supervisor")
    page = client.get("/faq/usage").get_data(as_text=True)
    assert "Подскажите, как получить бюллетень Побратимы" in page and "справка о стаже" not in page


# Sanitising ------------------------------------------------------------------------------------

def test_html_is_stripped_from_submitted_text():
    assert plain_text("Ответ <script>alert(1)</script>здесь") == "Ответ здесь"
    assert plain_text("<b>Жирный</b> & 1 < 2") == "Жирный & 1 < 2"
    assert plain_text("&lt;script&gt;alert(1)&lt;/script&gt;ok") == "ok"
    assert plain_text('<img src=x onerror="alert(1)">текст') == "текст"


def test_answers_render_simple_formatting_and_nothing_else():
    html = str(render_answer("Первый абзац с **важным**.\n\n- пункт один\n- пункт два\n\n"
                             "Сайт: https://gorodperm.ru/ <script>alert(1)</script>"))
    assert "<p>Первый абзац с <strong>важным</strong>.</p>" in html
    assert "<ul><li>пункт один</li><li>пункт два</li></ul>" in html
    assert '<a href="https://gorodperm.ru/" rel="noopener noreferrer nofollow">' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "href" not in str(render_answer("javascript:alert(1)"))


def test_a_script_in_an_answer_never_reaches_a_page_as_markup(client, login_as, db, reference):
    entry = make_entry(question="Вопрос про бюллетень <script>alert('q')</script>",
                       answer="Ответ <script>alert('a')</script> и <img src=x onerror=alert(1)>")
    db.session.commit()
    login_as("operator")
    pages = [client.get(f"/faq/{entry.id}"), client.get("/faq/?q=бюллетень"), client.get("/faq/"),
             client.get("/faq/suggest?q=бюллетень"), client.get("/calls/faq-suggest?question=бюллетень")]
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "бюллетень" in html.lower()
        assert "<script>alert" not in html and "<img src=x" not in html


def test_the_api_strips_html_from_new_entries(api, db, reference):
    supervisor = api("supervisor")
    response = supervisor.post("/api/v1/faq", json={
        "question": "Что такое <b>Crossroutes</b>?", "answer": "Проект <script>alert(1)</script>для молодёжи.",
        "topic": "youth", "language": "ru", "wordings": ["кроссроутс", ""]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["question"] == "Что такое Crossroutes?" and body["answer"] == "Проект для молодёжи."
    assert body["status"] == "draft" and body["wordings"] == ["кроссроутс"]


# API -------------------------------------------------------------------------------------------

def test_api_search_is_ranked_with_score_and_highlight(api, db, reference):
    operator = api("operator")
    best = make_entry(question="Как получить бюллетень «Побратимы»?", answer="Подписка.")
    other = make_entry(question="Архив бюллетеней", answer="В библиотеке.", topic_code="archives")
    make_entry(question="Бюллетень-черновик", status=FaqStatus.DRAFT)
    db.session.commit()
    body = operator.get("/api/v1/faq?q=бюллетеня побратимов").get_json()
    assert [r["id"] for r in body["results"]] == [best.id, other.id]
    first = body["results"][0]
    assert first["score"] > body["results"][1]["score"] and 0 < first["relevance"] <= 1
    assert first["highlight"]["question"] == "Как получить <mark>бюллетень</mark> «<mark>Побратимы</mark>»?"
    by_topic = operator.get("/api/v1/faq?q=бюллетень&topic=archives").get_json()["results"]
    assert by_topic[0]["id"] == other.id
    assert operator.get("/api/v1/faq?q=бюллетень&lang=de").status_code == 422
    assert operator.get("/api/v1/faq?q=бюллетень&status=draft").get_json()["results"][0]["status"] == "published"


def test_api_create_and_patch_are_for_supervisors(api, db, reference):
    operator = api("operator")
    supervisor = api("supervisor")
    payload = {"question": "Когда Дни побратимов?", "answer": "В сентябре.", "topic": "culture",
               "city": "oxford", "language": "ru", "status": "published", "wordings": ["дни побратимов"]}
    assert operator.post("/api/v1/faq", json=payload).status_code == 403
    created = supervisor.post("/api/v1/faq", json=payload)
    assert created.status_code == 201
    entry_id = created.get_json()["id"]
    assert created.get_json()["city"] == "oxford" and created.get_json()["status"] == "published"
    assert operator.patch(f"/api/v1/faq/{entry_id}", json={"answer": "x"}).status_code == 403
    patched = supervisor.patch(f"/api/v1/faq/{entry_id}", json={"answer": "В середине сентября.", "status": "retired"})
    assert patched.status_code == 200 and patched.get_json()["status"] == "retired"
    revisions = db.session.execute(select(FaqRevision).where(FaqRevision.entry_id == entry_id)
                                   .order_by(FaqRevision.id)).scalars().all()
    assert revisions[-1].changes == {"answer": {"old": "В сентябре.", "new": "В середине сентября."},
                                     "status": {"old": "published", "new": "retired"}}
    assert revisions[-1].editor_id == supervisor.user.id
    assert operator.get(f"/api/v1/faq/{entry_id}").status_code == 404  # retired: editors only


@pytest.mark.parametrize("payload,field", [
    ({"answer": "a", "topic": "youth"}, "question"),
    ({"question": "q", "answer": "a", "topic": "nope"}, "topic"),
    ({"question": "q", "answer": "a", "topic": "youth", "language": "de"}, "language"),
    ({"question": "q", "answer": "a", "topic": "youth", "status": "gone"}, "status"),
    ({"question": "q", "answer": "a", "topic": "youth", "wordings": "one"}, "wordings"),
    ({"question": "q" * 501, "answer": "a", "topic": "youth"}, "question"),
])
def test_api_validation_errors_name_the_field(api, db, reference, payload, field):
    response = api("supervisor").post("/api/v1/faq", json=payload)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]
    assert db.session.execute(select(func.count(FaqEntry.id))).scalar() == 0


def test_api_refuses_a_status_jump_that_is_not_allowed(api, db, reference):
    supervisor = api("supervisor")
    entry = make_entry(status=FaqStatus.DRAFT)
    db.session.commit()
    assert supervisor.patch(f"/api/v1/faq/{entry.id}", json={"status": "published"}).status_code == 200
    assert supervisor.patch("/api/v1/faq/99999", json={"answer": "x"}).status_code == 404
    assert supervisor.patch(f"/api/v1/faq/{entry.id}", data="nope").status_code == 400


def test_openapi_describes_the_faq_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/faq"]) and "patch" in paths["/faq/{id}"] and "post" in paths["/faq/{id}/use"]
