"""Rate limits from Flask-Limiter on Redis (issue 13, item 9): sign-in, the public pages, Open311
per partner key, the API per token; a 429 in each interface's own shape with Retry-After; a request
body cap; and what happens while Redis is down (the public form still saves)."""
import socket

import pytest

from hotline import create_app
from hotline.auth import tokens
from hotline.models import Enquiry, TokenKind

from .factories import PASSWORD, count, make_user
from .test_open311 import BASE, request_form
from .test_public import GOOD

CALLERS = "/api/v1/callers?phone=83422124486"


def until_429(send, most=1000) -> int:
    """How many requests pass before the first 429."""
    for n in range(most):
        response = send()
        if response.status_code == 429:
            return n
    pytest.fail(f"no 429 in {most} requests")


def test_the_api_is_limited_per_token_with_a_json_429(app, api, db):
    app.config["API_REQUESTS_PER_MINUTE"] = 20
    one, other = api("operator"), api("supervisor")
    assert until_429(lambda: one.get(CALLERS)) == 20
    response = one.get(CALLERS)
    assert response.status_code == 429 and 0 < int(response.headers["Retry-After"]) <= 60
    assert response.get_json()["error"]["code"] == "rate_limited" and response.get_json()["error"]["message"]
    assert other.get(CALLERS).status_code == 200  # one token's limit never touches another's


def test_the_health_check_has_its_own_limit_and_takes_none_of_the_apis(app, api, client, db):
    app.config["API_REQUESTS_PER_MINUTE"], app.config["HEALTH_REQUESTS_PER_MINUTE"] = 5, 8
    operator = api("operator")
    assert until_429(lambda: client.get("/api/v1/health")) == 8        # a monitor, per address
    assert until_429(lambda: operator.get(CALLERS)) == 5               # the token's 5 are all still there
    assert until_429(lambda: operator.get("/api/v1/health")) == 0      # same address: already used up


def test_sign_in_attempts_are_limited_per_address(app, client, db):
    app.config["LOGIN_REQUESTS_PER_MINUTE"] = 5
    app.config["LOGIN_FREE_FAILURES"] = app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"] = 100
    user = make_user()
    db.session.commit()
    passed = until_429(lambda: client.post("/login", data={"login": user.login, "password": "wrong"}))
    assert passed == 5
    response = client.post("/login", data={"login": user.login, "password": PASSWORD})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert client.get("/login").status_code == 200  # the form itself still opens


def test_public_lookups_are_limited_and_say_so_in_the_residents_language(app, client, db, reference):
    app.config["PUBLIC_LOOKUPS_PER_HOUR"] = 3
    send = lambda: client.post("/public/status", data={"reference": "ЗЛ-2026-000001", "contact": "83422001122"},  # noqa: E731
                               headers={"Accept-Language": "ru"})
    assert until_429(send) == 3
    response = send()
    assert "Слишком много запросов" in response.get_data(as_text=True) and response.headers["Retry-After"]


def test_open311_with_a_partner_key_is_not_held_to_the_anonymous_limit(app, client, db, reference):
    app.config["OPEN311_READS_PER_HOUR"] = 3
    app.config["OPEN311_KEY_REQUESTS_PER_HOUR"] = 6
    _t, key = tokens.issue(TokenKind.OPEN311, name="portal")
    _t, other = tokens.issue(TokenKind.OPEN311, name="app")
    db.session.commit()
    assert until_429(lambda: client.get(f"{BASE}/services.json")) == 3
    assert until_429(lambda: client.get(f"{BASE}/services.json", query_string={"api_key": key})) == 6
    response = client.get(f"{BASE}/services.xml", query_string={"api_key": key})
    assert response.status_code == 429 and response.headers["Retry-After"]
    assert b"<code>429</code>" in response.data
    assert client.get(f"{BASE}/services.json", query_string={"api_key": other}).status_code == 200
    assert client.post(f"{BASE}/requests.json", data=request_form(other)).status_code == 201


def test_a_body_over_max_content_length_is_413_and_not_parsed(app, api):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    operator = api("operator")
    response = operator.post("/api/v1/calls", data=b"[" * (2 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_large" and error["message"] == "Запрос слишком большой."


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_while_redis_is_down_limits_fall_back_to_memory_and_the_public_form_saves(test_config, db, reference):
    class RedisDown(test_config):
        REDIS_URL = f"redis://127.0.0.1:{_dead_port()}/0"
        PUBLIC_SUBMITS_PER_HOUR = 2

    app = create_app(RedisDown)
    client = app.test_client()
    with app.app_context():
        statuses = [client.post("/public/ask", data={**GOOD, "question": f"Вопрос {n}"}).status_code for n in range(3)]
    assert statuses == [303, 303, 429]  # filed (on to the confirmation), then refused; counted in this process's memory meanwhile
    assert count(db, Enquiry) == 2  # saved although Redis is down; routing waits for the sweep
