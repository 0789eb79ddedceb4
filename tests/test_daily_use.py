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
