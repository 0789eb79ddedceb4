"""Issue 16, "Daily use": what a walk-through as a new user found, each fix held by a test."""
from sqlalchemy import func, select

from hotline.models import Call, Caller, Enquiry
from hotline.stats.daily import refresh

from .test_calls import form_data

RU = {"Accept-Language": "ru"}


def count(db, model):
    return db.session.execute(select(func.count(model.id))).scalar()


# 3. No outcome is ticked for the operator --------------------------------------------------------

def test_new_call_form_opens_with_no_outcome_chosen(client, login_as, reference):
    login_as("operator")
    page = client.get("/calls/new", headers=RU).get_data(as_text=True)
    radios = [chunk for chunk in page.split("<input")[1:] if 'name="outcome"' in chunk.split(">")[0]]
    assert len(radios) == 4 and not any("checked" in chunk.split(">")[0] for chunk in radios)


def test_saving_a_call_without_an_outcome_is_a_clear_error(client, login_as, db, reference):
    login_as("operator")
    data = form_data()
    del data["outcome"]
    response = client.post("/calls/new", data=data, headers=RU)
    assert response.status_code == 422
    assert "Выберите итог звонка." in response.get_data(as_text=True)
    assert count(db, Call) == 0 and count(db, Caller) == 0 and count(db, Enquiry) == 0


def test_the_api_also_wants_an_outcome(client, db, reference):
    from .factories import call_payload, make_user

    from hotline.auth.service import issue_token

    token = issue_token(make_user("operator"))
    db.session.commit()
    payload = call_payload()
    del payload["outcome"]
    response = client.post("/api/v1/calls", json=payload, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and "outcome" in response.get_data(as_text=True)
    assert count(db, Call) == 0


# 5. A local Perm number is a number -----------------------------------------------------------

def test_a_seven_digit_local_number_is_saved_as_a_perm_number(client, login_as, db, reference):
    login_as("operator")
    page = client.get("/calls/new", headers=RU).get_data(as_text=True)
    assert "Семь цифр — пермский номер" in page and 'aria-describedby="phone-hint"' in page
    response = client.post("/calls/new", data=form_data(phone="212-44-86"), headers=RU)
    assert response.status_code == 302
    assert db.session.execute(select(Caller.phone)).scalar_one() == "+73422124486"


def test_the_caller_card_finds_a_caller_by_the_local_number(client, login_as, db, reference):
    from .factories import make_caller

    login_as("operator")
    make_caller("+73422124486", name="Анна Соколова")
    db.session.commit()
    card = client.get("/calls/lookup?phone=212-44-86", headers=RU).get_data(as_text=True)
    assert "Анна Соколова" in card


# 2. A reload never files the question again -------------------------------------------------

def _public_form(client) -> dict:
    import re

    page = client.get("/public/ask").get_data(as_text=True)
    key = re.search(r'name="submission" value="([^"]+)"', page).group(1)
    return {"name": "Мария Петрова", "phone": "8 (342) 200-11-22", "email": "", "topic": "youth",
            "city": "oxford", "question": "Как попасть на летнюю школу в Оксфорде?", "consent": "yes",
            "submission": key}


def test_the_public_form_redirects_after_filing_and_a_reload_shows_the_same_number(client, db, reference):
    response = client.post("/public/ask", data=_public_form(client))
    assert response.status_code == 303 and response.headers["Location"].endswith("/public/sent")
    first = client.get("/public/sent").get_data(as_text=True)
    again = client.get("/public/sent").get_data(as_text=True)  # what a reload does now
    reference_number = db.session.execute(select(Enquiry.reference)).scalar_one()
    assert reference_number in first and reference_number in again and count(db, Enquiry) == 1


def test_the_same_form_sent_twice_files_one_question_and_counts_once(app, client, db, reference):
    app.config["PUBLIC_SUBMITS_PER_HOUR"] = 2
    data = _public_form(client)
    for _ in range(3):  # a double click, then the back button and send again
        response = client.post("/public/ask", data=data, follow_redirects=True)
        assert response.status_code == 200
    assert count(db, Enquiry) == 1
    reference_number = db.session.execute(select(Enquiry.reference)).scalar_one()
    assert reference_number in response.get_data(as_text=True)
    # the duplicates did not count against the hourly limit: one more question still goes through
    other = client.post("/public/ask", data=_public_form(client) | {"question": "Второй вопрос"})
    assert other.status_code == 303 and count(db, Enquiry) == 2


def test_a_refused_form_can_be_corrected_and_sent_with_the_same_key(client, db, reference):
    data = _public_form(client)
    assert client.post("/public/ask", data=data | {"consent": ""}).status_code == 422
    assert client.post("/public/ask", data=data).status_code == 303
    assert count(db, Enquiry) == 1


def test_the_confirmation_is_only_for_the_browser_that_sent_it(app, client, db, reference):
    client.post("/public/ask", data=_public_form(client))
    other = app.test_client()
    response = other.get("/public/sent")
    assert response.status_code == 302 and response.headers["Location"].endswith("/public/ask")


def test_a_new_api_key_is_shown_after_a_redirect_once_with_a_copy_button(client, login_as, db, reference):
    import re

    from hotline.models import ApiToken

    from .factories import make_user

    login_as("admin")
    operator = make_user("operator")
    db.session.commit()
    response = client.post(f"/admin/users/{operator.id}/tokens")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    token = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)
    assert 'data-copy="new-token"' in page
    assert db.session.execute(select(ApiToken.token_hash)).scalar_one() == ApiToken.hash(token)
    assert token not in client.get(response.headers["Location"]).get_data(as_text=True)  # a reload: spent
    assert count(db, ApiToken) == 1


