"""Append translations to the end of a catalogue: `python tools/po_append.py ru FILE.json`.

FILE.json maps an English msgid to its text, or to a list of plural forms for an ngettext pair
written as {"msgid|msgid_plural": ["форма 1", "форма 2", "форма 5"]}. Messages already in the
catalogue are updated in place by tools/po_fill.py instead; this script only appends new ones, so
that parallel branches add translations without reordering the file (.po files merge as a union,
see .gitattributes; `make extract-messages` tidies the order later)."""
from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(locale: str, path: str) -> None:
    po_path = f"hotline/translations/{locale}/LC_MESSAGES/messages.po"
    with open(po_path, "rb") as fh:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh, locale=locale) if m.id}
    with open(path, encoding="utf-8") as fh:
        texts = json.load(fh)
    blocks = []
    for key, value in texts.items():
        if isinstance(value, list):
            singular, plural = key.split("|", 1)
            if singular in known:
                continue
            lines = [f"msgid {_quote(singular)}", f"msgid_plural {_quote(plural)}"]
            lines += [f"msgstr[{i}] {_quote(form)}" for i, form in enumerate(value)]
        else:
            if key in known:
                continue
            lines = [f"msgid {_quote(key)}", f"msgstr {_quote(value)}"]
        blocks.append("\n".join(lines))
    if blocks:
        with open(po_path, "a", encoding="utf-8") as fh:
            fh.write("\n" + "\n\n".join(blocks) + "\n")
    print(f"{len(blocks)} appended to {po_path}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
