"""`flask --app hotline cti token|revoke|list|simulate` (SPEC 8.1, 8.4)."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import click
import httpx
from flask import current_app
from sqlalchemy import select

from ..auth.tokens import issue, revoke_all
from ..errors import ServiceError
from ..extensions import db
from ..models import TokenKind, User
from .integrations import integrations
from .simulation import events, plan


@click.group("cti")
def cti():
    """CTI integrations (phone systems) and demo telephony traffic."""


@cti.command("token")
@click.argument("name")
def token(name):
    """Print a new endpoint token for the phone system NAME (only its hash is kept)."""
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
    count = revoke_all(TokenKind.CTI, name=name)
    db.session.commit()
    if not count:
        raise click.ClickException(f"no live token named {name}")
    click.echo(f"revoked {count} token(s) of {name}")


@cti.command("list")
def list_tokens():
    """Integrations: name, prefix, state, last event, events, refused."""
    for row in integrations():
        t = row["token"]
        last = f"{row['last_event']:%Y-%m-%d %H:%M}" if row["last_event"] else "never"
        click.echo(f"{t.name}\t{t.prefix}…\t{t.state}\tlast event {last}\tevents {row['events']}\trefused {row['refused']}")


@cti.command("simulate")
@click.option("--calls", "count", default=20, show_default=True, help="How many calls to play.")
@click.option("--rate", default=0.2, show_default=True, help="New calls a second, on average (Poisson).")
@click.option("--talk", default=90.0, show_default=True, help="Mean talk time in seconds (exponential).")
@click.option("--url", default=None, help="The desk's address (default PUBLIC_URL).")
@click.option("--token", default=None, help="A CTI token; by default a fresh one named 'simulator'.")
@click.option("--seed", default=12, show_default=True, help="Random seed: the same traffic each time.")
def simulate(count, rate, talk, url, token, seed):
    """Play realistic traffic into the CTI endpoint over HTTP: Poisson arrivals, a queue in front
    of the operators with extensions, exponential talk times, callers who give up, transfers."""
    extensions = db.session.execute(select(User.extension).where(
        User.extension.is_not(None), User.active.is_(True)).order_by(User.extension)).scalars().all()
    if not extensions:
        raise click.ClickException("no operator has an extension: users create … --extension 101")
    if token is None:
        revoke_all(TokenKind.CTI, name="simulator")
        _token, token = issue(TokenKind.CTI, name="simulator")
        db.session.commit()
    base = (url or current_app.config["PUBLIC_URL"]).rstrip("/")
    schedule = events(plan(count, rate, list(extensions), seed=seed, mean_talk=talk, prefix=f"sim{int(time.time())}"))
    click.echo(f"{count} calls, {len(schedule)} events over ~{schedule[-1][0]:.0f} s to {base}/cti/… "
               f"(operators {', '.join(extensions)})")
    failures = []
    with httpx.Client(timeout=10) as http, ThreadPoolExecutor(max_workers=16) as pool:
        def send(fields):
            try:
                response = http.post(f"{base}/cti/{token}", data=fields)
                if response.status_code != 200:
                    failures.append(f"{fields['event']} {fields['callId']}: {response.status_code}")
            except httpx.HTTPError as exc:
                failures.append(f"{fields['event']} {fields['callId']}: {exc}")

        started = time.monotonic()
        for at, fields in schedule:
            delay = at - (time.monotonic() - started)
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, fields)
    click.echo(f"sent {len(schedule) - len(failures)} of {len(schedule)} events")
    if failures:
        raise click.ClickException("refused: " + "; ".join(failures[:5]))


def register(app) -> None:
    app.cli.add_command(cti)
