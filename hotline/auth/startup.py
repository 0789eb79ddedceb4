"""What the web server and the worker check before they start (SPEC 10): in production, no
account may still have the demo password. The CLI does not check, so that
`flask --app hotline users password LOGIN` can put it right."""
from __future__ import annotations

import sys

from config import DEMO_PASSWORD
from flask import Flask
from sqlalchemy import select

from ..extensions import db
from ..models import User


def demo_password_logins(app: Flask) -> list[str]:
    with app.app_context():
        users = db.session.execute(select(User).where(User.active.is_(True)).order_by(User.login)).scalars().all()
        found = [u.login for u in users if u.check_password(DEMO_PASSWORD)]
        db.session.remove()
    return found


def refuse_demo_passwords(app: Flask, what: str) -> None:
    """Exit (status 2) naming the accounts, when the configuration refuses demo passwords and
    some account still has one."""
    if not app.config.get("REFUSE_DEMO_PASSWORDS"):
        return
    logins = demo_password_logins(app)
    if logins:
        print(f"{what} refuses to start: these accounts still have the demo password: {', '.join(logins)}. "
              f"Set new ones with `flask --app hotline users password LOGIN`.", file=sys.stderr, flush=True)
        raise SystemExit(2)
