"""The residents' pages (SPEC 5.6): ask a question without signing in, with consent and a rate
limit; look up its status and the published answer by reference plus phone or e-mail."""
import re

import pytest
from sqlalchemy import select

from hotline.enquiries import workflow
from hotline.enquiries.routing import route_enquiry
from hotline.models import AuditEntry, Call, CallChannel, Caller, Enquiry, EnquiryStatus
from hotline.public.service import normalise_reference
from hotline.queue import get_queue

from .factories import count, make_coordinator

GOOD = {"name": "Мария Петрова", "phone": "8 (342) 200-11-22", "email": "", "topic": "youth", "city": "oxford",
        "question": "Как попасть на летнюю школу в Оксфорде?", "consent": "yes"}


def submit(client, **changes):
    return client.post("/public/ask", data={**GOOD, **changes}, follow_redirects=True)


def reference_in(page: str) -> str:
    return re.search(r"ЗЛ-\d{4}-\d{6}", page).group(0)


def test_the_pages_open_without_signing_in(client, reference):
    for url in ("/public/", "/public/ask", "/public/status"):
        assert client.get(url).status_code == 200, url
    page = client.get("/public/ask").get_data(as_text=True)
    assert "Оксфорд" in page and 'name="consent"' in page  # topics and cities to pick, and consent
    assert 'href="/public/ask"' in client.get("/login").get_data(as_text=True)


def test_a_question_becomes_a_web_call_and_a_routed_enquiry(client, db, reference):
    response = submit(client)
    assert response.status_code == 200
    ref = reference_in(response.get_data(as_text=True))
    enquiry = db.session.execute(select(Enquiry).where(Enquiry.reference == ref)).scalar_one()
    assert enquiry.status is EnquiryStatus.NEW and enquiry.topic.code == "youth" and enquiry.city.code == "oxford"
    assert enquiry.call.channel is CallChannel.WEB and enquiry.call.operator_id is None
    assert enquiry.caller.phone == "+73422001122" and enquiry.caller.consent_at is not None
    assert enquiry.question == GOOD["question"]
    assert get_queue().count == 1  # its routing job, after the commit


@pytest.mark.parametrize("changes,field", [
    ({"consent": ""}, "consent"),
    ({"phone": "", "email": ""}, "phone"),
    ({"phone": "12-34"}, "phone"),
    ({"email": "not-an-address"}, "email"),
    ({"topic": ""}, "topic"),
    ({"topic": "astronomy"}, "topic"),
    ({"city": "paris"}, "city"),
    ({"question": ""}, "question"),
    ({"question": "я" * 10_001}, "question"),
    ({"name": "и" * 201}, "name"),
])
def test_bad_input_is_shown_at_its_field_and_nothing_is_saved(client, db, reference, changes, field):
    response = submit(client, **changes)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and "ЗЛ-" not in page
    assert count(db, Call) == 0 and count(db, Enquiry) == 0 and count(db, Caller) == 0
    assert GOOD["name"] in page or changes.get("name")  # what was typed stays in the form


def test_submissions_are_rate_limited_per_address(app, client, db, reference):
    app.config["PUBLIC_SUBMITS_PER_HOUR"] = 2
    assert submit(client).status_code == 200
    assert submit(client, question="Второй вопрос").status_code == 200
    response = submit(client, question="Третий вопрос")
    assert response.status_code == 429 and "ЗЛ-" not in response.get_data(as_text=True)
    assert count(db, Enquiry) == 2
    other = client.post("/public/ask", data={**GOOD, "question": "С другого адреса"}, follow_redirects=True,
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_with_redis_down_a_question_is_still_registered(app, client, db, reference, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    monkeypatch.setitem(app.extensions, "hotline.redis", None)
    assert submit(client).status_code == 200
    assert db.session.execute(select(Enquiry.status)).scalar_one() is EnquiryStatus.NEW


@pytest.fixture
def asked(client, db, reference):
    ref = reference_in(submit(client, email="Maria@Example.org").get_data(as_text=True))
    return db.session.execute(select(Enquiry).where(Enquiry.reference == ref)).scalar_one()


def lookup(client, reference, contact):
    return client.post("/public/status", data={"reference": reference, "contact": contact})


def test_the_status_is_found_by_reference_and_phone_or_email(client, db, asked):
    client.post("/lang/en")
    for ref, contact in [(asked.reference, "+7 342 200 11 22"), (asked.reference.lower(), "83422001122"),
                         (asked.reference, "maria@example.org")]:
        response = lookup(client, ref, contact)
        assert response.status_code == 200, (ref, contact)
        page = response.get_data(as_text=True)
        assert asked.reference in page and "received" in page and "Answer expected by" in page
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "read")).scalars().first()
    assert entry.object_id == asked.id and entry.detail == {"via": "public"}


