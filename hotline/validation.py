"""Pydantic models as the one place where input is checked: this module turns a pydantic
ValidationError into the desk's own errors — one message per field, in the reader's language,
keyed by the field's dotted path (`caller.phone`) — for the HTML forms and the JSON API alike.

A model's own rule (an unknown topic code, a call that ends before it starts) raises `invalid(...)`
with its message; pydantic's built-in errors (wrong type, too long, not in the enum, missing)
get the desk's standard wording below, so the messages stay those the forms always showed."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from .errors import ValidationFailed

CUSTOM = "hotline"


class Strict(BaseModel):
    """Base of every request and response model: no undeclared properties."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=False)


def invalid(message) -> PydanticCustomError:
    """A field's own rule failed: raise this from a validator, `message` as the reader sees it."""
    return PydanticCustomError(CUSTOM, "{message}", {"message": str(message)})


def field_name(loc: tuple) -> str:
    """("caller", "phone") → "caller.phone"; list positions are left out (`faq_ids`, not `faq_ids.0`)."""
    parts = [str(p) for p in loc if not isinstance(p, int)]
    return ".".join(parts) or "body"


def _allowed(ctx: dict) -> str:
    expected = str(ctx.get("expected", ""))
    return expected.replace("'", "").replace(" or ", ", ")


def message_for(error: dict[str, Any], missing: dict[str, Any] | None = None) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    name = field_name(error["loc"])
    if kind == CUSTOM:
        return str(ctx["message"])
    if kind == "missing":
        return str((missing or {}).get(name, _l("This field is required.")))
    if kind == "string_type":
        return str(_l("Must be text."))
    if kind in ("string_too_long", "too_long"):
        limit = ctx.get("max_length", 0)
        if kind == "too_long":
            return str(_l("At most %(max)d items.", max=limit))
        return str(_l("Too long: at most %(max)d characters.", max=limit))
    if kind == "string_too_short":
        return str(_l("This field is required."))
    if kind in ("enum", "literal_error"):
        return str(_l("Unknown value; expected one of: %(allowed)s.", allowed=_allowed(ctx)))
    if kind in ("bool_type", "bool_parsing"):
        return str(_l("Must be true or false."))
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return str(_l("Must be a whole number."))
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return str(_l("Out of range."))
    if kind.startswith(("datetime", "date")):
        return str(_l("Must be a date and time in ISO 8601."))
    if kind == "list_type":
        return str(_l("Must be a list."))
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return str(_l("Must be an object."))
    if kind == "extra_forbidden":
        return str(_l("Unknown field."))
    return str(_l("Not a valid value."))


def field_errors(exc: ValidationError, missing: dict[str, Any] | None = None,
                 messages: dict[str, Any] | None = None) -> dict[str, str]:
    """{field: message}, the first error of each field; `messages` overrides a field's built-in
    errors (not its own rules' messages) with one wording, e.g. "Must be a list of FAQ entry numbers."."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        name = field_name(error["loc"])
        if name in errors:
            continue
        if messages and name in messages and error["type"] not in (CUSTOM, "missing"):
            errors[name] = str(messages[name])
        else:
            errors[name] = message_for(error, missing)
    return errors


def is_not_an_object(exc: ValidationError) -> bool:
    """The body as a whole was not a JSON object (a list, a number, a string)."""
    return any(e["loc"] == () and e["type"] in ("model_type", "model_attributes_type", "dict_type")
               for e in exc.errors(include_url=False))


def check(model: type[BaseModel], payload: Any, message, context: dict | None = None) -> BaseModel:
    """`model` validated from `payload`, or ValidationFailed(message, {field: message})."""
    if not isinstance(payload, dict):
        raise ValidationFailed(_l("The request body must be a JSON object."))
    try:
        return model.model_validate(payload, context=context)
    except ValidationError as exc:
        raise ValidationFailed(message, field_errors(exc, getattr(model, "MISSING", None),
                                                     getattr(model, "MESSAGES", None))) from None
