"""The admins' import pages: upload and preview, start, the progress bar (polled), cancel."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.decorators import role_required
from ..errors import ServiceError
from ..extensions import db
from ..models import ImportJob, ImportStatus
from . import bp, service

RUNNING = (ImportStatus.QUEUED, ImportStatus.RUNNING)


def _job(import_id: int) -> ImportJob:
    job = db.session.get(ImportJob, import_id)
    if job is None:
        abort(404)
    return job


@bp.get("/")
@role_required("admin")
def index():
    return render_template("imports/index.html", jobs=service.recent(), errors={}, form={})


@bp.post("/")
@role_required("admin")
def upload():
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    try:
        job = service.upload(current_user, request.form.get("kind", ""), upload.filename if upload else "", data)
    except ServiceError as exc:
        db.session.rollback()
        return render_template("imports/index.html", jobs=service.recent(), errors=exc.fields or {},
                               form=request.form, message=str(exc.message)), exc.status
    db.session.commit()
    return redirect(url_for("imports.detail", import_id=job.id), code=303)


@bp.get("/<int:import_id>")
@role_required("admin")
def detail(import_id: int):
    return render_template("imports/detail.html", job=_job(import_id), running=RUNNING,
                           preview_rows=service.PREVIEW_ROWS)


@bp.get("/<int:import_id>/progress")
@role_required("admin")
def progress(import_id: int):
    """The progress bar, polled by htmx while the job runs (it stops polling once it ended)."""
    return render_template("imports/_progress.html", job=_job(import_id), running=RUNNING)


@bp.post("/<int:import_id>/<action>")
@role_required("admin")
def act(import_id: int, action: str):
    verbs = {"start": (service.start, _("The import has started.")),
             "cancel": (service.cancel, _("The import is being cancelled."))}
    if action not in verbs:
        abort(404)
    job = _job(import_id)
    verb, done = verbs[action]
    try:
        verb(current_user, job)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("imports.detail", import_id=job.id), code=303)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("imports.detail", import_id=job.id), code=303)
