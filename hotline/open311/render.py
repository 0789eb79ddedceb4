"""GeoReport v2 documents in both formats: a list of records under a root element (XML) or a
JSON array; errors as `[{"code", "description"}]` / `<errors><error>`."""
from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

from flask import Response, abort

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = str(description)


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        abort(404)
    return fmt


# Characters XML 1.0 cannot carry at all (C0 controls but tab, newline, return; lone surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else _NOT_XML.sub("", str(value))


def _element(parent: ET.Element, name: str, value) -> None:
    """`value`: a scalar, a dict (child elements), or a (child name, list) pair (repeated children)."""
    node = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, child in value.items():
            _element(node, key, child)
    elif isinstance(value, tuple):
        item_name, items = value
        for item in items:
            _element(node, item_name, item)
    else:
        node.text = _text(value)


def document(fmt: str, root: str, item: str | None, body, status: int = 200) -> Response:
    """`body` is a list of records (XML: `<root><item>…</item>…</root>`) or, with `item` None,
    one record (XML: `<root>…</root>`). In JSON, a list within a record is an array; in XML, a
    list must be given as a (child name, items) pair."""
    if fmt == "json":
        return Response(json.dumps(_plain(body), ensure_ascii=False), status, content_type=FORMATS[fmt])
    top = ET.Element(root)
    if item is None:
        for key, value in body.items():
            _element(top, key, value)
    else:
        for record in body:
            _element(top, item, record)
    return Response(ET.tostring(top, encoding="UTF-8", xml_declaration=True), status, content_type=FORMATS[fmt])


def _plain(value):
    """The JSON shape: (name, items) pairs become plain arrays."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value[1]]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def error_document(fmt: str, error: Open311Error) -> Response:
    return document(fmt if fmt in FORMATS else "json", "errors", "error",
                    [{"code": error.status, "description": error.description}], error.status)
