"""The FAQ through the API: ranked search, create and edit (supervisors), record a use."""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from .. import visibility
from ..errors import NotFound
from ..extensions import db
from ..faq.search import search
from ..faq.service import can_see, create_entry, get_entry, is_editor, record_use, update_entry
from ..models import Call, Enquiry, FaqEntry, FaqStatus, Topic
from . import bp
from .auth import api_role_required
from .errors import json_error
from .schemas import Faq, FaqIn, FaqList, FaqPatch, FaqQuery, FaqUse, FaqUseIn
from .serialise import iso
from .spec import responses, validate

SEARCH_LIMIT_MAX = 50


def faq_json(entry: FaqEntry) -> dict:
    return {
        "id": entry.id,
        "question": entry.question,
        "answer": entry.answer,
        "topic": entry.topic.code if entry.topic else None,
        "city": entry.city.code if entry.city else None,
        "language": entry.language,
        "status": entry.status.value,
        "wordings": [w.text for w in entry.wordings],
        "owner": entry.owner.login if entry.owner else None,
        "use_count": entry.use_count,
        "last_used_at": iso(entry.last_used_at),
        "updated_at": iso(entry.updated_at),
    }


def _json_body():
    payload = request.get_json(silent=True)
    if payload is None:
        return None, json_error(400, _("The request body must be JSON (Content-Type: application/json)."))
    return payload, None


@bp.get("/faq")
@api_role_required("operator", "coordinator", "supervisor")
@validate(query=FaqQuery, resp=responses(200, FaqList, 401, 403, 422))
def list_faq():
    """FAQ entries ranked for a question (Russian morphology, typos), with score and highlight; without q,
    the most used"""
    query = (request.args.get("q") or "").strip()
    language = request.args.get("lang") or None
    if language not in (None, "ru", "en"):
        return json_error(422, _("Unknown language; expected ru or en."),
                          fields={"lang": _("Unknown language; expected ru or en.")})
    topic_id = None
    topic_code = request.args.get("topic")
    if topic_code:
        topic_id = db.session.execute(select(Topic.id).where(Topic.code == topic_code)).scalar()
        if topic_id is None:
            return json_error(422, _("Unknown topic code: %(code)s.", code=topic_code[:40]),
                              fields={"topic": _("Unknown topic code: %(code)s.", code=topic_code[:40])})
    statuses = [FaqStatus.PUBLISHED]
    wanted = request.args.get("status")
    if wanted and is_editor(g.api_user):
        statuses = list(FaqStatus) if wanted == "all" else [s for s in FaqStatus if s.value == wanted]
    limit = min(max(request.args.get("limit", 10, type=int), 1), SEARCH_LIMIT_MAX)
    if query:
        hits = [h for h in search(query, topic_id=topic_id, language=language, statuses=statuses, limit=limit)
                if can_see(g.api_user, h.entry)]
        results = [{**faq_json(h.entry), "score": h.score, "relevance": h.relevance,
                    "highlight": {"question": str(h.highlight_question()), "answer": str(h.highlight_answer())}}
                   for h in hits]
    else:
        stmt = select(FaqEntry).where(FaqEntry.status.in_(statuses))
        if topic_id:
            stmt = stmt.where(FaqEntry.topic_id == topic_id)
        if language:
            stmt = stmt.where(FaqEntry.language == language)
        entries = db.session.execute(stmt.order_by(FaqEntry.use_count.desc(), FaqEntry.id).limit(limit)).scalars()
        results = [faq_json(e) for e in entries if can_see(g.api_user, e)]
    return jsonify({"query": query, "results": results})


@bp.post("/faq")
@api_role_required("supervisor")
@validate(json=FaqIn, resp=responses(201, Faq, 401, 403, 422))
def create_faq():
    """Create an FAQ entry (supervisor)"""
    payload, error = _json_body()
    if error:
        return error
    entry = create_entry(g.api_user, payload)
    db.session.commit()
    return jsonify(faq_json(entry)), 201


@bp.get("/faq/<int:entry_id>")
@api_role_required("operator", "coordinator", "supervisor")
@validate(resp=responses(200, Faq, 401, 403, 404))
def get_faq(entry_id: int):
    """One FAQ entry"""
    entry = get_entry(entry_id)
    if not can_see(g.api_user, entry):
        raise NotFound(_("No FAQ entry with number %(id)s.", id=entry_id))
    return jsonify(faq_json(entry))


@bp.patch("/faq/<int:entry_id>")
@api_role_required("supervisor")
@validate(json=FaqPatch, resp=responses(200, Faq, 401, 403, 404, 409, 422))
def patch_faq(entry_id: int):
    """Change an FAQ entry, its status included (supervisor); records a revision"""
    payload, error = _json_body()
    if error:
        return error
    entry = update_entry(g.api_user, get_entry(entry_id), payload)
    db.session.commit()
    return jsonify(faq_json(entry))


@bp.post("/faq/<int:entry_id>/use")
@api_role_required("operator", "coordinator", "supervisor")
@validate(json=FaqUseIn, resp=responses(201, FaqUse, 401, 403, 404, 409, 422))
def use_faq(entry_id: int):
    """Record a use of a published entry, for a call or an enquiry

    Optionally for a call (`call_id`) or an enquiry (`enquiry_id`) the client may see (SPEC 10: one
    it may not see is answered as one that does not exist). The body may be left out."""
    payload = {}
    if request.get_data():
        payload = request.get_json(silent=True, force=True)
        if not isinstance(payload, dict):
            return json_error(400, _("The request body must be a JSON object."))
    unknown = sorted(set(payload) - {"call_id", "enquiry_id"})
    if unknown:
        return json_error(422, _("Unknown fields: %(names)s.", names=", ".join(unknown)[:100]),
                          fields={name[:40]: _("Unknown field.") for name in unknown[:10]})
    call = enquiry = None
    if payload.get("call_id") is not None:
        call = _record(Call, payload["call_id"], visibility.can_see_call)
        if call is None:
            return json_error(422, _("No call with number %(id)s.", id=str(payload["call_id"])[:20]),
                              fields={"call_id": _("No such call.")})
    if payload.get("enquiry_id") is not None:
        enquiry = _record(Enquiry, payload["enquiry_id"], visibility.can_see_enquiry)
        if enquiry is None:
            return json_error(422, _("No enquiry with number %(id)s.", id=str(payload["enquiry_id"])[:20]),
                              fields={"enquiry_id": _("No such enquiry.")})
    (use,) = record_use(g.api_user, [entry_id], call=call, enquiry=enquiry)
    db.session.commit()
    entry = db.session.get(FaqEntry, entry_id)
    return jsonify({"id": use.id, "entry_id": entry_id, "call_id": use.call_id, "enquiry_id": use.enquiry_id,
                    "user": g.api_user.login, "used_at": iso(use.used_at), "use_count": entry.use_count}), 201


def _record(model, value, may_see):
    """The row with id `value` if it is a plain positive integer and the client may see it."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2 ** 31:
        return None
    row = db.session.get(model, value)
    return row if may_see(g.api_user, row) else None
