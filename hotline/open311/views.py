"""The GeoReport v2 endpoints. Every answer is in the format the path asks for (.json or .xml);
errors are 400, 403 or 404 in the spec's shape."""
from __future__ import annotations

from functools import wraps

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..limits import limiter, open311_key, open311_limit, retry_after
from . import bp, service
from .render import Open311Error, check_format, document, error_document

CHANGESET = "2026-11-28T00:00:00Z"


# Per partner key, or per address without one (hotline/limits.py).
limiter.limit(open311_limit, key_func=open311_key)(bp)


@bp.errorhandler(429)
def too_many(error):
    fmt = (request.view_args or {}).get("fmt")
    response = error_document(fmt if fmt in ("json", "xml") else "json",
                              Open311Error(429, _l("Too many requests; try again later.")))
    response.headers["Retry-After"] = retry_after(error)
    return response


def open311(view):
    """The format checked, Open311Error rendered as the spec says."""
    @wraps(view)
    def wrapper(*args, fmt: str, **kwargs):
        check_format(fmt)
        try:
            return view(*args, fmt=fmt, **kwargs)
        except Open311Error as error:
            db.session.rollback()
            return error_document(fmt, error)

    return wrapper


@bp.get("/discovery.<fmt>")
@open311
def discovery(fmt: str):
    url = url_for("open311.discovery", fmt=fmt, _external=True).rsplit("/", 1)[0]
    return document(fmt, "discovery", None, {
        "changeset": CHANGESET, "contact": current_app.config["OPEN311_CONTACT"],
        "key_service": str(_l("Partner keys (api_key) are issued by the hotline's administrator "
                              "(Administration → Open311 keys).")),
        "endpoints": ("endpoint", [{
            "specification": "http://wiki.open311.org/GeoReport_v2", "url": url, "changeset": CHANGESET,
            "type": "production", "formats": ("format", ["text/xml", "application/json"]),
        }]),
    })


@bp.get("/services.<fmt>")
@open311
def services(fmt: str):
    return document(fmt, "services", "service", service.services())


@bp.get("/services/<code>.<fmt>")
@open311
def service_definition(code: str, fmt: str):
    return document(fmt, "service_definition", None, service.service_definition(code))


@bp.post("/requests.<fmt>")
@open311
def create_request(fmt: str):
    enquiry = service.submit(request.form)
    db.session.commit()
    notice = str(_l("Registered as %(ref)s; the answer is due by %(due)s.", ref=enquiry.reference,
                    due=service.iso(enquiry.due_at)))
    return document(fmt, "service_requests", "request",
                    [{"service_request_id": enquiry.reference, "service_notice": notice, "account_id": None}], 201)


@bp.get("/requests.<fmt>")
@open311
def list_requests(fmt: str):
    body = service.records(service.query(request.args), request.args.get("api_key"))
    db.session.commit()  # the audit entries of partners' reads
    return document(fmt, "service_requests", "request", body)


@bp.get("/requests/<reference>.<fmt>")
@open311
def get_request(reference: str, fmt: str):
    found = service.find([reference])
    if not found:
        raise Open311Error(404, _l("No request %(ref)s.", ref=reference[:40]))
    body = service.records(found[:1], request.args.get("api_key"))
    db.session.commit()
    return document(fmt, "service_requests", "request", body)


@bp.get("/tokens/<token>.<fmt>")
@open311
def token(token: str, fmt: str):
    """Requests are registered at once (type realtime), so the only token is the reference itself."""
    if not service.find([token]):
        raise Open311Error(404, _l("No request with token %(token)s.", token=token[:40]))
    return document(fmt, "service_requests", "request", [{"service_request_id": token, "token": token}])
