"""Issue 16 in the browser: what only scripts and layout can show — the header menu on a phone,
confirmation before deleting, focus on the first field in error, FAQ suggestions for a long
question and when they fail, tables that scroll in their own focusable box."""
from __future__ import annotations

from sqlalchemy import func, select

from hotline.models import CalendarDay, Call, CallOutcome

PHONE = {"width": 390, "height": 844}


def _errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_the_header_folds_into_a_menu_on_a_phone(live_server, page, browser_login, reference):
    errors = _errors(page)
    page.set_viewport_size(PHONE)
    browser_login(page, "supervisor")
    toggle = page.locator(".menu-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#topbar-menu a[href='/stats/']").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("#topbar-menu a[href='/stats/']").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1366, "height": 768})
    assert not toggle.is_visible() and page.locator("#topbar-menu a[href='/stats/']").is_visible()
    assert errors == []


def test_deleting_a_calendar_day_asks_first(live_server, page, browser_login, db, reference):
    browser_login(page, "admin")
    page.goto(f"{live_server}/admin/calendar")
    page.fill("#day", "2026-12-31")
    page.select_option("#working", "off")
    with page.expect_navigation():
        page.click("main form:not([data-confirm]) button[type=submit]")
    questions: list[str] = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("form[data-confirm] button")
    page.wait_for_timeout(300)
    assert questions and "вы уверены" in questions[0]
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(CalendarDay)).scalar() == 1
    db.session.commit()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("form[data-confirm] button")
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(CalendarDay)).scalar() == 0
    db.session.commit()


def test_focus_goes_to_the_first_field_in_error(live_server, page, browser_login, reference):
    browser_login(page, "operator")
    page.goto(f"{live_server}/calls/new")
    page.fill("#phone", "12-34")
    page.fill("#question", "Когда Дни городов-побратимов?")
    with page.expect_navigation():
        page.click("#save-call")
    assert page.evaluate("document.activeElement.id") == "phone"
    assert page.locator("#phone-error").is_visible()


def test_a_dropped_call_saves_without_a_topic(live_server, page, browser_login, db, reference):
    errors = _errors(page)
    browser_login(page, "operator")
    page.goto(f"{live_server}/calls/new")
    assert page.locator("#topic-hint").is_visible()
    page.fill("#phone", "212-44-86")
    page.keyboard.press("Alt+4")  # Dropped: the line went dead before a word about the topic
    assert page.locator("input[name=outcome][value=dropped]").is_checked()
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.locator(".field-error").count() == 0
    db.session.expire_all()
    call = db.session.execute(select(Call)).scalar_one()
    assert call.outcome is CallOutcome.DROPPED and call.topic_id is None
    assert errors == []


def test_suggestions_follow_a_long_question_and_say_when_they_fail(live_server, page, browser_login, db, reference):
    from hotline.seed.demo import seed_faq

    seed_faq()
    db.session.commit()
    browser_login(page, "operator")
    page.goto(f"{live_server}/calls/new")
    question = "Где получить бюллетень «Побратимы»? " + "Расскажите подробно, пожалуйста. " * 22
    page.fill("#question", question)
    page.wait_for_selector("#faq-suggestions .faq-item:has-text('бюллетень')")
    page.route("**/calls/faq-suggest", lambda route: route.fulfill(status=500, body="boom"))
    page.fill("#question", question + " И ещё вопрос.")
    alert = page.wait_for_selector("#faq-suggestions [role=alert]")
    assert "не загрузились" in alert.inner_text()
    assert page.locator("#faq-suggestions .faq-item").count() == 0  # no stale suggestions left


def test_a_wide_table_scrolls_in_its_own_focusable_box(live_server, page, browser_login, db, reference):
    from tests.factories import make_call

    page.set_viewport_size(PHONE)
    supervisor = browser_login(page, "supervisor")
    for _ in range(3):
        make_call(supervisor)
    db.session.commit()
    page.goto(f"{live_server}/calls/")
    box = page.locator("main .table-wrap").first
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
