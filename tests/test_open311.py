"""Open311 GeoReport v2 (SPEC 8.3): discovery, services, service definitions, requests posted by
partners with an api_key, their public status, tokens; XML and JSON; errors in the spec's shape."""
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from hotline.auth import tokens
from hotline.auth.service import issue_token
from hotline.enquiries import workflow
from hotline.enquiries.routing import route_enquiry
from hotline.models import AuditEntry, Call, CallChannel, Enquiry, EnquiryStatus, TokenKind, Topic
from hotline.queue import get_queue

from .factories import count, make_coordinator, make_user

BASE = "/open311/v2"


def partner_key(name):
    return tokens.issue(TokenKind.OPEN311, name=name)[1]


@pytest.fixture
def key(db, reference):
    secret = partner_key("partner-site")
    db.session.commit()
    return secret


def request_form(token, **changes):
    form = {"api_key": token, "service_code": "youth", "address_string": "online",
            "first_name": "Мария", "last_name": "Петрова", "phone": "+7 342 200-11-22",
            "email": "maria@example.org", "description": "Когда набор на обмен с Дуйсбургом?",
            "attribute[city]": "duisburg", "attribute[consent]": "true"}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def xml(response):
    assert response.content_type.startswith("text/xml")
    assert response.data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return ET.fromstring(response.data)


def test_discovery_names_the_endpoint_and_its_formats(client):
    body = client.get(f"{BASE}/discovery.json").get_json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_one_service_per_active_topic_in_both_formats(client, db, reference):
    db.session.execute(select(Topic).where(Topic.code == "archives")).scalar_one().active = False
    db.session.commit()
    services = client.get(f"{BASE}/services.json").get_json()
    codes = [s["service_code"] for s in services]
    assert "youth" in codes and "archives" not in codes
    youth = next(s for s in services if s["service_code"] == "youth")
    assert youth["type"] == "realtime" and youth["metadata"] is True and youth["service_name"]
    root = xml(client.get(f"{BASE}/services.xml"))
    assert [s.findtext("service_code") for s in root.findall("service")] == codes
    assert root.find("service/metadata").text == "true"


def test_a_service_definition_offers_the_cities_and_asks_for_consent(client, reference):
    body = client.get(f"{BASE}/services/youth.json").get_json()
    attributes = {a["code"]: a for a in body["attributes"]}
    assert "oxford" in [v["key"] for v in attributes["city"]["values"]] and not attributes["city"]["required"]
    assert attributes["consent"]["required"] is True
    root = xml(client.get(f"{BASE}/services/youth.xml"))
    assert root.tag == "service_definition"
    assert "qingdao" in [v.text for v in root.findall("attributes/attribute/values/value/key")]
    missing = client.get(f"{BASE}/services/astronomy.xml")
    assert missing.status_code == 404
    assert xml(missing).find("error/code").text == "404"


def test_a_partner_request_becomes_a_web_call_with_a_routed_enquiry(client, db, key):
    response = client.post(f"{BASE}/requests.json", data=request_form(key, address_string="ул. Ленина, 23"))
    assert response.status_code == 201
    created = response.get_json()[0]
    enquiry = db.session.execute(select(Enquiry).where(Enquiry.reference == created["service_request_id"])).scalar_one()
    assert enquiry.status is EnquiryStatus.NEW and enquiry.city.code == "duisburg"
    assert enquiry.call.channel is CallChannel.WEB and enquiry.call.operator_id is None
    assert enquiry.caller.name == "Мария Петрова" and enquiry.caller.phone == "+73422001122"
    assert enquiry.caller.consent_at is not None and "Адрес: ул. Ленина, 23" in enquiry.question
    assert created["service_notice"] and enquiry.reference in created["service_notice"]
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "open311-submit")).scalar_one()
    assert entry.object_id == enquiry.id and entry.detail["partner"] == "partner-site"
    assert enquiry.call.partner_key.name == "partner-site"
    assert get_queue().count == 1
    root = xml(client.post(f"{BASE}/requests.xml", data=request_form(key)))
    assert root.tag == "service_requests" and root.findtext("request/service_request_id").startswith("ЗЛ-")


