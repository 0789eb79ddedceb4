"""Logging calls through the New call form: answered, routed, bad input, lookup, My calls."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from hotline.models import AuditEntry, Call, Caller, Enquiry, EnquiryStatus, FaqEntry, FaqStatus, FaqUse

from .factories import make_call, make_caller, topic


def form_data(**overrides):
    data = {
        "phone": "8 (342) 212-44-86", "caller_name": "Анна Соколова", "caller_email": "", "caller_language": "ru",
        "channel": "phone", "topic": "youth", "city": "duisburg",
        "question": "Как попасть в молодёжный обмен с Дуйсбургом?", "outcome": "routed", "answer": "",
        "started_at": (datetime.now(timezone.utc) - timedelta(seconds=95)).isoformat(),
    }
    data.update(overrides)
    return data


def count(db, model):
    return db.session.execute(select(func.count(model.id))).scalar()


def test_new_call_form_renders_in_russian_with_keyboard_hints(client, login_as, reference):
    login_as("operator")
    page = client.get("/calls/new", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Новый звонок" in page and "Ответил по FAQ" in page and "Alt+2" in page and "Ctrl+Enter" in page
    assert 'autofocus' in page.split('id="phone"')[0].rsplit("<input", 1)[1] + page.split('id="phone"')[1][:200]


def test_routed_call_creates_a_new_enquiry_and_shows_its_reference(client, login_as, db, reference):
    operator = login_as("operator")
    response = client.post("/calls/new", data=form_data(), follow_redirects=True)
    assert response.status_code == 200
    enquiry = db.session.execute(select(Enquiry)).scalar_one()
    assert enquiry.status is EnquiryStatus.NEW and enquiry.reference.startswith("ЗЛ-")
    assert enquiry.reference in response.get_data(as_text=True)
    call = enquiry.call
    assert call.operator_id == operator.id and call.caller.phone == "+73422124486"
    assert call.city.code == "duisburg"
    assert 90 <= call.handle_seconds < 200  # measured from opening the form to saving
    assert enquiry.due_at > enquiry.created_at


def test_answered_call_records_the_faq_entries_used(client, login_as, db, reference):
    login_as("operator")
    entry = FaqEntry(question="Как попасть в обмен?", answer="Заполните анкету.", topic_id=topic().id,
                     language="ru", status=FaqStatus.PUBLISHED)
    db.session.add(entry)
    db.session.commit()
    data = form_data(outcome="answered", answer="Заполните анкету.")
    data["faq_ids"] = [str(entry.id)]
    assert client.post("/calls/new", data=data).status_code == 302
    use = db.session.execute(select(FaqUse)).scalar_one()
    assert use.entry_id == entry.id and use.call_id is not None
    assert count(db, Enquiry) == 0


def test_missing_topic_is_a_clear_error_and_nothing_is_saved(client, login_as, db, reference):
    login_as("operator")
    response = client.post("/calls/new", data=form_data(topic=""), headers={"Accept-Language": "ru"})
    assert response.status_code == 422
    assert "Выберите тему" in response.get_data(as_text=True)
    assert count(db, Call) == 0 and count(db, Caller) == 0 and count(db, Enquiry) == 0


def test_a_dropped_call_needs_no_topic_and_reads_as_such_everywhere(midday, client, login_as, db, reference):
    operator = login_as("operator")
    refused = client.post("/calls/new", data=form_data(topic="", outcome="info", question="Когда приём?"),
                          headers={"Accept-Language": "ru"})
    assert refused.status_code == 422 and "Выберите тему" in refused.get_data(as_text=True)
    assert count(db, Call) == 0
    saved = client.post("/calls/new", data=form_data(topic="", city="", question="", outcome="dropped"))
    assert saved.status_code == 302
    call = db.session.execute(select(Call)).scalar_one()
    assert call.topic_id is None and call.outcome.value == "dropped" and call.operator_id == operator.id
    assert count(db, Enquiry) == 0
    listed = client.get("/calls/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Сорвался" in listed
    card = client.get("/calls/lookup?phone=8 342 212 44 86", headers={"Accept-Language": "ru"})
    assert card.status_code == 200 and "Сорвался" in card.get_data(as_text=True)
    from hotline.stats.daily import refresh
    from hotline.stats.figures import compute
    from hotline.stats.period import Filters, preset_period

    refresh()
    figures = compute(preset_period("today"), Filters())
    assert figures["calls"]["total"] == 1 and figures["calls"]["by_topic"] == {"none": 1}
    assert figures["calls"]["by_outcome"]["dropped"] == 1


def test_malformed_phone_and_huge_question_are_refused(client, login_as, db, reference):
    login_as("operator")
    response = client.post("/calls/new", data=form_data(phone="12-34", question="я" * 20_000),
                           headers={"Accept-Language": "ru"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Это не номер телефона" in page and "Слишком длинно" in page
    assert count(db, Call) == 0 and count(db, Enquiry) == 0


def test_the_same_caller_is_found_however_the_phone_is_typed(client, login_as, db, reference):
    login_as("operator")
    for phone in ["8 (342) 212-44-86", "+7 342 2124486", "83422124486"]:
        assert client.post("/calls/new", data=form_data(phone=phone, outcome="info")).status_code == 302
    assert count(db, Caller) == 1 and count(db, Call) == 3


def test_lookup_shows_history_and_open_enquiries(client, login_as, db, reference):
    operator = login_as("operator")
    caller = make_caller("+73422124486", name="Пётр Лебедев")
    make_call(operator, caller=caller, question="Про Crossroutes")
    db.session.commit()
    client.post("/calls/new", data=form_data(phone="+73422124486", caller_name=""))
    reference_no = db.session.execute(select(Enquiry.reference)).scalar_one()
    card = client.get("/calls/lookup?phone=8 342 212 44 86").get_data(as_text=True)
    assert "Пётр Лебедев" in card and "Про Crossroutes" in card and reference_no in card
    assert db.session.execute(select(func.count(AuditEntry.id)).where(AuditEntry.action == "read")).scalar() == 1
    partial = client.get("/calls/lookup?phone=8 342 21").get_data(as_text=True)
    assert "+7 342 212-44-86" in partial


def test_my_calls_lists_only_mine_and_filters(client, login_as, db, reference):
    me = login_as("operator")
    from .factories import make_user

    other = make_user("operator")
    make_call(me, question="Мой вопрос про архив", topic_code="archives")
    make_call(me, question="Мой вопрос про обмен", topic_code="youth")
    make_call(other, question="Чужой вопрос")
    db.session.commit()
    page = client.get("/calls/").get_data(as_text=True)
    assert "Мой вопрос про архив" in page and "Чужой вопрос" not in page
    filtered = client.get("/calls/?topic=archives").get_data(as_text=True)
    assert "Мой вопрос про архив" in filtered and "Мой вопрос про обмен" not in filtered


def test_faq_suggestions_follow_the_question(client, login_as, db, reference):
    login_as("operator")
    db.session.add(FaqEntry(question="Как получить бюллетень «Побратимы»?", answer="По подписке.",
                            topic_id=topic("information").id, status=FaqStatus.PUBLISHED,
                            search_question="как получить бюллетень «побратимы»?", search_answer="по подписке."))
    db.session.add(FaqEntry(question="Черновик про бюллетень", answer="—", status=FaqStatus.DRAFT,
                            search_question="черновик про бюллетень", search_answer=""))
    db.session.commit()
    html = client.get("/calls/faq-suggest?question=где взять бюллетень").get_data(as_text=True)
    assert "Побратимы" in html and "Черновик" not in html
