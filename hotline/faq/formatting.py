"""Answers are plain text with simple formatting: a blank line starts a paragraph, lines starting
with "- " make a list, **text** is bold, web addresses become links. The text is escaped first
and the result passes nh3 with a short allow-list, so nothing a person typed can run."""
from __future__ import annotations

import re

import nh3
from markupsafe import Markup, escape

ALLOWED_TAGS = {"p", "br", "ul", "li", "strong", "a"}
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\bhttps?://[^\s<>&\"']+[^\s<>&\"'.,;:!?)»]")
_ITEM = re.compile(r"^\s*[-•]\s+")


def _inline(line: str) -> str:
    html = str(escape(line))
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _LINK.sub(lambda m: f'<a href="{m.group()}">{m.group()}</a>', html)


def render_answer(text: str | None) -> Markup:
    blocks = re.split(r"\n\s*\n", (text or "").strip())
    parts: list[str] = []
    for block in blocks:
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(_ITEM.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_ITEM.sub('', line))}</li>" for line in lines)
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    cleaned = nh3.clean("".join(parts), tags=ALLOWED_TAGS, attributes={"a": {"href"}},
                        url_schemes={"http", "https"}, link_rel="noopener noreferrer nofollow")
    return Markup(cleaned)
