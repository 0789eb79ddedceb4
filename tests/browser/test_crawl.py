"""Keep it fixed (issue 16): every page of every role, reached from the navigation and from the
first item of every list, in Russian and English, at 1366×768 and 390×844: no sideways scroll,
0 axe-core violations, no untranslated interface string on English pages, no console errors.
One browser for all; one signed-in context per role, language and width. See crawl.py."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from config import DEMO_PASSWORD

from .crawl import LANGUAGES, WIDTHS, Report, check_page, data_strings, discover, watch

HOMES = {"resident": "/public/", "operator": "/", "coordinator": "/", "supervisor": "/", "admin": "/"}


def _starts(role: str, db) -> list[str]:
    """The home, and what only a search reaches: the personal-data search for a seeded caller."""
    from urllib.parse import quote

    from hotline.models import Caller

    starts = [HOMES[role]]
    if role == "supervisor":
        phone = db.session.execute(select(Caller.phone).where(Caller.phone.is_not(None)).order_by(Caller.id)).scalar()
        starts.append(f"/privacy/?q={quote(phone)}")
    return starts


@pytest.fixture
def demo(db):
    from hotline.seed.demo import seed_demo

    seed_demo(calls_days=6, calls_per_day=14)
    db.session.commit()


def _context(browser, lang: str, width: str):
    w, h = WIDTHS[width]
    context = browser.new_context(locale="ru-RU" if lang == "ru" else "en-US", viewport={"width": w, "height": h},
                                  extra_http_headers={"Accept-Language": lang})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _sign_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def _status_result(db):
    """The public status page showing a question found by its number and the phone given."""
    from hotline.models import Caller, Enquiry

    reference, phone = db.session.execute(
        select(Enquiry.reference, Caller.phone).join(Caller, Caller.id == Enquiry.caller_id)
        .where(Caller.phone.is_not(None)).order_by(Enquiry.id)).first()

    def open_result(page):
        page.goto(page.url.split("/public")[0] + "/public/status")
        page.fill("#reference", reference)
        page.fill("#contact", phone)
        with page.expect_navigation() as navigation:
            page.click("form[action$='/public/status'] button[type=submit]")
        return navigation.value

    return open_result


@pytest.mark.parametrize("role", list(HOMES))
def test_every_page_of_the_role_fits_reads_and_passes_axe(role, demo, db, live_server, _browser):
    data = data_strings(db)
    status_result = _status_result(db) if role == "resident" else None
    starts = _starts(role, db)
    db.session.commit()  # on SQLite the test's reads hold the write lock the server needs
    report = Report()
    context, page = _context(_browser, "ru", "desktop")
    if role != "resident":
        _sign_in(page, live_server, role)
    failed: list[str] = []
    pages = discover(page, live_server, starts, failed)
    for failure in failed:
        report.add(f"{role} discovery", failure)
    context.close()
    steps = list(pages)
    if role == "resident":
        steps.append(status_result)
    report.pages[role] = [p.replace(live_server, "") for p in pages]
    for lang in LANGUAGES:
        for width in WIDTHS:
            context, page = _context(_browser, lang, width)
            errors = watch(page)
            if role != "resident":
                _sign_in(page, live_server, role)
            for step in steps:
                name = step.replace(live_server, "") if isinstance(step, str) else "status result"
                check_page(page, errors, step, f"{role} {lang} {width} {name}", lang, data, report)
            context.close()
    print(f"\n{role}: {len(steps)} pages × {len(LANGUAGES)} languages × {len(WIDTHS)} widths = "
          f"{report.visits} visits, {report.violations} axe violation nodes, {len(report.problems)} problems")
    print("  pages: " + " ".join(report.pages[role]))
    assert report.problems == [], "\n".join(report.problems)
