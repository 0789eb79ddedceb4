"""Routing: which coordinator gets an enquiry, and the sweep that keeps `new` enquiries moving."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Enquiry, EnquiryStatus, utcnow
from ..queue import enqueue_unless_waiting

log = logging.getLogger(__name__)
ROUTE_JOB = "hotline.jobs.route_enquiry"


def route_enquiry(enquiry_id: int) -> str:
    """For now the job only records that it ran; the routing issue assigns coordinators."""
    enquiry = db.session.get(Enquiry, enquiry_id)
    if enquiry is None:
        return "missing"
    if enquiry.status is not EnquiryStatus.NEW:
        return "already-routed"
    return "waiting"


def sweep() -> int:
    """Enqueue routing for every enquiry left `new` longer than SWEEP_AFTER_SECONDS."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["SWEEP_AFTER_SECONDS"])
    ids = db.session.execute(
        select(Enquiry.id).where(Enquiry.status == EnquiryStatus.NEW, Enquiry.created_at <= cutoff)
        .order_by(Enquiry.created_at)
    ).scalars().all()
    for enquiry_id in ids:
        enqueue_unless_waiting(ROUTE_JOB, enquiry_id, job_id=route_job_id(enquiry_id))
    return len(ids)


def route_job_id(enquiry_id: int) -> str:
    return f"route-{enquiry_id}"
