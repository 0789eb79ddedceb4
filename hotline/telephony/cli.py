"""`flask --app hotline cti token|revoke|list|simulate` (SPEC 8.1, 8.4)."""
from __future__ import annotations

import click

from ..errors import ServiceError
from ..extensions import db


@click.group("cti")
def cti():
    """CTI integrations (phone systems) and demo telephony traffic."""


@cti.command("token")
@click.argument("name")
def token(name):
    """Print a new endpoint token for the phone system NAME (only its hash is kept)."""
    from flask import current_app

    from ..auth.tokens import issue
    from ..models import TokenKind

    try:
        _token, secret = issue(TokenKind.CTI, name=name)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    click.echo(secret)
    click.echo(f"endpoint: {current_app.config['PUBLIC_URL'].rstrip('/')}/cti/{secret}", err=True)


@cti.command("revoke")
@click.argument("name")
def revoke(name):
    """Revoke the tokens of the phone system NAME."""
    from ..auth.tokens import revoke_all
    from ..models import TokenKind

    count = revoke_all(TokenKind.CTI, name=name)
    db.session.commit()
    if not count:
        raise click.ClickException(f"no live token named {name}")
    click.echo(f"revoked {count} token(s) of {name}")


@cti.command("list")
def list_tokens():
    """Integrations: name, prefix, state, last event, events, refused."""
    from .integrations import integrations

    for row in integrations():
        t = row["token"]
        last = f"{row['last_event']:%Y-%m-%d %H:%M}" if row["last_event"] else "never"
        click.echo(f"{t.name}\t{t.prefix}…\t{t.state}\tlast event {last}\tevents {row['events']}\trefused {row['refused']}")


def register(app) -> None:
    app.cli.add_command(cti)