# 1. A returned enquiry can be corrected and sent on ------------------------------------------

def _returned(app, db, client, login_as):
    from hotline.enquiries import workflow

    from .factories import make_coordinator, make_enquiry
    from .jobs import run_jobs

    operator = login_as("operator")
    coordinator = make_coordinator(topics=("youth",), cities=("duisburg",), login="duis")
    make_coordinator(topics=("culture",), login="culture")
    enquiry = make_enquiry(operator, city_code="duisburg")
    db.session.commit()
    run_jobs(app, with_scheduler=False)
    enquiry = db.session.get(Enquiry, enquiry.id)
    workflow.return_to_operator(coordinator, enquiry, "Нет города-побратима и контакта")
    db.session.commit()
    return enquiry


def test_a_returned_enquiry_reads_returned_and_offers_its_fields_to_correct(app, db, client, login_as, reference):
    enquiry = _returned(app, db, client, login_as)
    page = client.get(f"/enquiries/{enquiry.id}", headers=RU).get_data(as_text=True)
    assert "возвращено" in page.split("</h1>")[0] and "Нет города-побратима и контакта" in page
    assert "Исправить и отправить дальше" in page
    for name in ("topic", "city", "question", "caller_name", "caller_phone", "caller_email"):
        assert f'name="{name}"' in page, name
    listing = client.get("/calls/", headers=RU).get_data(as_text=True)
    assert "<small>возвращено</small>" in listing


def test_the_operator_corrects_city_question_and_contact_then_it_is_routed(app, db, client, login_as, reference):
    from hotline.models import EnquiryEvent

    from .jobs import run_jobs

    enquiry = _returned(app, db, client, login_as)
    response = client.post(f"/enquiries/{enquiry.id}/resubmit", headers=RU, data={
        "topic": "culture", "city": "", "question": "Когда Дни городов-побратимов?",
        "caller_name": "Анна Соколова", "caller_phone": "212-44-87", "caller_email": "anna@example.org"})
    assert response.status_code == 302
    db.session.expire_all()
    enquiry = db.session.get(Enquiry, enquiry.id)
    assert enquiry.returned_at is None and enquiry.topic.code == "culture" and enquiry.city_id is None
    assert enquiry.question == "Когда Дни городов-побратимов?"
    assert enquiry.caller.phone == "+73422124487" and enquiry.caller.email == "anna@example.org"
    event = db.session.execute(select(EnquiryEvent).where(EnquiryEvent.kind == "resubmitted")).scalar_one()
    assert event.detail["changed"]["topic"] == ["youth", "culture"]
    assert event.detail["changed"]["city"] == ["duisburg", None]
    assert {"question", "caller_phone", "caller_email"} <= set(event.detail["changed"])
    trail = client.get(f"/enquiries/{enquiry.id}", headers=RU).get_data(as_text=True)
    assert "тема: Молодёжные проекты и обмены → Культурные проекты, конференции, обмены" in trail
    run_jobs(app, with_scheduler=False)
    db.session.expire_all()
    enquiry = db.session.get(Enquiry, enquiry.id)
    assert enquiry.status.value == "assigned" and enquiry.assignee.login == "culture"


