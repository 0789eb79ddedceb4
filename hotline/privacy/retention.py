"""Retention (SPEC 10): every night, callers and the texts of calls and enquiries older than
`RETENTION_DAYS` are anonymised in batches, each its own transaction, so that a first run over
years of data never holds the write lock for long. Whatever belongs to an open enquiry waits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select

from .. import audit
from ..attachments.storage import sweep_orphans
from ..auth import throttle
from ..extensions import db
from ..models import Attachment, Call, Caller, Enquiry, utcnow
from ..queue import enqueue_unless_waiting
from ..telephony.service import anonymise_calls, purge_events
from ..timefmt import local_zone
from .service import (CLOSED_ENQUIRY, NO_OPEN_ENQUIRY_OF_CALL, OPEN, UNTOUCHED_CALLER, Anonymised,
                      anonymise_callers, blank_calls, blank_enquiries)


RETENTION_BATCH = 500  # rows of each kind per transaction
RETENTION_JOB = "hotline.jobs.apply_retention"
RUN_AT = time(3, 0)  # Perm time: the quietest hour of the desk


def retention_cutoff(now: datetime | None = None) -> datetime | None:
    """Data from before this moment is anonymised; None when retention is switched off (0 days)."""
    days = int(current_app.config["RETENTION_DAYS"])
    return (now or utcnow()) - timedelta(days=days) if days > 0 else None


@dataclass
class Cursor:
    """Where a run has got to in each table, so that every batch reads on from there instead of
    scanning again the rows already anonymised (a first run may cover years)."""

    call: int = 0
    enquiry: int = 0
    caller: int = 0


def apply_retention(now: datetime | None = None, limit: int = RETENTION_BATCH,
                    cursor: Cursor | None = None) -> Anonymised:
    """One batch of the retention run: up to `limit` calls, enquiries and callers older than the
    retention period, in id order after `cursor` (which it moves on). Whatever belongs to an open
    enquiry waits until it is closed. Call it again (after a commit) until it returns nothing."""
    cutoff = retention_cutoff(now)
    if cutoff is None:
        return Anonymised()
    cursor = cursor or Cursor()
    call_ids = db.session.execute(
        select(Call.id).where(Call.id > cursor.call, Call.started_at < cutoff,
                              or_(Call.question != "", Call.answer.is_not(None)), NO_OPEN_ENQUIRY_OF_CALL)
        .order_by(Call.id).limit(limit)).scalars().all()
    enquiry_ids = db.session.execute(
        select(Enquiry.id).where(Enquiry.id > cursor.enquiry, Enquiry.created_at < cutoff,
                                 CLOSED_ENQUIRY, or_(Enquiry.question != "", Enquiry.answer.is_not(None),
                                                     exists().where(Attachment.enquiry_id == Enquiry.id)))
        .order_by(Enquiry.id).limit(limit)).scalars().all()
    recent_call = exists().where(Call.caller_id == Caller.id, Call.started_at >= cutoff)
    open_enquiry = exists().where(Enquiry.caller_id == Caller.id, Enquiry.status.in_(OPEN))
    caller_ids = db.session.execute(
        select(Caller.id).where(Caller.id > cursor.caller, UNTOUCHED_CALLER, Caller.created_at < cutoff,
                                ~recent_call, ~open_enquiry)
        .order_by(Caller.id).limit(limit)).scalars().all()
    cursor.call = call_ids[-1] if call_ids else cursor.call
    cursor.enquiry = enquiry_ids[-1] if enquiry_ids else cursor.enquiry
    cursor.caller = caller_ids[-1] if caller_ids else cursor.caller
    done = Anonymised(callers=anonymise_callers(caller_ids, ~recent_call, ~open_enquiry),
                      calls=blank_calls(call_ids), enquiries=blank_enquiries(enquiry_ids))
    if done:
        audit.record_row(None, "retention", Caller.__tablename__, None, cutoff=cutoff.isoformat(),
                         callers=done.callers, calls=done.calls, enquiries=done.enquiries)
    return done


def run_retention(now: datetime | None = None, limit: int = RETENTION_BATCH) -> Anonymised:
    """Every batch until nothing is left, committing each; then the attachment files that no row
    names any more (what a crash left between a file and its transaction)."""
    purge_events(now)
    throttle.prune(now)
    cutoff = retention_cutoff(now)
    if cutoff is not None:
        anonymise_calls(cutoff)
    db.session.commit()
    total, cursor = Anonymised(), Cursor()
    while done := apply_retention(now, limit, cursor):
        db.session.commit()
        total += done
    db.session.commit()
    sweep_orphans()
    return total


def schedule_retention(now: datetime | None = None) -> None:
    """The next run at 03:00 Perm time on RQ's scheduler; the job id names the day, so every
    worker asking schedules the same single job."""
    local_now = (now or utcnow()).astimezone(local_zone())
    at = datetime.combine(local_now.date(), RUN_AT, tzinfo=local_zone())
    if at <= local_now:
        at += timedelta(days=1)
    enqueue_unless_waiting(RETENTION_JOB, job_id=f"retention-{at.date().isoformat()}", at=at, result_ttl=0,
                           failure_ttl=7 * 86400, job_timeout=3600)
