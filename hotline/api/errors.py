"""JSON errors in the shape of SPEC 8.2: {"error": {"code", "message", "fields"}}."""
from __future__ import annotations

from flask import jsonify

from ..errors import ServiceError
from ..extensions import db
from . import bp

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "validation_failed",
         429: "rate_limited", 500: "server_error"}


def json_error(status: int, message: str, code: str | None = None, fields: dict | None = None):
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message, "fields": fields or {}}}
    return jsonify(body), status


@bp.errorhandler(ServiceError)
def service_error(exc: ServiceError):
    db.session.rollback()
    return json_error(exc.status, str(exc.message), exc.code, {k: str(v) for k, v in exc.fields.items()})
