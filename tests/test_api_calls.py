"""`POST /api/v1/calls`, `GET /calls/{id}`, `GET /callers`, `GET /health`, with SPEC 8.2 errors."""
import pytest
from sqlalchemy import func, select

from hotline.models import Call, Caller, Enquiry, EnquiryStatus

from .factories import call_payload


def count(db, model):
    return db.session.execute(select(func.count(model.id))).scalar()


def test_routed_call_returns_the_enquiry(api, db, reference):
    response = api("operator").post("/api/v1/calls", json=call_payload())
    assert response.status_code == 201
    body = response.get_json()
    assert body["outcome"] == "routed" and body["topic"] == "youth" and body["city"] == "duisburg"
    assert body["caller"]["phone"] == "+73422124486"
    enquiry = body["enquiry"]
    assert enquiry["status"] == "new" and enquiry["reference"].startswith("ЗЛ-") and enquiry["due_at"]
    assert db.session.get(Enquiry, enquiry["id"]).status is EnquiryStatus.NEW


def test_get_call_and_caller_history(api, db, reference):
    operator = api("operator")
    created = operator.post("/api/v1/calls", json=call_payload()).get_json()
    fetched = operator.get(f"/api/v1/calls/{created['id']}").get_json()
    assert fetched["enquiry"]["reference"] == created["enquiry"]["reference"]
    history = operator.get("/api/v1/callers?phone=+7 342 212-44-86").get_json()
    assert history["callers"][0]["calls"][0]["id"] == created["id"]
    assert history["callers"][0]["open_enquiries"][0]["reference"] == created["enquiry"]["reference"]
    assert operator.get("/api/v1/calls/999999").status_code == 404


def test_the_answer_to_a_post_is_the_call_as_it_reads_back(api, reference):
    """POST answers from the values it wrote, without reading them back: every shape of call
    must come out exactly as GET /calls/{id} reads it from the database."""
    operator = api("operator")
    payloads = [
        call_payload(),  # a new caller, routed
        call_payload(caller={"name": "Анна С.", "phone": "+7 342 2124486", "email": "anna@example.org",
                             "language": "en", "consent": True}, city=None),  # the same caller, changed
        call_payload(caller={"email": "anna@example.org"}, outcome="info", answer="Да."),  # found by e-mail
        call_payload(caller={"phone": "83422124486"}, outcome="dropped"),  # nothing new about them
        call_payload(caller={}, outcome="answered", answer="Ответ", channel="email",
                     started_at="2026-03-02T10:00:00+05:00", ended_at="2026-03-02T10:03:30+05:00"),
        call_payload(caller={"name": "Пётр"}, started_at="2026-03-02T10:00:00"),  # local time, no end
        call_payload(caller={}, outcome="dropped", topic=None, city=None, question=""),  # the line went dead
    ]
    answers = []
    for payload in payloads:
        response = operator.post("/api/v1/calls", json=payload)
        assert response.status_code == 201, response.get_json()
        answers.append(response.get_json())
        assert answers[-1] == operator.get(f"/api/v1/calls/{answers[-1]['id']}").get_json()
    assert answers[2]["caller"]["phone"] == "+73422124486"  # kept from the caller's record
    assert answers[3]["caller"]["email"] == "anna@example.org" and answers[3]["caller"]["language"] == "ru"
    assert answers[4]["caller"] is None and answers[4]["enquiry"] is None
    assert answers[6]["topic"] is None and answers[6]["outcome"] == "dropped"


def test_explicit_times_give_the_handle_time(api, reference):
    body = api("operator").post("/api/v1/calls", json=call_payload(
        outcome="info", started_at="2026-03-02T10:00:00+05:00", ended_at="2026-03-02T10:03:30+05:00")).get_json()
    assert body["handle_seconds"] == 210 and body["started_at"] == "2026-03-02T05:00:00Z"


@pytest.mark.parametrize("change,field", [
    ({"topic": None}, "topic"),
    ({"topic": "astronomy"}, "topic"),
    ({"city": "paris"}, "city"),
    ({"question": "я" * 20_000}, "question"),
    ({"caller": {"phone": "12-34"}}, "caller.phone"),
    ({"question": 12345}, "question"),
    ({"topic": ["youth"]}, "topic"),
    ({"outcome": "maybe"}, "outcome"),
    ({"caller": "Анна"}, "caller"),
    ({"faq_ids": "1,2"}, "faq_ids"),
    ({"started_at": "yesterday"}, "started_at"),
    ({"started_at": "2026-03-02T10:00:00Z", "ended_at": "2026-03-02T09:00:00Z"}, "ended_at"),
])
def test_bad_input_is_a_422_with_the_field_and_nothing_saved(api, db, reference, change, field):
    response = api("operator").post("/api/v1/calls", json=call_payload(**change))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"] and error["message"]
    assert count(db, Call) == 0 and count(db, Enquiry) == 0 and count(db, Caller) == 0


def test_errors_speak_the_callers_language(api, reference):
    response = api("operator").post("/api/v1/calls", json=call_payload(topic=None),
                                    headers={"Accept-Language": "ru"})
    assert response.get_json()["error"]["fields"]["topic"] == "Выберите тему."


def test_body_that_is_not_json_or_not_an_object(api, reference):
    operator = api("operator")
    response = operator.post("/api/v1/calls", data="topic=youth", content_type="text/plain")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"
    response = operator.post("/api/v1/calls", json=[1, 2])
    assert response.status_code == 422


def test_health_reports_database_and_redis(client):
    body = client.get("/api/v1/health").get_json()
    assert body["database"] == "ok" and body["redis"] == "ok" and body["queue_length"] == 0


def test_openapi_describes_the_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/calls", "/calls/{id}", "/callers", "/health", "/enquiries", "/enquiries/{id}",
            "/enquiries/{id}/answer", "/enquiries/{id}/reassign", "/faq", "/stats"} <= set(spec["paths"])
