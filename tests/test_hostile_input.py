"""Hostile and broken input (issue 13, items 12, 13 and 15): what used to be a 500 is a 400, 404 or
422 in the shape of the interface asked; call times that make no sense are refused with a reason;
Flask's own errors in the API's shape; no caching of personal data; no bidi overrides in names."""
from datetime import timedelta

import pytest

from hotline.models import Call, Caller, Enquiry, utcnow

from .factories import call_payload, count, make_call, make_user
from .test_open311 import BASE, request_form

RU = {"Accept-Language": "ru"}


def api_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"] and isinstance(error["fields"], dict)
    return error


# --- ids -------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/v1/enquiries/%C2%B3", "/api/v1/enquiries/99999999999999999999",
                                 "/api/v1/calls/99999999999999999999", "/api/v1/calls/2147483648"])
def test_ids_that_are_not_ids_are_404(api, reference, url):
    api_error(api("supervisor").get(url), 404, "not_found")


def test_unicode_digits_and_huge_numbers_in_forms_and_pages(client, db, login_as, reference):
    user = login_as("operator")
    make_call(operator=user)
    db.session.commit()
    assert client.get("/calls/?page=99999999999999999999").status_code == 200
    assert client.get("/calls/?page=³").status_code == 200
    assert client.post("/notifications/read", data={"id": "³"}).status_code < 500
    assert client.post("/notifications/read", data={"id": "99999999999999999999"}).status_code < 500
    assert client.get("/calls/new?faq_ids=³&faq_ids=99999999999999999999").status_code == 200
    assert client.get("/admin/absences?user=³").status_code in (403, 200)


def test_a_reference_with_unicode_digits_is_simply_not_found(client, db, reference):
    response = client.post("/public/status", data={"reference": "ЗЛ-²⁰²⁶-³", "contact": "83422001122"})
    assert response.status_code == 404


# --- dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "0001-01-01",
                                    "9999-12-31T00:00:00Z"])
def test_extreme_dates_are_422_at_their_field(api, db, reference, moment):
    response = api("operator").post("/api/v1/calls", json=call_payload(started_at=moment))
    error = api_error(response, 422, "validation_failed")
    assert "started_at" in error["fields"]
    assert count(db, Call) == 0


def test_call_times_that_make_no_sense_are_refused_with_a_reason(api, db, reference, app):
    operator = api("operator")
    now = utcnow()
    cases = {
        # ended 500 hours before it started (the probe saw a handle time of -1 802 789 s)
        "ended_at": dict(started_at=(now - timedelta(hours=1)).isoformat(),
                         ended_at=(now - timedelta(hours=501)).isoformat()),
    }
    error = api_error(operator.post("/api/v1/calls", json=call_payload(**cases["ended_at"]), headers=RU), 422,
                      "validation_failed")
    assert error["fields"]["ended_at"] == "Звонок не может закончиться раньше, чем начался."
    longest = app.config["CALL_MAX_HANDLE_MINUTES"]
    too_long = call_payload(started_at=(now - timedelta(minutes=longest + 5)).isoformat(),
                            ended_at=now.isoformat())
    error = api_error(operator.post("/api/v1/calls", json=too_long, headers=RU), 422, "validation_failed")
    assert str(longest) in error["fields"]["ended_at"]
    old = call_payload(started_at="1999-12-31T12:00:00+05:00")
    error = api_error(operator.post("/api/v1/calls", json=old, headers=RU), 422, "validation_failed")
    assert error["fields"]["started_at"] == "Звонок раньше 01.01.2000 не может быть верным."
    future_end = call_payload(ended_at=(now + timedelta(hours=2)).isoformat())
    assert "ended_at" in api_error(operator.post("/api/v1/calls", json=future_end), 422, "validation_failed")["fields"]
    assert count(db, Call) == 0
    sane = call_payload(started_at=(now - timedelta(minutes=7)).isoformat(), ended_at=now.isoformat())
    assert operator.post("/api/v1/calls", json=sane).status_code == 201


def test_a_start_long_ago_without_an_end_does_not_make_a_day_long_call(api, db, reference):
    started = utcnow() - timedelta(days=2)
    assert api("operator").post("/api/v1/calls", json=call_payload(started_at=started.isoformat())).status_code == 201
    call = db.session.query(Call).one()
    assert call.ended_at is None and call.handle_seconds is None


# --- JSON and NUL ----------------------------------------------------------------------------

def test_deeply_nested_json_is_400(api, db, reference):
    operator = api("operator")
    body = "[" * 990 + "]" * 990
    api_error(operator.post("/api/v1/calls", data=body, content_type="application/json"), 400, "bad_request")
    nested = {"a": 1}
    for _ in range(40):
        nested = {"a": nested}
    api_error(operator.post("/api/v1/calls", json={**call_payload(), "extra": nested}), 400, "bad_request")


def test_nul_characters_are_400_everywhere_without_signing_in(client, db, reference):
    assert client.post("/login", data={"login": "admin\x00", "password": "x"}).status_code == 400
    ask = {"name": "Мария\x00", "phone": "83422001122", "topic": "youth", "question": "Вопрос", "consent": "yes"}
    response = client.post("/public/ask", data=ask, headers=RU)
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    assert client.post("/public/status", data={"reference": "ЗЛ-2026-000001\x00", "contact": "1"}).status_code == 400
    response = client.post(f"{BASE}/requests.json", data=request_form("key", description="Текст\x00"))
    assert response.status_code == 400 and response.get_json()[0]["code"] == 400
    response = client.get(f"{BASE}/requests.xml", query_string={"service_code": "youth\x00"})
    assert response.status_code == 400 and b"<code>400</code>" in response.data
    assert count(db, Enquiry) == 0 and count(db, Caller) == 0


def test_a_nul_character_in_api_json_is_400(api, db, reference):
    response = api("operator").post("/api/v1/calls", json=call_payload(question="Вопрос\u0000"))
    api_error(response, 400, "bad_request")
    assert count(db, Call) == 0


# --- the small ones (item 15) ----------------------------------------------------------------

def test_flasks_own_errors_under_the_api_keep_code_and_message_apart(client, api):
    error = api_error(client.get("/api/v1/no-such-thing", headers=RU), 404, "not_found")
    assert error["message"] == "Такой страницы нет."
    response = api("operator").open("/api/v1/calls", "PUT")
    api_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"POST"}


def test_an_html_405_says_which_methods_are_allowed(client):
    response = client.get("/logout")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]


def test_pages_with_personal_data_are_not_cached_and_static_files_are(client, login_as, api, reference):
    login_as("operator")
    assert client.get("/calls/").headers["Cache-Control"] == "no-store"
    assert api("operator").get("/api/v1/callers?phone=83422124486").headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_bidi_overrides_are_not_kept_in_names(api, db, reference, client, login_as):
    api("operator").post("/api/v1/calls", json=call_payload(caller={"name": "Анна\u202e аволокоС", "phone": "83422124486"}))
    assert db.session.query(Caller).one().name == "Анна аволокоС"
    user = make_user("operator", name="\u202eпетр\u2066")
    assert user.name == "петр"
