"""RQ job functions: small wrappers that load by id, call a service verb and commit.
They let exceptions propagate so that RQ records the failure and retries."""
from __future__ import annotations

import logging

from rq import get_current_job

from . import audit
from .enquiries.routing import release_for_rerouting, schedule_periodic_sweep, sweep
from .enquiries.routing import route_enquiry as route
from .extensions import db
from .faq.usage import record_routed_matches
from .imports.service import run
from .mail.intake import poll, schedule_poll
from .mail.outbox import send_mail as send
from .mail.outbox import sweep_outbox
from .models import Absence
from .notifications.service import send_email
from .privacy.retention import run_retention, schedule_retention
from .sla.watch import watch_deadlines as watch
from .stats.daily import refresh, schedule_refresh

log = logging.getLogger(__name__)


def _job_id() -> str:
    job = get_current_job()
    return job.id if job else "-"


def route_enquiry(enquiry_id: int) -> str:
    """Assign a `new` enquiry to a coordinator (SPEC 5.2); a no-op if it is no longer `new`."""
    outcome = route(enquiry_id)
    db.session.commit()
    log.info("job %s: enquiry %s routing: %s", _job_id(), enquiry_id, outcome)
    return outcome


def sweep_new_enquiries() -> int:
    """Re-enqueue routing for enquiries left `new` (the outbox sweep of SPEC 6); the next sweep
    is scheduled first, so one failure does not stop the chain."""
    schedule_periodic_sweep()
    count = sweep()
    count += sweep_outbox()  # mail left pending by a lost job (the outbox, SPEC 6)
    db.session.commit()
    if count:
        log.info("job %s: sweep re-enqueued %d enquiries", _job_id(), count)
    return count


def watch_deadlines() -> dict:
    """Every minute (RQ's cron in worker.py): warn and escalate the enquiries whose deadlines the
    database says were crossed, each once (hotline/sla/watch.py)."""
    counts = watch()
    db.session.commit()
    if any(counts.values()):
        log.info("job %s: deadline watch: %s", _job_id(), counts)
    return counts


def match_routed_calls() -> int:
    """Every minute (RQ's cron in worker.py): record which routed calls a published FAQ entry
    answered well (FAQ curation), off the intake request."""
    count = record_routed_matches()
    db.session.commit()
    if count:
        log.info("job %s: FAQ matches recorded for %d routed calls", _job_id(), count)
    return count


def sla_warn(enquiry_id: int) -> dict:
    """A per-enquiry job scheduled before the deadline watch replaced them: runs the watch."""
    return watch_deadlines()


sla_breach = sla_warn


def send_notification_email(notification_id: int) -> bool:
    sent = send_email(notification_id)
    db.session.commit()
    log.info("job %s: notification %s e-mailed: %s", _job_id(), notification_id, sent)
    return sent


def release_absent(absence_id: int) -> int:
    """On the first day of an absence: route the person's open enquiries to others."""
    absence = db.session.get(Absence, absence_id)
    if absence is None:  # the absence was deleted meanwhile
        return 0
    released = release_for_rerouting(absence.user_id)
    db.session.commit()
    log.info("job %s: absence %s released %d enquiries", _job_id(), absence_id, len(released))
    return len(released)


def stats_refresh() -> int:
    """Compute again the statistics days the change log names (the next run is scheduled first,
    so one failure does not stop the chain)."""
    schedule_refresh()
    db.session.commit()
    days = refresh(budget_seconds=50)
    if days:
        log.info("job %s: statistics of %d days computed again", _job_id(), days)
    return days


def apply_retention() -> dict:
    """Nightly: anonymise callers and texts older than RETENTION_DAYS (SPEC 10), batch by batch,
    then purge audit entries older than AUDIT_RETENTION_DAYS; the next night's run is scheduled first."""
    schedule_retention()
    done = run_retention()
    purged = audit.purge()
    log.info("job %s: retention anonymised %d callers, %d calls, %d enquiries; purged %d audit entries",
             _job_id(), done.callers, done.calls, done.enquiries, purged)
    return {"callers": done.callers, "calls": done.calls, "enquiries": done.enquiries, "audit_entries": purged}


def send_mail(mail_id: int) -> str:
    """One SMTP attempt at one mail of the outbox; failures wait in the row for the next attempt."""
    outcome = send(mail_id)
    log.info("job %s: mail %s: %s", _job_id(), mail_id, outcome)
    return outcome


def poll_mailbox() -> int:
    """Take in new mail from MAIL_IMAP_URL (SPEC 5.8); the next poll is scheduled first."""
    schedule_poll()
    taken = poll()
    if taken:
        log.info("job %s: mailbox: %d messages taken in", _job_id(), taken)
    return taken


def run_import(import_id: int) -> str:
    """A browser import (issue 14): checks every row, then writes in committed batches."""
    outcome = run(import_id)
    log.info("job %s: import %s: %s", _job_id(), import_id, outcome)
    return outcome
