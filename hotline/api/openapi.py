"""`GET /api/v1/openapi.json`: the OpenAPI 3.1 document, built by spectree from the models that
validate the requests and describe the responses (hotline/api/schemas.py)."""
from __future__ import annotations

from flask import current_app, jsonify

from . import bp
from .schemas import OpenApiDocument
from .spec import document, responses, validate


@bp.get("/openapi.json")
@validate(resp=responses(200, OpenApiDocument), security={})
def openapi():
    """This document"""
    spec = current_app.extensions.get("hotline.openapi")
    if spec is None:
        spec = current_app.extensions["hotline.openapi"] = document()
    return jsonify(spec)