def test_a_bad_correction_is_refused_at_its_field_and_nothing_changes(app, db, client, login_as, reference):
    enquiry = _returned(app, db, client, login_as)
    response = client.post(f"/enquiries/{enquiry.id}/resubmit", headers=RU, data={
        "topic": "culture", "city": "paris", "question": "", "caller_name": "", "caller_phone": "12-34",
        "caller_email": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("city", "question", "caller_phone"):
        assert f'id="fix-{name}-error"' in page, name
    assert 'aria-invalid="true" aria-describedby="fix-caller_phone-error"' in page
    db.session.expire_all()
    enquiry = db.session.get(Enquiry, enquiry.id)
    assert enquiry.returned_at is not None and enquiry.topic.code == "youth" and enquiry.city.code == "duisburg"


# 9. Translations ----------------------------------------------------------------------------

EN = {"Accept-Language": "en"}


def test_group_names_read_in_english_and_a_given_name_stays(client, login_as, db, reference):
    from hotline.models import CoordinatorGroup

    login_as("admin")
    page = client.get("/admin/routing", headers=EN).get_data(as_text=True)
    assert "Archives — coordinators" in page and "Архивы — координаторы" not in page
    assert "Архивы — координаторы" in client.get("/admin/routing", headers=RU).get_data(as_text=True)
    group = db.session.execute(select(CoordinatorGroup)).scalars().first()
    group.name = "Группа Ирины"
    db.session.commit()
    assert "Группа Ирины" in client.get(f"/admin/routing/groups/{group.id}", headers=EN).get_data(as_text=True)


def test_open311_service_names_follow_the_language(client, reference):
    english = client.get("/open311/v2/services.json", headers=EN).get_json()
    russian = client.get("/open311/v2/services.json", headers=RU).get_json()
    assert {"Archives", "Extreme park"} <= {s["service_name"] for s in english}
    assert {"Архивы", "Экстрим-парк"} <= {s["service_name"] for s in russian}


def test_faq_language_and_revision_values_are_named_not_coded(client, login_as, db, reference):
    from hotline.faq.service import create_entry, update_entry

    supervisor = login_as("supervisor")
    entry = create_entry(supervisor, {"question": "Где бюллетень?", "answer": "На сайте.", "topic": "youth",
                                      "language": "ru"})
    update_entry(supervisor, entry, {"status": "published", "topic": "information"})
    db.session.commit()
    english = client.get(f"/faq/{entry.id}", headers=EN).get_data(as_text=True)
    assert "· Russian" in english and "· ru\n" not in english
    history = english.split("Revision history")[1]
    for raw in (">youth<", ">information<", ">ru<"):
        assert raw not in history.replace(" ", ""), raw
    assert "Youth projects and exchanges" in history and "Information materials" in history
    assert ">Russian<" in history
    russian = client.get(f"/faq/{entry.id}", headers=RU).get_data(as_text=True).split("История изменений")[1]
    for raw in (">draft<", ">published<", ">youth<", ">ru<"):
        assert raw not in russian.replace(" ", ""), raw
    assert "черновик" in russian and "Молодёжные проекты и обмены" in russian and ">русский<" in russian


def test_admin_overview_counts_use_plural_forms(client, login_as, db, reference):
    from hotline.models import RoutingRule
    from hotline.seed.reference import TOPICS

    from .factories import make_coordinator, topic

    login_as("admin")
    make_coordinator(topics=[code for code, *_ in TOPICS if code != "media"])
    db.session.execute(RoutingRule.__table__.delete().where(RoutingRule.topic_id == topic("media").id))
    db.session.commit()
    english = client.get("/admin/", headers=EN).get_data(as_text=True)
    russian = client.get("/admin/", headers=RU).get_data(as_text=True)
    assert "1 topic with a routing problem" in english and "1 topics" not in english
    assert "1 тема с проблемой распределения" in russian
    assert "срок по умолчанию и свои сроки у 0 тем" in russian


def test_deleting_a_calendar_day_says_it_was_removed(client, login_as, db, reference):
    login_as("admin")
    assert "Календарь сохранён" in client.post("/admin/calendar", data={"day": "2026-12-31", "working": "off", "note": "Канун"}, follow_redirects=True, headers=RU).get_data(as_text=True)
    response = client.post("/admin/calendar/2026-12-31/delete", follow_redirects=True, headers=RU)
    page = response.get_data(as_text=True)
    assert "Исключение на 31.12.2026 удалено" in page and "Календарь сохранён" not in page


def test_status_page_placeholder_and_breadcrumb_are_translated(client, login_as, db, reference):
    assert 'placeholder="ZL-2026-000123"' in client.get("/public/status", headers=EN).get_data(as_text=True)
    assert 'placeholder="ЗЛ-2026-000123"' in client.get("/public/status", headers=RU).get_data(as_text=True)
    login_as("supervisor")
    assert 'aria-label="Навигационная цепочка"' in client.get("/faq/usage", headers=RU).get_data(as_text=True)


# 8. Russian formats -----------------------------------------------------------------------

def test_numbers_follow_the_readers_language(app):
    from hotline import numbers

    with app.test_request_context(headers=RU):
        assert numbers.percent(0.6612) == "66,1\u202f%"
        assert numbers.seconds(0.24) == "0,2\u202fс"
        assert numbers.seconds(181) == "3:01"
        assert numbers.number(12345.67) == "12\xa0345,7"
        assert numbers.compact(2.5) == "2,5" and numbers.compact(8.0) == "8"
        assert numbers.cell(163.676) == "163,7" and numbers.cell(None) == "—"
    with app.test_request_context(headers=EN):
        from flask_babel import refresh

        refresh()  # the locale is kept per app context, which the app fixture holds
        assert numbers.percent(0.6612) == "66.1%" and numbers.seconds(0.24) == "0.2 s".replace(" ", "\u202f")
        assert numbers.number(12345.67) == "12,345.7"


def test_the_dashboard_shows_russian_decimals_and_one_kind_of_duration(midday, client, login_as, db, reference):
    import re

    from hotline.models import CallOutcome

    from .factories import make_call

    supervisor = login_as("supervisor")
    operator = __import__("tests.factories", fromlist=["make_user"]).make_user("operator", login="olga")
    for seconds, outcome in ((181, CallOutcome.ANSWERED), (120, CallOutcome.INFO), (95, CallOutcome.ANSWERED)):
        make_call(operator, outcome=outcome, seconds=seconds)
    db.session.commit()
    refresh()
    page = client.get("/stats/?period=today", headers=RU).get_data(as_text=True)
    assert re.search(r"\d+,\d\u202f%", page)                      # «66,7 %»
    assert not re.search(r"<td>\d+\.\d+</td>", page)              # no «163.676»
    table = page.split('id="table-operators"')[1].split("</table>")[0]
    assert "<td>2:12</td>" in table                                # (181 + 120 + 95) / 3 s, as the tile says
    assert 'data-kpi="aht">2:12<' in page
    assert supervisor


# 11. The language switch is for the session; the account's default is chosen in the profile ---

def test_the_switch_changes_the_session_not_the_account(app, client, login_as, db, reference):
    user = login_as("operator")
    client.post("/lang/en")
    assert "New call" in client.get("/calls/new", headers=RU).get_data(as_text=True)
    db.session.refresh(user)
    assert user.language is None
    other = app.test_client()  # the same person on another browser
    other.post("/login", data={"login": user.login, "password": __import__("tests.factories").factories.PASSWORD})
    assert "Новый звонок" in other.get("/calls/new", headers=RU).get_data(as_text=True)


def test_the_profile_sets_the_accounts_language_explicitly(app, client, login_as, db, reference):
    from hotline.models import AuditEntry

    from .factories import PASSWORD

    user = login_as("operator")
    page = client.get("/profile", headers=RU).get_data(as_text=True)
    assert "Язык рабочего места" in page and 'value="" checked' in page
    response = client.post("/profile", data={"language": "en"}, headers=RU)
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.language == "en"
    assert db.session.execute(select(AuditEntry.action).where(AuditEntry.action == "set_language")).scalar()
    other = app.test_client()
    other.post("/login", data={"login": user.login, "password": PASSWORD})
    assert "New call" in other.get("/calls/new", headers=RU).get_data(as_text=True)
    refused = client.post("/profile", data={"language": "de"}, headers=RU)
    assert refused.status_code == 422 and "Unknown language" in refused.get_data(as_text=True)  # now in English
    db.session.refresh(user)
    assert user.language == "en"


# 4. FAQ suggestions for a long question -----------------------------------------------------

def test_a_long_question_is_posted_for_suggestions_and_still_matches(client, login_as, db, reference):
    from hotline.seed.demo import seed_faq

    seed_faq()
    db.session.commit()
    login_as("operator")
    page = client.get("/calls/new", headers=RU).get_data(as_text=True)
    assert 'hx-post="/calls/faq-suggest"' in page and "data-error=" in page
    question = "Где получить бюллетень «Побратимы»? " + "Расскажите подробно, пожалуйста, " * 25  # ~ 850 chars
    assert len(question) > 650
    html = client.post("/calls/faq-suggest", data={"question": question, "topic": ""}).get_data(as_text=True)
    assert "Как получить бюллетень «Побратимы»?" in html


# 10. Forms -----------------------------------------------------------------------------------

def test_new_call_shows_every_error_at_once_each_once(client, login_as, db, reference):
    login_as("operator")
    data = form_data(phone="12-34", topic="", question="")
    del data["outcome"]
    page = client.post("/calls/new", data=data, headers=RU).get_data(as_text=True)
    for message in ("Это не номер телефона", "Выберите тему.", "Выберите итог звонка."):
        assert page.count(message) == 1, message
    assert 'id="phone" ' in page and 'aria-invalid="true"' in page.split('id="phone"')[0][-400:] + page.split('id="phone"')[1][:400]


def test_an_empty_phone_is_not_marked_valid(client, login_as, reference):
    login_as("operator")
    page = client.get("/calls/new", headers=RU).get_data(as_text=True)
    phone = page.split('id="phone"')[0].rsplit("<input", 1)[1] + page.split('id="phone"')[1].split(">")[0]
    assert "aria-invalid" not in phone  # Pico draws a green tick for aria-invalid="false"


def test_a_refused_user_form_keeps_the_password_typed(client, login_as, db, reference):
    login_as("admin")
    response = client.post("/admin/users/new", headers=RU, data={
        "login": "", "name": "Новый", "email": "", "role": "operator", "password": "long-enough-42"})
    assert response.status_code == 422
    assert 'value="long-enough-42"' in response.get_data(as_text=True)
    assert 'value="long-enough-42"' not in client.get("/admin/users/new").get_data(as_text=True)


def test_destructive_admin_buttons_ask_first(client, login_as, db, reference):
    login_as("admin")
    for url in ("/admin/routing", "/admin/calendar", "/admin/sla"):
        page = client.get(url, headers=RU).get_data(as_text=True)
        for form in page.split('<form method="post"')[1:]:
            if "/delete" in form.split(">")[0]:
                assert "data-confirm=" in form.split(">")[0] and "вы уверены" in form.split(">")[0], url


def test_a_closed_enquiry_offers_no_insert_answer(app, db, client, login_as, reference):
    from hotline.enquiries import workflow
    from hotline.seed.demo import seed_faq

    from .factories import make_enquiry
    from .jobs import run_jobs

    seed_faq()
    coordinator = login_as("coordinator", topics=("youth",))
    enquiry = make_enquiry(question="Как попасть в молодёжный обмен с городами-побратимами?")
    db.session.commit()
    run_jobs(app, with_scheduler=False)
    enquiry = db.session.get(Enquiry, enquiry.id)
    assert "Вставить ответ" in client.get(f"/enquiries/{enquiry.id}", headers=RU).get_data(as_text=True)
    workflow.answer_enquiry(coordinator, enquiry, "Ответ дан.")
    workflow.close(coordinator, enquiry)
    db.session.commit()
    page = client.get(f"/enquiries/{enquiry.id}", headers=RU).get_data(as_text=True)
    assert "Как попасть в молодёжный обмен" in page and "Вставить ответ" not in page
    assert "insert=0" in page


# 7. Statistics that do not mislead ------------------------------------------------------------

def _dashboard_data(db):
    from datetime import timedelta

    from hotline.models import CallOutcome, utcnow

    from .factories import make_call, make_user

    olga = make_user("operator", login="olga", name="Ольга Смирнова")
    make_call(olga, outcome=CallOutcome.ANSWERED, started_at=utcnow() - timedelta(minutes=30))
    make_call(None, outcome=CallOutcome.ROUTED, started_at=utcnow() - timedelta(minutes=20))  # a web call
    db.session.commit()
    refresh()


def test_the_live_counters_open_the_lists_they_count(client, login_as, db, reference):
    from .factories import make_coordinator

    login_as("supervisor")
    make_coordinator()
    db.session.commit()
    page = client.get("/stats/", headers=RU).get_data(as_text=True)
    strip = page.split('id="live-strip"')[1].split("</div>")[0]
    assert 'href="/enquiries/?view=overdue"' in strip and 'href="/enquiries/?view=unrouted"' in strip
    assert 'href="/calls/?date_from=' in strip
    inbox = client.get("/enquiries/?view=overdue", headers=RU)
    assert inbox.status_code == 200 and 'value="overdue" selected' in inbox.get_data(as_text=True)


def test_the_overdue_view_lists_only_what_is_past_its_deadline(app, client, login_as, db, reference):
    from datetime import timedelta

    from hotline.models import utcnow

    from .factories import make_coordinator, make_enquiry
    from .jobs import run_jobs

    login_as("supervisor")
    make_coordinator()
    late, fresh = make_enquiry(question="Просрочено"), make_enquiry(question="В срок")
    db.session.commit()
    run_jobs(app, with_scheduler=False)
    db.session.get(Enquiry, late.id).due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = client.get("/enquiries/?view=overdue", headers=RU).get_data(as_text=True)
    assert late.reference in page and fresh.reference not in page


def test_the_heat_map_has_seven_labelled_rows_of_24_hours(client, login_as, db, reference):
    _dashboard_data(db)
    login_as("supervisor")
    page = client.get("/stats/?period=7d", headers=RU).get_data(as_text=True)
    heat = page.split('<table class="heatmap">')[1].split("</table>")[0]
    rows = heat.split("<tbody>")[1].split("<tr>")[1:]
    assert len(rows) == 7 and rows[0].startswith("<th scope=\"row\">Пн</th>") and "Вс" in rows[6]
    assert all(row.count("<td") == 24 for row in rows)
    assert "heat-5" in heat  # the busiest hour is the darkest


def test_today_draws_hours_and_tables_use_names_and_say_who_had_no_operator(midday, client, login_as, db, reference):
    import html
    import json
    import re

    _dashboard_data(db)
    login_as("supervisor")
    page = client.get("/stats/?period=today", headers=RU).get_data(as_text=True)
    section = page.split('id="section-calls_by_day"')[1]
    spec = json.loads(html.unescape(re.search(r'data-chart="([^"]+)"', section).group(1)))
    assert len(spec["labels"]) == 24 and sum(spec["datasets"][0]["data"]) == 2
    operators = page.split('id="table-operators"')[1].split("</table>")[0]
    assert "Ольга Смирнова" in operators and ">olga<" not in operators
    assert "без оператора (сайт, почта, партнёры)" in operators and ">none<" not in operators
    assert "Соблюдение сроков по обращениям, отвеченным за период" in page
    assert "открытых обращений сейчас в срок" in page
