"""Fill a .po catalogue from a JSON file of {msgid: msgstr}: `python tools/po_fill.py ru FILE.json`.

Developers write English msgids in code; after `make extract-messages` they put the Russian
texts in a JSON file and merge them with this script. The .po files are the source of truth."""
from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po, write_po


def main(locale: str, path: str) -> None:
    po_path = f"hotline/translations/{locale}/LC_MESSAGES/messages.po"
    with open(po_path, "rb") as fh:
        catalog = read_po(fh, locale=locale)
    with open(path, encoding="utf-8") as fh:
        texts = json.load(fh)
    filled = 0
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.id in texts:
            message.string = texts[message.id]
            message.flags.discard("fuzzy")
            filled += 1
    with open(po_path, "wb") as fh:
        write_po(fh, catalog, width=100)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"{filled} filled, {len(missing)} still untranslated")
    for msgid in missing:
        print("  ", json.dumps(msgid, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
