"""The JSON API `/api/v1` (SPEC 8.2): bearer tokens, the same service verbs as the HTML views."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from ..limits import bearer_key, limiter, per  # noqa: E402

limiter.limit(per("API_REQUESTS_PER_MINUTE", "minute"), key_func=bearer_key)(bp)

from . import attachments, audit, callbacks, calls, enquiries, errors, faq, health, openapi, search, stats, telephony  # noqa: E402,F401,E501
