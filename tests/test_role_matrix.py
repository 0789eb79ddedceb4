"""The whole role matrix (SPEC 10): every route of `app.url_map` × every role and anonymous, against
the checked-in table of expected statuses in tests/role_matrix.py (written from the SPEC, not from
the decorators under test). A route without an entry fails, and so does an entry for a route that
is gone; a 500 is never expected. Each role walks a world of its own (its enquiry, call, caller, FAQ
entry, admin objects): reads first, then writes with empty bodies, then deletions, then logout."""
from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.models import (
    Absence, ApiToken, CalendarDay, CoordinatorGroup, EnquiryStatus, FaqEntry, FaqStatus, GroupMember, RoutingRule,
    SisterCity, SlaPolicy, Topic, User, utcnow,
)
from hotline.timefmt import to_local

from .factories import PASSWORD, make_enquiry, make_user, topic
from .role_matrix import EXPECTED, PARAMS, ROLES

SKIP_METHODS = {"HEAD", "OPTIONS"}


def routes(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - SKIP_METHODS}


def test_every_route_has_an_entry_and_every_entry_a_route(app):
    present = routes(app)
    missing = sorted(present - set(EXPECTED))
    stale = sorted(set(EXPECTED) - present)
    assert not missing, f"routes without an entry in tests/role_matrix.py: {missing}"
    assert not stale, f"entries in tests/role_matrix.py for routes that are gone: {stale}"
    for key, statuses in EXPECTED.items():
        assert len(statuses) == len(ROLES), key
        assert all(s < 500 for s in statuses), f"a 500 is never expected: {key}"


def _world(db) -> dict:
    """The objects whose ids fill the routes' parameters; `me` is filled in by the walk."""
    from hotline.auth.service import issue_token

    operator = make_user("operator", login="m-operator")
    coordinator = make_user("coordinator", login="m-coordinator", topics=["youth"])
    make_user("supervisor", login="m-supervisor")
    make_user("admin", login="m-admin")
    enquiry = make_enquiry(operator)
    enquiry.status, enquiry.assignee_id, enquiry.assigned_at = EnquiryStatus.ASSIGNED, coordinator.id, utcnow()
    entry = FaqEntry(question="Как попасть в обмен?", answer="Анкета на сайте.", topic_id=topic("youth").id,
                     status=FaqStatus.PUBLISHED, language="ru")
    target = make_user("coordinator", login="m-target", topics=["archives"])
    issue_token(target)
    group = CoordinatorGroup(name="Matrix group")
    db.session.add_all([entry, group])
    db.session.flush()
    today = to_local(utcnow()).date()
    member = GroupMember(group_id=group.id, user_id=target.id)
    rule = RoutingRule(topic_id=topic("archives").id, group_id=group.id, priority=1)
    absence = Absence(user_id=target.id, starts_on=today + timedelta(days=30), ends_on=today + timedelta(days=31))
    sla = SlaPolicy(topic_id=topic("media").id, first_response_hours=4, answer_hours=16)
    day = CalendarDay(day=today + timedelta(days=40), working=False, note="x")
    spare_topic = Topic(code="spare", name_ru="Запасная", name_en="Spare", position=99)
    spare_city = SisterCity(code="spare", name_ru="Запасный", name_en="Spare", country_ru="—", country_en="—")
    db.session.add_all([member, rule, absence, sla, day, spare_topic, spare_city])
    db.session.flush()
    from hotline.auth.tokens import issue
    from hotline.models import TokenKind

    partner_key, _secret = issue(TokenKind.OPEN311, name="Matrix partner")
    db.session.flush()
    from hotline.attachments import add_attachment

    attachment = add_attachment(enquiry, "письмо.txt", "Здравствуйте!\n".encode(), "public", None)
    return {
        "key_id": partner_key.id, "attachment_id": attachment.id,
        "enquiry_id": enquiry.id, "key": enquiry.id, "reference": enquiry.reference, "call_id": enquiry.call_id,
        "caller_id": enquiry.caller_id, "entry_id": entry.id, "user_id": target.id,
        "token_id": db.session.execute(select(ApiToken.id).where(ApiToken.user_id == target.id)).scalar(),
        "absence_id": absence.id, "rule_id": rule.id, "group_id": group.id, "member_id": member.id,
        "policy_id": sla.id, "day": day.day.isoformat(), "topic_id": spare_topic.id, "city_id": spare_city.id,
    }


def _url(rule, world: dict) -> str:
    values = {}
    for name in rule.arguments:
        override = PARAMS.get(rule.rule, {})
        if name in override:
            values[name] = override[name](world) if callable(override[name]) else override[name]
        elif name in world:
            values[name] = world[name]
        else:
            raise AssertionError(f"{rule.rule}: no value for <{name}>; add one to PARAMS in tests/role_matrix.py")
    return rule.build(values, append_unknown=False)[1]


def _order(key: tuple[str, str]) -> tuple:
    """Reads, then writes, then deletions (the most nested first: a group's member before the
    group), then logout."""
    method, rule = key
    destroys = rule.endswith(("/delete", "/revoke", "/erase"))
    return (rule == "/logout", destroys, method != "GET", tuple(-ord(c) for c in rule) if destroys else rule, method)