def test_a_wrong_contact_reveals_nothing(client, asked):
    wrong_contact = lookup(client, asked.reference, "+7 342 999 99 99")
    unknown_reference = lookup(client, "ЗЛ-2020-999999", "+7 342 200 11 22")
    assert wrong_contact.status_code == unknown_reference.status_code == 404
    for response in (wrong_contact, unknown_reference):
        page = response.get_data(as_text=True)
        assert "Оксфорд" not in page and "Как попасть" not in page
    assert lookup(client, asked.reference, "").status_code == 404


def test_the_published_answer_is_shown_and_an_unpublished_one_is_not(client, db, asked):
    client.post("/lang/en")
    coordinator = make_coordinator(topics=("youth",))
    route_enquiry(asked.id)
    workflow.answer_enquiry(coordinator, asked, "Заявки принимаются до 1 марта.")
    db.session.commit()
    page = lookup(client, asked.reference, "83422001122").get_data(as_text=True)
    assert "Заявки принимаются до 1 марта." in page
    asked.answer_published = False
    db.session.commit()
    page = lookup(client, asked.reference, "83422001122").get_data(as_text=True)
    assert "Заявки принимаются" not in page and "sent to you directly" in page


def test_lookups_are_rate_limited(app, client, asked):
    app.config["PUBLIC_LOOKUPS_PER_HOUR"] = 3
    for _ in range(3):
        lookup(client, asked.reference, "wrong")
    assert lookup(client, asked.reference, "83422001122").status_code == 429


@pytest.mark.parametrize("typed", ["ЗЛ-2026-000123", "зл-2026-000123", "ZL-2026-000123", "zl 2026 123",
                                   " ЗЛ-2026-123 "])
def test_a_reference_is_read_however_it_is_typed(typed):
    assert normalise_reference(typed) == "ЗЛ-2026-000123"


def test_a_submission_cannot_rewrite_someone_elses_caller_card(client, db, reference):
    """Only an operator's word changes a card: typing someone's phone on the web only fills what
    the card lacks."""
    assert submit(client, name="Мария Петрова", email="").status_code == 200
    assert submit(client, name="Злоумышленник", email="evil@example.org", question="Другой вопрос").status_code == 200
    caller = db.session.execute(select(Caller)).scalar_one()
    assert caller.name == "Мария Петрова"  # kept
    assert caller.email == "evil@example.org"  # the card had none: filled
    assert submit(client, name="Кто-то", email="other@example.org", question="Третий").status_code == 200
    db.session.refresh(caller)
    assert (caller.name, caller.email) == ("Мария Петрова", "evil@example.org")


def test_a_residents_own_enquiry_cannot_be_returned_to_an_operator(client, db, asked):
    from hotline.errors import Conflict

    coordinator = make_coordinator(topics=("youth",))
    route_enquiry(asked.id)
    db.session.commit()
    with pytest.raises(Conflict):
        workflow.return_to_operator(coordinator, asked, "не та тема")
    db.session.rollback()
    assert db.session.get(Enquiry, asked.id).status is EnquiryStatus.ASSIGNED
