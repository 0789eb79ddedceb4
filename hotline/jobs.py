"""RQ job functions: small wrappers that load by id, call a service verb and commit.
They let exceptions propagate so that RQ records the failure and retries."""
from __future__ import annotations

import logging

from rq import get_current_job

from .extensions import db

log = logging.getLogger(__name__)


def _job_id() -> str:
    job = get_current_job()
    return job.id if job else "-"


def route_enquiry(enquiry_id: int) -> str:
    """Assign a `new` enquiry to a coordinator (SPEC 5.2); a no-op if it is no longer `new`."""
    from .enquiries.routing import route_enquiry as route

    outcome = route(enquiry_id)
    db.session.commit()
    log.info("job %s: enquiry %s routing: %s", _job_id(), enquiry_id, outcome)
    return outcome


def sweep_new_enquiries() -> int:
    """Re-enqueue routing for enquiries left `new` (the outbox sweep of SPEC 6)."""
    from .enquiries.routing import sweep

    count = sweep()
    if count:
        log.info("job %s: sweep re-enqueued %d enquiries", _job_id(), count)
    return count


def export_statistics(token: str) -> str:
    """Write a statistics export (CSV or XLSX) requested from the dashboard for a long period."""
    from .stats.export import run_export

    path = run_export(token)
    log.info("job %s: statistics export %s written", _job_id(), token)
    return path
