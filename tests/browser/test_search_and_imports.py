"""Issue 14 in the browser: `/` focuses the top bar's search, Enter shows the results, the arrow
keys and Enter open a hit; an admin's import shows its progress bar filling as the job runs."""
from __future__ import annotations


import re

from rq import SimpleWorker

from hotline.models import EnquiryStatus, ImportJob, ImportStatus, utcnow
from hotline.queue import get_queue

from .. import factories


def test_search_from_the_keyboard(live_server, page, browser_login, db, reference):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    coordinator = browser_login(page, "coordinator", topics=("youth",))
    enquiry = factories.make_enquiry(question="Как подать заявку на обмен с городами-побратимами?")
    enquiry.status, enquiry.assignee_id, enquiry.assigned_at = EnquiryStatus.ASSIGNED, coordinator.id, utcnow()
    db.session.commit()
    page.goto(f"{live_server}/enquiries/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.hasAttribute('data-search-box')")
    page.keyboard.type("побратимов")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/search?q=" in page.url
    assert page.locator("#search-count").inner_text() == "Найдено 2 результата."  # the enquiry and its call
    assert page.locator("#search-hits mark").first.inner_text() == "побратимами"
    page.keyboard.press("ArrowDown")  # from the results' own box to the first hit, then on
    focused = [page.evaluate("document.activeElement.textContent").strip()]
    page.keyboard.press("ArrowDown")
    focused.append(page.evaluate("document.activeElement.textContent").strip())
    assert enquiry.reference in focused and len(set(focused)) == 2
    if focused[-1] != enquiry.reference:
        page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.textContent").strip() == enquiry.reference
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/enquiries/{enquiry.id}")
    # typing "/" into a field is typing, not a jump to the search
    page.goto(f"{live_server}/search?q=x")
    page.fill("input[name=q][data-search-results]", "")
    page.focus("input[name=q][data-search-results]")
    page.keyboard.type("a/b")
    assert page.input_value("input[name=q][data-search-results]") == "a/b"
    assert errors == []


def test_the_import_progress_bar(live_server, page, browser_login, db, reference, app):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    app.config["IMPORT_BATCH"] = 2
    browser_login(page, "admin")
    page.goto(f"{live_server}/admin/imports/")
    rows = "".join(f"2025-03-0{1 + i % 9} 10:{i:02d},youth,answered,Вопрос номер {i}\n" for i in range(12))
    page.set_input_files("#import-file", files=[{"name": "звонки.csv", "mimeType": "text/csv",
                                                  "buffer": ("started_at,topic,outcome,question\n" + rows).encode()}])
    with page.expect_navigation():
        page.click("button:has-text('Проверить файл')")
    assert "в порядке" in page.locator(".flash-success").inner_text()
    with page.expect_navigation():
        page.click("#import-start")
    assert page.locator("#import-progress").get_attribute("data-status") == "queued"
    job_id = int(re.search(r"/admin/imports/(\d+)", page.url).group(1))
    db.session.commit()
    SimpleWorker([get_queue()], connection=get_queue().connection).work(burst=True)
    db.session.expire_all()
    assert db.session.get(ImportJob, job_id).status is ImportStatus.DONE
    # the page polls the progress fragment: it fills without a reload and then stops polling
    page.wait_for_selector("#import-progress[data-status=done]", timeout=5000)
    assert page.locator("#import-progress progress").get_attribute("value") == "100"
    assert "загружено 12" in page.locator("#import-progress").inner_text()
    assert page.locator("#import-progress").get_attribute("hx-trigger") is None
    assert errors == []

