"""Russian is complete: every string a person reads has a Russian translation."""
import pathlib
import subprocess
import sys

from babel.messages.pofile import read_po

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_every_message_in_the_code_has_a_russian_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."], cwd=ROOT, check=True,
                   capture_output=True)
    with open(pot, "rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with open(ROOT / "hotline/translations/ru/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh, locale="ru")
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(str(m) for m in wanted - translated)
    assert missing == [], f"untranslated (run make extract-messages, then tools/po_fill.py): {missing}"


def test_language_switch_and_browser_preference(client, login_as, reference):
    login_as("operator")
    assert "Новый звонок" in client.get("/calls/new", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "New call" in client.get("/calls/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    client.post("/lang/en")
    page = client.get("/calls/new", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "New call" in page and "Answered from FAQ" in page


def test_times_are_shown_in_perm_time(app):
    from datetime import datetime, timezone

    from hotline.timefmt import format_local

    assert format_local(datetime(2026, 11, 27, 19, 30, tzinfo=timezone.utc)) == "28.11.2026 00:30"
