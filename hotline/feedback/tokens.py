"""Feedback links: itsdangerous-signed (SECRET_KEY, a salt of their own), expiring after
FEEDBACK_DAYS; single use is the database's unique feedback per delivery, not the token."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..models import FeedbackVerdict

SALT = "hotline.feedback"


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


@dataclass(frozen=True)
class FeedbackLink:
    delivery_id: int
    verdict: FeedbackVerdict


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(delivery_id: int, verdict: FeedbackVerdict) -> str:
    return _serializer().dumps({"d": delivery_id, "v": verdict.value})


def feedback_url(delivery_id: int, verdict: FeedbackVerdict) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/feedback/" + make_token(delivery_id, verdict)


def read_token(token: str) -> FeedbackLink:
    max_age = current_app.config["FEEDBACK_DAYS"] * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpired()
    except BadSignature:
        raise LinkInvalid()
    try:
        return FeedbackLink(int(data["d"]), FeedbackVerdict(data["v"]))
    except (KeyError, TypeError, ValueError):
        raise LinkInvalid()
