"""Supervisors' screens for residents' data requests: search, the caller's record, export, erase."""
from __future__ import annotations

import json

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..auth.decorators import role_required
from ..errors import ServiceError
from ..extensions import db
from ..models import Caller
from ..writes import writes
from . import bp
from .retention import retention_cutoff
from .service import caller_calls, caller_enquiries, erase_caller, export_caller, find_callers


@bp.get("/")
@writes
@role_required("supervisor")
def index():
    query = request.args.get("q", "").strip()
    callers = find_callers(query) if query else []
    if audit.record_list(current_user, "caller", [c.id for c in callers], via="privacy-search"):
        db.session.commit()
    return render_template("privacy/index.html", query=query, callers=callers,
                           retention_days=current_app.config["RETENTION_DAYS"], cutoff=retention_cutoff())


def _load(caller_id: int) -> Caller:
    caller = db.session.get(Caller, caller_id)
    if caller is None:
        abort(404)
    return caller


def _render_caller(caller: Caller, errors: dict | None = None, status: int = 200):
    audit.record(current_user, "read", caller, via="privacy")
    db.session.commit()
    enquiries = caller_enquiries(caller)
    return render_template("privacy/caller.html", caller=caller, calls=caller_calls(caller), enquiries=enquiries,
                           open_enquiries=[e for e in enquiries if e.is_open], errors=errors or {},
                           form=request.form if status != 200 else {}), status


@bp.get("/callers/<int:caller_id>")
@writes
@role_required("supervisor")
def caller(caller_id: int):
    return _render_caller(_load(caller_id))


@bp.get("/callers/<int:caller_id>/export.json")
@writes
@role_required("supervisor")
def export(caller_id: int):
    record = export_caller(current_user, _load(caller_id))
    db.session.commit()
    return Response(json.dumps(record, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="caller-{caller_id}.json"'})


@bp.post("/callers/<int:caller_id>/erase")
@role_required("supervisor")
def erase(caller_id: int):
    caller = _load(caller_id)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm: erasing cannot be undone."), "error")
        return _render_caller(caller, {"confirm": _("Confirm the erasure.")}, 422)
    try:
        done = erase_caller(current_user, caller, request.form.get("reason", ""))
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _render_caller(caller, {k: str(v) for k, v in exc.fields.items()}, exc.status)
    db.session.commit()
    flash(_("The caller's data is erased: the card, %(calls)d calls and %(enquiries)d enquiries.",
            calls=done.calls, enquiries=done.enquiries), "success")
    return redirect(url_for("privacy.caller", caller_id=caller.id))
