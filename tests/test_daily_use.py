"""Issue 16, "Daily use": what a walk-through as a new user found, each fix held by a test."""
from sqlalchemy import func, select

from hotline.models import Call, Caller, Enquiry

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
