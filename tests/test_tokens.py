"""The one hashed-token model: API tokens that end (expiry, revocation), their last use, and the
kinds that partner keys and CTI tokens share with them."""
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hotline.auth import tokens
from hotline.errors import Conflict, ValidationFailed
from hotline.models import AccessToken, TokenKind, utcnow

from . import factories

CALLERS = "/api/v1/callers?phone=83422124486"


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def run(app, *args):
    return CliRunner().invoke(app.cli, list(args), catch_exceptions=False)


def test_each_kind_is_hashed_and_only_answers_for_its_own_kind(app, db):
    _token, cti = tokens.issue(TokenKind.CTI, name="Asterisk")
    _token, partner = tokens.issue(TokenKind.OPEN311, name="perm.ru")
    db.session.commit()
    assert cti.startswith("zlcti_") and partner.startswith("zl311_")
    stored = {t.token_hash for t in db.session.execute(select(AccessToken)).scalars()}
    assert stored == {AccessToken.hash(cti), AccessToken.hash(partner)}
    assert tokens.find_live(TokenKind.CTI, cti).name == "Asterisk"
    assert tokens.find_live(TokenKind.OPEN311, cti) is None
    assert tokens.find_live(TokenKind.API, partner) is None
    assert tokens.find_live(TokenKind.CTI, "zlcti_\x00") is None


def test_a_name_has_one_live_key_and_revoke_all_ends_it(app, db):
    tokens.issue(TokenKind.CTI, name="3CX")
    with pytest.raises(Conflict):
        tokens.issue(TokenKind.CTI, name="3CX")
    with pytest.raises(ValidationFailed):
        tokens.issue(TokenKind.CTI, name="  ")
    assert tokens.revoke_all(TokenKind.CTI, name="3CX") == 1
    _token, secret = tokens.issue(TokenKind.CTI, name="3CX")
    assert tokens.find_live(TokenKind.CTI, secret) is not None


def test_expired_and_revoked_api_tokens_are_401(client, db):
    user = factories.make_user()
    _t, live = tokens.issue(TokenKind.API, user=user, expires_in=timedelta(days=90))
    expired, old = tokens.issue(TokenKind.API, user=user, expires_in=timedelta(days=1))
    expired.expires_at = utcnow() - timedelta(seconds=1)
    revoked, gone = tokens.issue(TokenKind.API, user=user)
    tokens.revoke(revoked)
    db.session.commit()
    assert client.get(CALLERS, headers=bearer(live)).status_code == 200
    for secret in (old, gone):
        response = client.get(CALLERS, headers=bearer(secret))
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_last_use_is_recorded_and_shown_on_the_admin_page(client, db, login_as):
    user = factories.make_user(login="robot")
    token, secret = tokens.issue(TokenKind.API, user=user, expires_in=timedelta(days=90))
    db.session.commit()
    assert token.last_used_at is None
    assert client.get(CALLERS, headers=bearer(secret)).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at is not None and utcnow() - token.last_used_at < timedelta(minutes=1)
    first = token.last_used_at
    client.get(CALLERS, headers=bearer(secret))  # within a minute: no second write
    db.session.refresh(token)
    assert token.last_used_at == first
    login_as("admin")
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert token.prefix in page and "Последнее использование" in page and "Действует до" in page


def test_cli_token_expires_and_revoke_tokens(app, db, client):
    factories.make_user(login="op")
    db.session.commit()
    result = run(app, "users", "token", "op", "--expires", "90d")
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    token = db.session.execute(select(AccessToken)).scalar_one()
    assert timedelta(days=89) < token.expires_at - utcnow() <= timedelta(days=90)
    assert run(app, "users", "token", "op", "--expires", "soon").exit_code != 0
    assert client.get(CALLERS, headers=bearer(secret)).status_code == 200
    result = run(app, "users", "revoke-tokens", "op")
    assert result.exit_code == 0 and "1" in result.output
    assert client.get(CALLERS, headers=bearer(secret)).status_code == 401


def test_a_switched_off_users_token_is_401(client, db):
    user = factories.make_user()
    _t, secret = tokens.issue(TokenKind.API, user=user)
    user.active = False
    db.session.commit()
    assert client.get(CALLERS, headers=bearer(secret)).status_code == 401
