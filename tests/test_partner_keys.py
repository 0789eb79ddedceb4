"""Open311 partner keys (issue 13, item 10): the CLI and the admin page issue, list and revoke
them; only hashes are stored; a call carries the name of the partner whose key sent it."""
from sqlalchemy import select

from hotline.models import AccessToken, Call, TokenKind

from .test_open311 import BASE, request_form

RU = {"Accept-Language": "ru"}


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_creates_lists_and_revokes_partner_keys(app, db, client, reference):
    created = run(app, "open311-key", "create", "portal.perm.ru", "--expires", "365d")
    assert created.exit_code == 0, created.output
    secret = created.output.strip()
    assert secret.startswith("zl311_")
    stored = db.session.execute(select(AccessToken)).scalar_one()
    assert stored.kind is TokenKind.OPEN311 and stored.token_hash == AccessToken.hash(secret) and secret not in str(
        stored.__dict__)
    assert run(app, "open311-key", "create", "portal.perm.ru").exit_code != 0  # one live key per partner
    assert client.post(f"{BASE}/requests.json", data=request_form(secret)).status_code == 201
    listed = run(app, "open311-key", "list").output
    assert "portal.perm.ru" in listed and stored.prefix in listed and "live" in listed
    assert run(app, "open311-key", "revoke", "portal.perm.ru").exit_code == 0
    assert client.post(f"{BASE}/requests.json", data=request_form(secret)).status_code == 403
    assert "revoked" in run(app, "open311-key", "list").output
    assert run(app, "open311-key", "revoke", "nobody").exit_code != 0


def test_the_admin_page_issues_a_key_once_and_revokes_it(client, db, login_as, reference):
    login_as("admin")
    page = client.post("/admin/open311-keys", data={"name": "Партнёр", "expires": "365d"}, headers=RU)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    key = db.session.execute(select(AccessToken)).scalar_one()
    secret = text.split('<code id="new-key">')[1].split("</code>")[0]
    assert AccessToken.hash(secret) == key.token_hash and "показан только сейчас" in text
    assert client.post(f"{BASE}/requests.json", data=request_form(secret)).status_code == 201
    listing = client.get("/admin/open311-keys", headers=RU).get_data(as_text=True)
    assert secret not in listing and "Партнёр" in listing and key.prefix in listing
    call = db.session.execute(select(Call)).scalar_one()
    assert call.partner_key.name == "Партнёр"
    again = client.post("/admin/open311-keys", data={"name": "Партнёр", "expires": ""}, headers=RU)
    assert again.status_code == 409 and "уже есть действующий ключ" in again.get_data(as_text=True)
    assert client.post(f"/admin/open311-keys/{key.id}/revoke").status_code == 303
    assert client.post(f"{BASE}/requests.json", data=request_form(secret)).status_code == 403
