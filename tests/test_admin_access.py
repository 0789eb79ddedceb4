"""Who may open every administration page: anonymous visitors are sent to log in, each role is
let in or refused with 403 as the page's section says."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.auth import tokens
from hotline.models import (
    Absence, ApiToken, CalendarDay, CoordinatorGroup, GroupMember, RoutingRule, SisterCity, SlaPolicy, TokenKind,
    Topic, utcnow,
)
from hotline.timefmt import to_local

from .factories import PASSWORD, make_user, topic


def today():
    return to_local(utcnow()).date()


ADMIN_ONLY, SUPERVISORS = {"admin"}, {"supervisor", "admin"}
MATRIX = [
    ("GET", "/admin/", SUPERVISORS),
    ("GET", "/admin/users", ADMIN_ONLY),
    ("GET", "/admin/users/new", ADMIN_ONLY),
    ("POST", "/admin/users/new", ADMIN_ONLY),
    ("GET", "/admin/users/{user}", ADMIN_ONLY),
    ("POST", "/admin/users/{user}", ADMIN_ONLY),
    ("POST", "/admin/users/{user}/tokens", ADMIN_ONLY),
    ("POST", "/admin/users/{user}/tokens/{token}/revoke", ADMIN_ONLY),
    ("POST", "/admin/users/{user}/sign-in-delay/clear", ADMIN_ONLY),
    ("GET", "/admin/open311-keys", ADMIN_ONLY),
    ("POST", "/admin/open311-keys", ADMIN_ONLY),
    ("POST", "/admin/open311-keys/{partner_key}/revoke", ADMIN_ONLY),
    ("GET", "/admin/absences", SUPERVISORS),
    ("POST", "/admin/absences", SUPERVISORS),
    ("POST", "/admin/absences/{absence}/delete", SUPERVISORS),
    ("GET", "/admin/routing", SUPERVISORS),
    ("POST", "/admin/routing/rules", SUPERVISORS),
    ("GET", "/admin/routing/rules/{rule}", SUPERVISORS),
    ("POST", "/admin/routing/rules/{rule}", SUPERVISORS),
    ("POST", "/admin/routing/rules/{rule}/delete", SUPERVISORS),
    ("POST", "/admin/routing/groups", SUPERVISORS),
    ("GET", "/admin/routing/groups/{group}", SUPERVISORS),
    ("POST", "/admin/routing/groups/{group}", SUPERVISORS),
    ("POST", "/admin/routing/groups/{group}/members", SUPERVISORS),
    ("POST", "/admin/routing/groups/{group}/members/{member}/delete", SUPERVISORS),
    ("POST", "/admin/routing/groups/{group}/delete", SUPERVISORS),
    ("GET", "/admin/sla", ADMIN_ONLY),
    ("POST", "/admin/sla", ADMIN_ONLY),
    ("GET", "/admin/sla/{sla}", ADMIN_ONLY),
    ("POST", "/admin/sla/{sla}", ADMIN_ONLY),
    ("POST", "/admin/sla/{sla}/delete", ADMIN_ONLY),
    ("GET", "/admin/calendar", ADMIN_ONLY),
    ("POST", "/admin/calendar", ADMIN_ONLY),
    ("POST", "/admin/calendar/{day}/delete", ADMIN_ONLY),
    ("GET", "/admin/reference", ADMIN_ONLY),
    ("GET", "/admin/topics/new", ADMIN_ONLY),
    ("POST", "/admin/topics/new", ADMIN_ONLY),
    ("GET", "/admin/topics/{topic}", ADMIN_ONLY),
    ("POST", "/admin/topics/{topic}", ADMIN_ONLY),
    ("POST", "/admin/topics/{topic}/delete", ADMIN_ONLY),
    ("GET", "/admin/cities/new", ADMIN_ONLY),
    ("POST", "/admin/cities/new", ADMIN_ONLY),
    ("GET", "/admin/cities/{city}", ADMIN_ONLY),
    ("POST", "/admin/cities/{city}", ADMIN_ONLY),
    ("POST", "/admin/cities/{city}/delete", ADMIN_ONLY),
]
ROLES = ["operator", "coordinator", "supervisor", "admin"]


def _matrix_objects(db) -> dict:
    from hotline.auth.service import issue_token

    user = make_user("coordinator", topics=["youth"])
    issue_token(user)
    db.session.flush()
    group = CoordinatorGroup(name="Matrix group")
    db.session.add(group)
    db.session.flush()
    member = GroupMember(group_id=group.id, user_id=user.id)
    rule = RoutingRule(topic_id=topic("archives").id, group_id=group.id, priority=1)
    absence = Absence(user_id=user.id, starts_on=today() + timedelta(days=30), ends_on=today() + timedelta(days=31))
    sla = SlaPolicy(topic_id=topic("media").id, first_response_hours=4, answer_hours=16)
    day = CalendarDay(day=today() + timedelta(days=40), working=False, note="x")
    spare_topic = Topic(code="spare", name_ru="Запасная", name_en="Spare", position=99)
    spare_city = SisterCity(code="spare", name_ru="Запасный", name_en="Spare", country_ru="—", country_en="—")
    db.session.add_all([member, rule, absence, sla, day, spare_topic, spare_city])
    db.session.flush()
    partner_key, _secret = tokens.issue(TokenKind.OPEN311, name="Matrix partner")
    return {"user": user.id, "token": db.session.execute(select(ApiToken.id).where(ApiToken.kind == TokenKind.API)).scalar(),
            "partner_key": partner_key.id, "absence": absence.id,
            "rule": rule.id, "group": group.id, "member": member.id, "sla": sla.id, "day": day.day.isoformat(),
            "topic": spare_topic.id, "city": spare_city.id}


@pytest.mark.parametrize("method,url,allowed", MATRIX)
def test_admin_role_matrix(app, db, reference, method, url, allowed):
    ids = _matrix_objects(db)
    db.session.commit()
    url = url.format(**ids)
    anonymous = app.test_client().open(url, method=method)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for role in ROLES:
        client = app.test_client()
        user = make_user(role)
        db.session.commit()
        client.post("/login", data={"login": user.login, "password": PASSWORD})
        status = client.open(url, method=method, data={}).status_code
        if role in allowed:
            assert status not in (401, 403) and status < 500, (role, url, status)
        else:
            assert status == 403, (role, url, status)
