"""spectree on the API's blueprint: `@validate(...)` checks a view's query string and JSON body
against pydantic models before the view runs (after the token check, so a stranger learns
nothing from a 422) and records the view's responses; `document()` builds the OpenAPI 3.1
document served at /api/v1/openapi.json from the same models.

Errors keep the API's shape (SPEC 8.2): a body that is not JSON is 400 `bad_request`; JSON
that does not fit the model is 422 `validation_failed` with a message per field in the reader's
language. With API_CHECK_RESPONSES (on in the tests) every answer is also checked against its
response model, and one that does not fit is a 500 — a schema that lies is a bug."""
from __future__ import annotations

import logging
import re
from copy import deepcopy
from typing import Any

import flask
from flask import abort, current_app, request
from flask_babel import gettext as _
from pydantic import ValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData
from spectree.plugins.flask_plugin import FlaskPlugin

from ..calls import schema as call_schema
from ..validation import field_errors, is_not_an_object
from . import schemas
from .errors import json_error
from .schemas import Error, Query

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
# Every route may answer these: a NUL byte or JSON nested too deep (400), a token's limit (429),
# 405 for an id beyond the database's integers on a path that has another method (werkzeug).
COMMON_ERRORS = (400, 405, 429)


class DeskPlugin(FlaskPlugin):
    def validate_response(self, resp, resp_model, skip_validation, force_resp_serialize):
        if isinstance(resp, flask.Response) and (resp.direct_passthrough or not resp.is_json):
            return resp, None  # a file download: nothing to check, and nothing to read into memory
        check = current_app.config.get("API_CHECK_RESPONSES", False)
        return super().validate_response(resp, resp_model, skip_validation or not check, force_resp_serialize)


def _before(req, resp, req_validation_error, instance, model_adapter) -> None:
    """Turn spectree's answer to a bad request into the API's error shape, in the reader's language."""
    writing = req.method in ("POST", "PUT", "PATCH") and req.mimetype not in DeskPlugin.FORM_MIMETYPE
    has_body = bool(req.get_data(cache=True))
    not_json = _("The request body must be JSON (Content-Type: application/json).")
    if writing and has_body and req.get_json(silent=True, force=True) is None:
        response, status = json_error(400, not_json)
        response.status_code = status
        abort(response)
    if req_validation_error is None:
        return
    model = _failed_model(req_validation_error)
    if writing and not has_body and not (isinstance(model, type) and issubclass(model, Query)):
        body, status = json_error(400, not_json)
    elif is_not_an_object(req_validation_error):
        body, status = json_error(422, _("The request body must be a JSON object."))
    else:
        fields = field_errors(req_validation_error, getattr(model, "MISSING", None), getattr(model, "MESSAGES", None))
        failed = getattr(model, "FAILED", None)
        body, status = json_error(422, str(failed) if failed else _("The request was not accepted: check the marked fields."),
                                  fields=fields)
    resp.set_data(body.get_data())
    resp.status_code = status
    resp.mimetype = "application/json"


def _failed_model(exc: ValidationError):
    title = exc.title
    return getattr(schemas, title, None) or getattr(call_schema, title, None)


def _after(req, resp, resp_validation_error, instance, model_adapter) -> None:
    if resp_validation_error is not None:
        log.error("%s %s: the response does not fit its schema: %s", req.method, req.path, resp_validation_error)


api = SpecTree(
    "flask", backend=DeskPlugin, mode="strict", before=_before, after=_after,
    validation_error_model=Error, annotations=False,
    title="Зелёная линия API", version="1", openapi_version="3.1.0",
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"))],
    security={"bearer": []},
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)


def responses(ok: int | None = 200, model=None, *errors: int) -> Response:
    """A view's answers: `ok` with `model` (None: no JSON body), the errors in the API's shape."""
    codes = {f"HTTP_{code}": Error for code in sorted({*errors, *COMMON_ERRORS})}
    if ok is not None:
        codes[f"HTTP_{ok}"] = model
    return Response(**codes)


def validate(*, resp: Response, query=None, json=None, **kwargs):
    return api.validate(query=query, json=json, resp=resp, **kwargs)


_PARAM = re.compile(r"\{(\w+)\}")
EXTRA_BODIES: dict[tuple[str, str], dict] = {}


def document() -> dict:
    """The OpenAPI document of /api/v1: paths relative to the server /api/v1, one path parameter
    called {id} as the API has always documented it, multipart bodies spectree does not know."""
    spec = deepcopy(api.spec)
    paths = {}
    for path, operations in spec["paths"].items():
        if not path.startswith(PREFIX + "/"):
            continue
        names = _PARAM.findall(path)
        rel = path[len(PREFIX):]
        if len(names) == 1:
            rel = rel.replace("{%s}" % names[0], "{id}")
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "path" and parameter["name"] == names[0]:
                        parameter["name"] = "id"
        for method, operation in operations.items():
            extra = EXTRA_BODIES.get((rel, method))
            if extra:
                operation["requestBody"] = extra
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    parameter["schema"].pop("format", None)
                    if parameter["schema"].get("type") == "integer":
                        parameter["schema"].update(minimum=1, maximum=2 ** 31 - 1)
        paths[rel] = operations
    spec["paths"] = dict(sorted(paths.items()))
    spec["servers"] = [{"url": PREFIX}]
    return spec