@pytest.mark.parametrize("changes,status", [
    ({"api_key": None}, 403),
    ({"api_key": "hl_not-a-key"}, 403),
    ({"address_string": None}, 400),
    ({"attribute[consent]": None}, 400),
    ({"service_code": "astronomy"}, 400),
    ({"attribute[city]": "paris"}, 400),
    ({"phone": "12-34"}, 400),
    ({"description": ""}, 400),
    ({"phone": "", "email": ""}, 400),
])
def test_bad_requests_are_refused_in_the_specs_shape_and_nothing_is_saved(client, db, key, changes, status):
    response = client.post(f"{BASE}/requests.json", data=request_form(key, **changes))
    assert response.status_code == status
    error = response.get_json()[0]
    assert error["code"] == status and error["description"]
    assert count(db, Enquiry) == 0 and count(db, Call) == 0
    root = xml(client.post(f"{BASE}/requests.xml", data=request_form(key, **changes)))
    assert root.tag == "errors" and root.findtext("error/code") == str(status)


@pytest.mark.parametrize("role", ["operator", "supervisor", "coordinator"])
def test_a_staff_token_is_not_a_partner_key(client, db, reference, role):
    token = issue_token(make_user(role))
    db.session.commit()
    response = client.post(f"{BASE}/requests.json", data=request_form(token))
    assert response.status_code == 403
    [error] = response.get_json()
    assert error["code"] == 403 and "ключ партнёра" in error["description"]
    assert count(db, Call) == 0
    root = xml(client.post(f"{BASE}/requests.xml", data=request_form(token)))
    assert root.findtext("error/code") == "403"


def test_a_revoked_partner_key_is_403_and_its_successor_sees_the_partners_requests(client, db, key):
    ref = client.post(f"{BASE}/requests.json", data=request_form(key)).get_json()[0]["service_request_id"]
    assert tokens.revoke_all(TokenKind.OPEN311, name="partner-site") == 1
    db.session.commit()
    assert client.post(f"{BASE}/requests.json", data=request_form(key)).status_code == 403
    assert client.get(f"{BASE}/requests/{ref}.json", query_string={"api_key": key}).get_json()[0]["description"] is None
    successor = partner_key("partner-site")
    db.session.commit()
    mine = client.get(f"{BASE}/requests/{ref}.json", query_string={"api_key": successor}).get_json()[0]
    assert mine["description"].startswith("Когда набор")


def test_requests_are_listed_with_status_and_published_answer(client, db, key):
    first = client.post(f"{BASE}/requests.json", data=request_form(key)).get_json()[0]["service_request_id"]
    second = client.post(f"{BASE}/requests.json",
                         data=request_form(key, service_code="culture", **{"attribute[city]": None})
                         ).get_json()[0]["service_request_id"]
    enquiry = db.session.execute(select(Enquiry).where(Enquiry.reference == first)).scalar_one()
    coordinator = make_coordinator(topics=("youth",))
    route_enquiry(enquiry.id)
    workflow.answer_enquiry(coordinator, enquiry, "Набор открыт до 1 марта.")
    db.session.commit()

    listed = client.get(f"{BASE}/requests.json").get_json()
    assert [r["service_request_id"] for r in listed] == [second, first]  # newest first
    answered = listed[1]
    assert answered["status"] == "closed" and answered["expected_datetime"].endswith("Z")
    assert answered["service_code"] == "youth"
    # Neither the resident's words nor the answer to them are public...
    assert answered["description"] is None and answered["status_notes"] is None
    # ...nor shown to another partner...
    other_key = partner_key("other-site")
    db.session.commit()
    other = client.get(f"{BASE}/requests.json", query_string={"api_key": other_key}).get_json()
    assert other[1]["description"] is None and other[1]["status_notes"] is None
    # ...only to the partner who submitted the request, and that read is audited.
    with_key = client.get(f"{BASE}/requests.json", query_string={"api_key": key}).get_json()
    assert with_key[1]["description"].startswith("Когда набор")
    assert with_key[1]["status_notes"] == "Набор открыт до 1 марта."
    one = client.get(f"{BASE}/requests/{first}.json", query_string={"api_key": key}).get_json()
    assert one[0]["status_notes"] == "Набор открыт до 1 марта."
    assert client.get(f"{BASE}/requests/{first}.json").get_json()[0]["status_notes"] is None
    reads = db.session.execute(select(AuditEntry).where(AuditEntry.action == "read")).scalars().all()
    second_id = db.session.execute(select(Enquiry.id).where(Enquiry.reference == second)).scalar_one()
    assert {(r.object_id, r.detail["via"]) for r in reads} == {(enquiry.id, "open311"), (second_id, "open311")}

    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json?status=open").get_json()] == [second]
    assert [r["service_request_id"] for r in
            client.get(f"{BASE}/requests.json?service_code=youth").get_json()] == [first]
    assert [r["service_request_id"] for r in
            client.get(f"{BASE}/requests.json", query_string={"service_request_id": f"{first},ЗЛ-1999-000001"}
                       ).get_json()] == [first]
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [second, first]
    assert root.find("request/description").text is None


