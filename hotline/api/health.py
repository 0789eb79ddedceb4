"""`GET /api/v1/health`: database and Redis reachable, queue length, oldest `new` enquiry."""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import func, select, text

from ..extensions import db
from ..limits import client_address, limiter, per
from ..models import Enquiry, EnquiryStatus, utcnow
from ..queue import get_queue
from . import bp


@bp.get("/health")
# Monitors poll it without a token: its own limit per address, not a share of the API's per token.
@limiter.limit(per("HEALTH_REQUESTS_PER_MINUTE", "minute"), key_func=client_address, override_defaults=True)
def health():
    body: dict = {"database": "ok", "redis": "ok"}
    healthy = True
    try:
        db.session.execute(text("SELECT 1"))
        oldest = db.session.execute(
            select(func.min(Enquiry.created_at)).where(Enquiry.status == EnquiryStatus.NEW)
        ).scalar()
        body["oldest_new_enquiry_seconds"] = (utcnow() - oldest).total_seconds() if oldest else None
    except Exception as exc:  # a health check reports, it does not fail
        db.session.rollback()
        body["database"] = f"error: {type(exc).__name__}"
        healthy = False
    try:
        queue = get_queue()
        queue.connection.ping()
        body["queue_length"] = queue.count
    except Exception as exc:
        body["redis"] = f"error: {type(exc).__name__}"
        body["queue_length"] = None
        healthy = False
    body["status"] = "ok" if healthy else "degraded"
    return jsonify(body), 200 if healthy else 503
