"""Signing in and out, lock-out, tokens, and the role matrix on every view and endpoint so far."""
import pytest
from sqlalchemy import select

from hotline.models import ApiToken, AuditEntry, User

from .factories import PASSWORD, make_user


def test_login_and_logout(client, db, reference):
    user = make_user("operator")
    db.session.commit()
    response = client.post("/login", data={"login": user.login, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert client.get("/calls/new").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/calls/new").status_code == 302  # back to the login page


def test_wrong_password_is_refused_in_the_users_language(client, db):
    user = make_user("operator")
    db.session.commit()
    response = client.post("/login", data={"login": user.login, "password": "nope"},
                           headers={"Accept-Language": "ru"})
    assert response.status_code == 401
    assert "Неверный логин или пароль" in response.get_data(as_text=True)


def test_passwords_are_hashed(db):
    user = make_user("operator", password="s3cret-password")
    assert "s3cret-password" not in user.password_hash
    assert user.password_hash.startswith("scrypt:")


def test_open_redirect_after_login_is_refused(client, db):
    user = make_user("operator")
    db.session.commit()
    response = client.post("/login?next=//evil.example/", data={"login": user.login, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_api_tokens_are_stored_as_hashes(api, db):
    client = api("operator")
    token = client.headers["Authorization"].split()[1]
    stored = db.session.execute(select(ApiToken)).scalar_one()
    assert stored.token_hash != token and stored.token_hash == ApiToken.hash(token)


# (method, url, roles allowed); anyone else gets 403 (admins see no calls or callers, SPEC 10), and no
# one unsigned gets in. The whole matrix is tests/test_role_matrix.py.
WEB_MATRIX = [
    ("GET", "/calls/new", {"operator", "supervisor"}),
    ("GET", "/calls/", {"operator", "coordinator", "supervisor"}),
    ("GET", "/calls/lookup?phone=83422124486", {"operator", "supervisor"}),
    ("GET", "/calls/faq-suggest?question=обмен", {"operator", "coordinator", "supervisor"}),
]
API_MATRIX = [
    ("POST", "/api/v1/calls", {"operator", "supervisor"}),
    ("GET", "/api/v1/calls/1", {"operator", "coordinator", "supervisor"}),
    ("GET", "/api/v1/callers?phone=83422124486", {"operator", "coordinator", "supervisor"}),
]
ROLES = ["operator", "coordinator", "supervisor", "admin"]


@pytest.mark.parametrize("method,url,allowed", WEB_MATRIX)
def test_web_role_matrix(app, db, reference, method, url, allowed):
    for role in ROLES:
        client = app.test_client()
        assert client.open(url, method=method).status_code == 302  # not signed in: to the login page
        user = make_user(role)
        db.session.commit()
        client.post("/login", data={"login": user.login, "password": PASSWORD})
        status = client.open(url, method=method).status_code
        assert (status != 403) == (role in allowed), (role, url, status)


@pytest.mark.parametrize("method,url,allowed", API_MATRIX)
def test_api_role_matrix(client, api, reference, method, url, allowed):
    assert client.open(url, method=method, json={}).status_code == 401
    bad = client.open(url, method=method, json={}, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "unauthorized"
    for role in ROLES:
        status = client.open(url, method=method, json={}, headers=api(role).headers).status_code
        assert (status != 403) == (role in allowed), (role, url, status)


def test_reading_a_caller_card_is_audited(client, api, db, reference):
    from .factories import make_caller

    make_caller("+73422124486")
    db.session.commit()
    operator = api("operator")
    assert operator.get("/api/v1/callers?phone=8 342 212 44 86").status_code == 200
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "read")).scalar_one()
    assert entry.actor_id == operator.user.id and entry.object_type == "caller"
