"""`GET /api/v1/search?q=…&kind=enquiry|call|caller` (SPEC 8.2): the staff search, as the top bar's
box has it — the same verb, the same scope, the same audit entry."""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from .. import visibility
from ..extensions import db
from ..phones import mask_phone
from ..search.analysis import QUERY_MAX
from ..search.service import KINDS, PAGE, parse_kind, search
from ..writes import writes
from . import bp
from .auth import api_role_required
from .errors import json_error
from .schemas import SearchQuery, SearchResults
from .serialise import iso
from .spec import responses, validate

LIMIT_MAX = 50


def _caller(caller, full: bool) -> dict | None:
    if caller is None:
        return None
    return {"id": caller.id, "name": caller.name, "email": caller.email,
            "phone": caller.phone if full else mask_phone(caller.phone)}


def _hit_json(hit, full: bool) -> dict:
    record = hit.record
    body = {"kind": hit.kind, "id": record.id, "score": round(float(hit.score), 4), "highlight": str(hit.text)}
    if hit.kind == "enquiry":
        body.update(reference=record.reference, status=record.status.value, topic=record.topic.code,
                    created_at=iso(record.created_at), question=record.question, caller=_caller(hit.caller, full))
    elif hit.kind == "call":
        body.update(started_at=iso(record.started_at), topic=record.topic.code if record.topic else None,
                    outcome=record.outcome.value,
                    question=record.question, reference=record.enquiry.reference if record.enquiry else None,
                    caller=_caller(hit.caller, full))
    else:
        body.update(_caller(record, full))
    return body


@bp.get("/search")
@writes
@api_role_required("operator", "coordinator", "supervisor", admin=False)
@validate(query=SearchQuery, resp=responses(200, SearchResults, 401, 403, 422))
def staff_search():
    text = (request.args.get("q") or "").strip()
    errors = {}
    if not text:
        errors["q"] = _("This field is required.")
    elif len(text) > QUERY_MAX:
        errors["q"] = _("Too long: at most %(max)d characters.", max=QUERY_MAX)
    raw_kind = request.args.get("kind")
    kind = parse_kind(raw_kind)
    if raw_kind and kind is None:
        errors["kind"] = _("Expected one of: %(allowed)s.", allowed=", ".join(KINDS))
    try:
        limit = int(request.args.get("limit", PAGE))
        if not 1 <= limit <= LIMIT_MAX:
            raise ValueError
    except ValueError:
        errors["limit"] = _("A whole number from 1 to %(max)d.", max=LIMIT_MAX)
    if errors:
        return json_error(422, _("The search was not understood."), fields=errors)
    found = search(g.api_user, text, kind, limit=limit, via="api")
    db.session.commit()
    full = visibility.full_phone(g.api_user, detail=False)
    return jsonify({"query": text, "kind": kind, "count": found.count, "more": found.more,
                    "results": [_hit_json(hit, full) for hit in found.hits]})
