"""Hostile or broken input stopped at the edge, before any view sees it: NUL characters anywhere
(PostgreSQL cannot store them), JSON nested beyond any real payload, ids that are not ASCII digits
or do not fit the database's integer, pages beyond reach. Each is a 400 or 404 in the shape of the
interface that was asked (SPEC 8.2, 8.3), never a 500."""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the database's integer ids (PostgreSQL `integer`)
MAX_JSON_DEPTH = 32
MAX_PAGE = 100_000
PAGE_SIZE = 50  # rows on a page of a list: calls, enquiries, the audit log


# Bidirectional overrides and isolates: in a name they reorder what follows it on the screen
# («‮gnp.exe» reads as «exe.png»); no one's name needs them.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"))


def plain_name(text: str) -> str:
    """A person's name without bidirectional control characters."""
    return text.translate(BIDI_CONTROLS).strip()


class HostileInput(BadRequest):
    """A 400 whose message says what was wrong (rendered by the error pages and the API)."""

    def __init__(self, message):
        super().__init__(description=str(message))
        self.message = message


def parse_id(value) -> int | None:
    """An id typed into a URL or a form: ASCII digits that fit the database, or None
    (`"³".isdigit()` is true, and `int("99999999999999999999")` fits no column)."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def parse_ids(values: Iterable) -> list[int]:
    return [n for n in (parse_id(v) for v in values) if n is not None]


def page_number(args, name: str = "page") -> int:
    """?page=N, at least 1; beyond MAX_PAGE (or not a number) is the last page one could reach."""
    value = args.get(name, "1")
    if not (isinstance(value, str) and value.isascii() and value.isdigit()):
        return 1
    return max(1, min(int(value[:7]), MAX_PAGE))


class DatabaseId(IntegerConverter):
    """The `int` URL converter held to ids the database can hold: beyond them, a 404 as for any
    record that does not exist (instead of PostgreSQL's "integer out of range" as a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _check_json(value) -> None:
    """Walk a decoded document without recursion: no NUL in any string or key, bounded depth."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise HostileInput(_l("The JSON document is nested too deeply (at most %(n)d levels).", n=MAX_JSON_DEPTH))
        if isinstance(item, str):
            if "\x00" in item:
                raise HostileInput(_l("Text must not contain NUL characters."))
        elif isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    raise HostileInput(_l("Text must not contain NUL characters."))
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


class GuardedJSON(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise HostileInput(_l("The JSON document is nested too deeply (at most %(n)d levels).",
                                  n=MAX_JSON_DEPTH)) from None
        _check_json(value)
        return value


def _has_nul(values: Iterable[str]) -> bool:
    return any("\x00" in v for v in values)


def init_app(app: Flask) -> None:
    app.json_provider_class = GuardedJSON
    app.json = GuardedJSON(app)
    app.url_map.converters["int"] = DatabaseId

    @app.before_request
    def refuse_nul_characters():
        if "\x00" in request.path or _has_nul(request.args.keys()) or _has_nul(
                v for values in request.args.listvalues() for v in values):
            raise HostileInput(_l("Text must not contain NUL characters."))
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            form = request.form
            if _has_nul(form.keys()) or _has_nul(v for values in form.listvalues() for v in values):
                raise HostileInput(_l("Text must not contain NUL characters."))
