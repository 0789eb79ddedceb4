"""E-mail (SPEC 5.7, 5.8, 8.5): the outbox of outgoing mail and its SMTP sending, the answer's
letter, and the IMAP intake with its threading. The admins' outbox page is its blueprint."""
from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/mail")

from . import views  # noqa: E402,F401