def test_text_that_xml_cannot_carry_is_left_out_and_the_list_still_parses(client, db, key):
    client.post(f"{BASE}/requests.json", data=request_form(key, description="Вопрос\x0bс управляющим символом"))
    root = xml(client.get(f"{BASE}/requests.xml", query_string={"api_key": key}))
    assert root.findtext("request/description") == "Вопросс управляющим символом"


def test_a_place_given_as_coordinates_or_an_id_is_kept_with_the_question(client, db, key):
    ref = client.post(f"{BASE}/requests.json", data=request_form(
        key, address_string=None, lat="58.0105", long="56.2502", address_id="perm-1")).get_json()[0]
    enquiry = db.session.execute(select(Enquiry).where(Enquiry.reference == ref["service_request_id"])).scalar_one()
    assert "58.0105, 56.2502" in enquiry.question and "perm-1" in enquiry.question


def test_an_offset_whose_plus_arrived_as_a_space_is_understood(client, reference):
    response = client.get(f"{BASE}/requests.json?start_date=2026-11-01T00:00:00+05:00&end_date=2026-11-20T00:00:00Z")
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
                                   "start_date=yesterday", "start_date=2026-01-01T00:00:00", "status=pending"])
def test_bad_filters_are_400(client, reference, query):
    response = client.get(f"{BASE}/requests.json?{query}")
    assert response.status_code == 400 and response.get_json()[0]["code"] == 400


def test_one_request_and_its_token(client, key):
    ref = client.post(f"{BASE}/requests.json", data=request_form(key)).get_json()[0]["service_request_id"]
    one = client.get(f"{BASE}/requests/{ref}.json").get_json()
    assert len(one) == 1 and one[0]["service_request_id"] == ref and one[0]["status"] == "open"
    assert xml(client.get(f"{BASE}/requests/{ref}.xml")).findtext("request/status") == "open"
    assert client.get(f"{BASE}/requests/ЗЛ-1999-000001.json").status_code == 404
    assert client.get(f"{BASE}/tokens/{ref}.json").get_json() == [{"service_request_id": ref, "token": ref}]
    assert client.get(f"{BASE}/tokens/nothing.xml").status_code == 404


def test_only_json_and_xml_are_served(client, reference):
    assert client.get(f"{BASE}/services.txt").status_code == 404


def test_public_reads_are_rate_limited(app, client, reference):
    app.config["OPEN311_READS_PER_HOUR"] = 2
    assert client.get(f"{BASE}/services.json").status_code == 200
    assert client.get(f"{BASE}/services.json").status_code == 200
    response = client.get(f"{BASE}/services.xml")
    assert response.status_code == 429 and xml(response).findtext("error/code") == "429"
