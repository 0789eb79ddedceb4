"""`flask --app hotline open311-key create|revoke|list`: partner keys for Open311 (SPEC 8.3)."""
from __future__ import annotations

import click

from ..auth.tokens import issue, parse_duration, revoke_all, tokens_of
from ..errors import ServiceError
from ..extensions import db
from ..models import TokenKind


@click.group("open311-key")
def open311_key():
    """Open311 partner keys (printed once, stored hashed)."""


@open311_key.command("create")
@click.argument("name")
@click.option("--expires", default=None, metavar="365d", help="Lifetime: days (365d), hours or weeks.")
def create(name, expires):
    """Print a new key for the partner NAME."""
    try:
        _token, secret = issue(TokenKind.OPEN311, name=name, expires_in=parse_duration(expires) if expires else None)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    click.echo(secret)


@open311_key.command("revoke")
@click.argument("name")
def revoke(name):
    """Revoke the partner NAME's keys."""
    count = revoke_all(TokenKind.OPEN311, name=name)
    db.session.commit()
    if not count:
        raise click.ClickException(f"no live key named {name}")
    click.echo(f"revoked {count} key(s) of {name}")


@open311_key.command("list")
def list_keys():
    """Partner keys: name, prefix, state, created, last used."""
    for token in tokens_of(TokenKind.OPEN311):
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        click.echo(f"{token.name}\t{token.prefix}…\t{token.state}\tcreated {token.created_at:%Y-%m-%d}\tlast used {used}")


def register(app) -> None:
    app.cli.add_command(open311_key)
