"""The command line of SPEC 8.1 (`flask --app hotline …`)."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from . import audit
from .auth.service import create_user, issue_token, set_password
from .auth.tokens import parse_duration, revoke_all
from .enquiries.routing import sweep
from .errors import ServiceError
from .extensions import db
from .imports.cli import register as register_imports
from .models import TokenKind, User
from .open311.cli import register as register_open311
from .privacy.retention import retention_cutoff, run_retention
from .search.cli import register as register_search
from .seed.demo import seed_demo
from .seed.reference import seed_reference
from .stats.daily import refresh, stats_refresh_command
from .telephony.cli import register as register_cti
from .telephony.service import set_extension


def register_cli(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(seed_reference_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(sweep_command)
    app.cli.add_command(retention_command)
    app.cli.add_command(stats_refresh_command)
    register_imports(app)
    register_open311(app)
    register_cti(app)
    register_search(app)


def _fail(exc: ServiceError) -> None:
    db.session.rollback()
    raise click.ClickException(str(exc.message))


@click.group()
def users():
    """Manage users and their API tokens."""


@users.command("create")
@click.argument("login")
@click.option("--role", required=True, type=click.Choice(["operator", "coordinator", "supervisor", "admin"]))
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--name", default="", help="Full name shown in the top bar.")
@click.option("--topic", "topics", multiple=True, help="Topic code (coordinators); repeat for several.")
@click.option("--city", "cities", multiple=True, help="Sister city code narrowing the topics; repeatable.")
@click.option("--extension", default=None, help="The operator's phone extension (the CTI answeringNumber).")
def create_user_command(login, role, password, name, topics, cities, extension):
    """Create a user."""
    try:
        user = create_user(login, role, password, name, topics=topics, cities=cities)
        if extension:
            set_extension(None, user, extension)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"created {user.login} ({user.role.value})")


@users.command("token")
@click.argument("login")
@click.option("--expires", default=None, metavar="90d", help="Lifetime: days (90d), hours (12h) or weeks (2w).")
def token_command(login, expires):
    """Print a new API token for LOGIN (only its hash is stored)."""
    user = _user(login)
    try:
        token = issue_token(user, expires_in=parse_duration(expires) if expires else None)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(token)


@users.command("password")
@click.argument("login")
@click.password_option(help="The new password (prompted, at least 8 characters).")
def password_command(login, password):
    """Set a new password for LOGIN; their sessions end."""
    user = _user(login)
    try:
        set_password(user, password)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"new password set for {login}")


@users.command("revoke-tokens")
@click.argument("login")
def revoke_tokens_command(login):
    """Revoke every API token of LOGIN."""
    count = revoke_all(TokenKind.API, user=_user(login))
    db.session.commit()
    click.echo(f"revoked {count} tokens of {login}")


def _user(login: str):
    user = db.session.execute(select(User).where(User.login == login)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user with login {login}")
    return user


@click.command("seed-reference")
def seed_reference_command():
    """Create sister cities, topics, coordinator groups, routing rules and the default SLA."""
    created = seed_reference()
    db.session.commit()
    click.echo("reference data: " + ", ".join(f"{k} +{v}" for k, v in created.items()))


@click.command("seed-demo")
def seed_demo_command():
    """Reference data plus demo users, FAQ and a few weeks of calls (idempotent)."""
    created = seed_demo()
    db.session.commit()
    refresh()  # the dashboard shows the history at once, not after the first scheduled run
    click.echo("demo data: " + ", ".join(f"{k} +{v}" for k, v in created.items()))


@click.command("sweep")
def sweep_command():
    """Re-enqueue routing for enquiries left in `new`."""
    click.echo(f"re-enqueued {sweep()} enquiries")


@click.command("retention")
def retention_command():
    """Anonymise now what is older than RETENTION_DAYS and purge audit entries older than
    AUDIT_RETENTION_DAYS (the nightly job does the same)."""
    cutoff = retention_cutoff()
    if cutoff is None:
        click.echo("retention is switched off (RETENTION_DAYS=0)")
    else:
        done = run_retention()
        click.echo(f"anonymised before {cutoff:%Y-%m-%d}: {done.callers} callers, {done.calls} calls, "
                   f"{done.enquiries} enquiries")
    audit_cutoff = audit.retention_cutoff()
    if audit_cutoff is None:
        click.echo("audit retention is switched off (AUDIT_RETENTION_DAYS=0)")
    else:
        click.echo(f"audit entries before {audit_cutoff:%Y-%m-%d} purged: {audit.purge()}")