def walk(app, db, role: str) -> list[tuple[str, str, int, int]]:
    """Requests every route as `role`; returns the mismatches (method, rule, expected, got)."""
    world = _world(db)
    db.session.commit()
    me = db.session.execute(select(User).where(User.login == f"m-{role}")).scalar() if role != "anonymous" else None
    client = app.test_client()
    headers = {}
    if me is not None:
        assert client.post("/login", data={"login": me.login, "password": PASSWORD}).status_code == 302
        from hotline.auth.service import issue_token

        headers = {"Authorization": f"Bearer {issue_token(me)}"}
        db.session.commit()
    rules = {(method, rule.rule): rule for rule in app.url_map.iter_rules() for method in rule.methods - SKIP_METHODS}
    column = ROLES.index(role)
    mismatches = []
    for key in sorted(rules, key=_order):
        method, path = key
        url = _url(rules[key], world)
        kwargs = {}
        if path.startswith("/api/"):
            kwargs["headers"] = headers
            if method in ("POST", "PATCH"):
                kwargs["json"] = {}
        elif method == "POST":
            kwargs["data"] = {}
        try:
            status = client.open(url, method=method, **kwargs).status_code
        except Exception:  # noqa: BLE001 - with TESTING the server's error reaches the test: it is a 500
            db.session.rollback()
            status = 500
        expected = EXPECTED.get(key, (None,) * len(ROLES))[column]
        if status != expected:
            mismatches.append((method, path, expected, status))
    return mismatches


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, db, reference, role):
    started = time.perf_counter()
    mismatches = walk(app, db, role)
    if os.environ.get("MATRIX_DUMP"):
        print(f"\n{role}: {len(routes(app))} routes in {time.perf_counter() - started:.1f} s")
        for m in mismatches:
            print("  ", m)
    assert not mismatches, "\n".join(f"{role}: {m} {p}: expected {e}, got {g}" for m, p, e, g in mismatches)


# Object-level cases: what another person's, topic's or sister city's is, is not confirmed to exist

def _strangers(db):
    """Records of one operator, topic and city; who may not see them; who may."""
    from .factories import make_call, make_caller

    owner = make_user("operator")
    coordinator = make_user("coordinator", topics=["youth"], cities=["oxford"])
    enquiry = make_enquiry(owner, city_code="duisburg")  # youth, but Duisburg
    archives = make_enquiry(owner, topic_code="archives", city_code="oxford")
    call = make_call(owner, caller=make_caller("+73422000001"))
    db.session.commit()
    return dict(owner=owner, operator=make_user("operator"), coordinator=coordinator,
                enquiry=enquiry, archives=archives, call=call)


OBJECT_CASES = [
    # who, method, url, body
    ("operator", "GET", "/enquiries/{enquiry}", None),
    ("operator", "GET", "/api/v1/calls/{call}", None),
    ("operator", "GET", "/api/v1/enquiries/{enquiry}", None),
    ("operator", "GET", "/api/v1/enquiries/{reference}", None),
    ("operator", "POST", "/enquiries/{enquiry}/cancel", {"reason": "x"}),
    ("coordinator", "GET", "/enquiries/{enquiry}", None),            # their topic, another city
    ("coordinator", "GET", "/enquiries/{archives}", None),           # their city, another topic
    ("coordinator", "GET", "/api/v1/enquiries/{enquiry}", None),
    ("coordinator", "GET", "/api/v1/enquiries/{archives}", None),
    ("coordinator", "GET", "/api/v1/calls/{enquiry_call}", None),
    ("coordinator", "GET", "/api/v1/calls/{call}", None),
    ("coordinator", "POST", "/enquiries/{enquiry}/note", {"body": "x"}),
    ("coordinator", "POST", "/api/v1/enquiries/{enquiry}/answer", {"text": "x"}),
    ("coordinator", "POST", "/api/v1/enquiries/{archives}/reassign", {"to": "x", "reason": "x"}),
]


@pytest.mark.parametrize("who,method,url,body", OBJECT_CASES)
def test_another_persons_topics_or_citys_record_is_404(app, db, reference, who, method, url, body):
    from hotline.auth.service import issue_token

    world = _strangers(db)
    user = world[who]
    token = issue_token(user)
    db.session.commit()
    url = url.format(enquiry=world["enquiry"].id, archives=world["archives"].id, call=world["call"].id,
                     enquiry_call=world["enquiry"].call_id, reference=world["enquiry"].reference)
    client = app.test_client()
    if url.startswith("/api/"):
        response = client.open(url, method=method, json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    else:
        client.post("/login", data={"login": user.login, "password": PASSWORD})
        assert client.open(url, method=method, data=body).status_code == 404


def test_a_coordinator_does_not_get_the_caller_card_of_another_citys_enquiry(app, db, reference, api):
    world = _strangers(db)
    phone = world["enquiry"].caller.phone
    coordinator = api("coordinator", topics=["youth"], cities=["oxford"])
    assert coordinator.get(f"/api/v1/callers?phone={phone}").get_json()["callers"] == []
