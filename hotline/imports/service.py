"""The verbs of a browser import: upload (stored, then previewed: the first rows checked, nothing
saved), start (a job on the queue, after the commit), run (the job: every row checked first —
one bad row and nothing is saved — then written in committed batches, the progress in the
database, a cancel honoured between batches) and cancel."""
from __future__ import annotations

import os
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import audit
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import ImportJob, ImportKind, ImportStatus, User, utcnow
from ..queue import enqueue_after_commit
from .calls import ImportFailed, import_calls
from .faq import import_faq

PREVIEW_ROWS = 50
MAX_UPLOAD_MB = 50
RUN_JOB = "hotline.jobs.run_import"
EXTENSIONS = (".csv", ".xlsx")


class Cancelled(Exception):
    pass


def import_dir() -> str:
    path = os.path.join(current_app.instance_path, "imports")
    os.makedirs(path, exist_ok=True)
    return path


def stored_path(job: ImportJob) -> str:
    return os.path.join(import_dir(), job.stored_as)


def _run(job: ImportJob, path: str, actor: User | None, **options):
    if job.kind is ImportKind.CALLS:
        if "on_batch" in options:
            options["batch"] = current_app.config.get("IMPORT_BATCH", 2000)
        return import_calls(path, **options)
    return import_faq(path, actor, **options)


def upload(actor: User, kind: str, filename: str, data: bytes) -> ImportJob:
    """Store the file and preview it: the first rows checked, their errors kept; nothing imported."""
    errors = {}
    if kind not in {k.value for k in ImportKind}:
        errors["kind"] = str(_l("Choose what the file holds."))
    name = os.path.basename(filename or "")[:255]
    extension = os.path.splitext(name)[1].lower()
    if not data:
        errors["file"] = str(_l("Choose a file."))
    elif extension not in EXTENSIONS:
        errors["file"] = str(_l("A CSV or XLSX file, please."))
    elif len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        errors["file"] = str(_l("The file is larger than %(mb)d MB.", mb=MAX_UPLOAD_MB))
    if errors:
        raise ValidationFailed(_l("The file was not taken."), errors)
    job = ImportJob(kind=ImportKind(kind), filename=name, stored_as=secrets.token_hex(16) + extension,
                    created_by_id=actor.id, errors=[])
    with open(stored_path(job), "wb") as out:
        out.write(data)
    try:
        report = _run(job, stored_path(job), actor, validate_only=True, limit=PREVIEW_ROWS)
        job.total_rows, job.bad = report.rows, report.bad
        job.errors = [[line, message] for line, message in report.errors]
    except ImportFailed as exc:
        job.status, job.message = ImportStatus.FAILED, str(exc)[:500]
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "upload", job, kind=kind, filename=name)
    return job


def start(actor: User, job: ImportJob) -> ImportJob:
    if job.status is not ImportStatus.PREVIEW:
        raise Conflict(_l("This import has already been started or has ended."))
    if job.bad:
        raise Conflict(_l("The preview found errors: correct the file and upload it again."))
    job.status = ImportStatus.QUEUED
    audit.record(actor, "start", job)
    enqueue_after_commit(RUN_JOB, job.id, job_id=f"import-{job.id}", retry=False, job_timeout=6 * 3600)
    return job


def cancel(actor: User, job: ImportJob) -> ImportJob:
    if job.status in (ImportStatus.PREVIEW, ImportStatus.QUEUED):
        job.status, job.finished_at = ImportStatus.CANCELLED, utcnow()
    elif job.status is ImportStatus.RUNNING:
        job.cancel_requested = True  # the job stops after the batch it is writing
    else:
        raise Conflict(_l("This import has already ended."))
    audit.record(actor, "cancel", job)
    return job


def _progress(job_id: int, **values) -> None:
    db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))


def run(job_id: int) -> str:
    """The job: idempotent — a job cancelled, done or failed is left alone; the rows of an earlier,
    interrupted run are skipped by their keys."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return "nothing to do"
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    path = stored_path(job)
    _progress(job.id, status=ImportStatus.RUNNING, started_at=utcnow())
    db.session.commit()
    try:
        checked = _run(job, path, actor, validate_only=True)
    except ImportFailed as exc:
        _progress(job_id, status=ImportStatus.FAILED, message=str(exc)[:500], finished_at=utcnow())
        db.session.commit()
        return "failed"
    _progress(job_id, total_rows=checked.rows, bad=checked.bad,
              errors=[[line, message] for line, message in checked.errors])
    db.session.commit()
    if checked.bad:
        _progress(job_id, status=ImportStatus.FAILED, finished_at=utcnow(),
                  message=str(_l("%(count)d bad rows; nothing was imported", count=checked.bad)))
        db.session.commit()
        return "failed"

    def on_batch(report) -> None:
        _progress(job_id, processed_rows=report.rows, imported=report.imported, skipped=report.skipped)
        db.session.commit()
        if db.session.execute(select(ImportJob.cancel_requested).where(ImportJob.id == job_id)).scalar():
            raise Cancelled()

    try:
        report = _run(job, path, actor, on_batch=on_batch)
    except Cancelled:
        db.session.rollback()
        _progress(job_id, status=ImportStatus.CANCELLED, finished_at=utcnow())
        db.session.commit()
        return "cancelled"
    _progress(job_id, status=ImportStatus.DONE, processed_rows=report.rows, imported=report.imported,
              skipped=report.skipped, finished_at=utcnow())
    db.session.commit()
    return "done"


def recent(limit: int = 20) -> list[ImportJob]:
    return list(db.session.execute(select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)).scalars())
