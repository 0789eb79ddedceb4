"""The CTI endpoint (SPEC 8.4), the live channel's one cheap endpoint, and the wallboard."""
from __future__ import annotations

from flask import abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import live
from ..auth.decorators import role_required
from ..errors import ValidationFailed
from ..stats.telephony import board_figures
from ..extensions import csrf, db
from . import bp
from .integrations import count_refused, count_refused_for, find_integration
from .service import parse_event, receive_event

RAW_MAX_BYTES = 16 * 1024  # a CTI event is a few hundred bytes


def _error(status: int, message: str, fields: dict | None = None):
    body = {"error": {"code": {401: "unauthorized", 413: "too_large", 422: "validation_failed"}.get(status, "bad_request"),
                      "message": message, "fields": fields or {}}}
    return jsonify(body), status


@bp.post("/cti/<token>")
@csrf.exempt
def cti_event(token: str):
    """Answered at once after one short transaction: the raw event and its telephony call."""
    integration = find_integration(token)
    if integration is None:
        count_refused(token)
        db.session.commit()
        return _error(401, _("The CTI token is not valid."))
    if request.content_length and request.content_length > RAW_MAX_BYTES:
        count_refused_for(integration.id)
        return _error(413, _("A CTI event is at most %(kb)d KB.", kb=RAW_MAX_BYTES // 1024))
    if request.is_json:
        values = request.get_json(silent=True)
        if not isinstance(values, dict):
            count_refused_for(integration.id)
            return _error(400, _("The request body must be a JSON object."))
        raw = values
    else:
        values = request.form
        raw = {key: (items if len(items) > 1 else items[0]) for key, items in values.lists()}
    try:
        data = parse_event(values)
    except ValidationFailed as exc:
        db.session.rollback()
        count_refused_for(integration.id)
        return _error(422, str(exc.message), exc.fields)
    receive_event(integration.id, data, raw)
    db.session.commit()
    return jsonify({})


@bp.get("/live")
@login_required
def live_changes():
    """What changed for the signed-in person since `since` (the sequence their page last saw)."""
    since = request.args.get("since", "0")
    if not since.isdigit() or len(since) > 18:
        abort(400)
    try:
        seq, changed = live.changes(current_user, int(since))
    except Exception:  # noqa: BLE001 - Redis down: the page keeps its slow refresh
        return jsonify({"seq": int(since), "changes": {}, "offline": True})
    return jsonify({"seq": seq, "changes": changed})


@bp.get("/telephony/wallboard")
@role_required("supervisor")
def wallboard():
    """The supervisors' page for the big screen; its board follows the live channel."""
    return render_template("telephony/wallboard.html", board=board_figures())


@bp.get("/telephony/wallboard/board")
@role_required("supervisor")
def wallboard_board():
    return render_template("telephony/_board.html", board=board_figures())
