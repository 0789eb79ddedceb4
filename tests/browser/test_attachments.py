"""Files in the browser: a coordinator attaches one on the enquiry page and downloads it under its
Cyrillic name; a resident on a phone sends one with the question on the public form."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from hotline.enquiries.routing import route_enquiry
from hotline.models import Attachment, AttachmentSource, Enquiry

from .. import attachment_samples as samples
from .. import factories

SHOTS = Path(__file__).resolve().parent.parent.parent / "instance" / "screenshots"


def test_a_coordinator_attaches_and_downloads_a_file(live_server, page, browser_login, db, reference, tmp_path):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    coordinator = browser_login(page, "coordinator", topics=("youth",))
    enquiry = factories.make_enquiry()
    route_enquiry(enquiry.id)
    db.session.commit()
    assert db.session.get(Enquiry, enquiry.id).assignee_id == coordinator.id

    page.goto(f"{live_server}/enquiries/{enquiry.id}")
    assert page.locator("#attachments-title").inner_text() == "Файлы"
    page.set_input_files("#attachment-file", files=[{"name": "программа.pdf", "mimeType": "application/pdf",
                                                     "buffer": samples.EXE}])
    page.click("button:has-text('Прикрепить')")
    assert "Такие файлы не принимаются" in page.locator("#attachment-error").inner_text()

    page.set_input_files("#attachment-file", files=[{"name": "Приглашение в Дуйсбург.docx", "mimeType":
                                                     "application/octet-stream", "buffer": samples.docx()}])
    page.click("button:has-text('Прикрепить')")
    assert "Файл прикреплён" in page.locator(".flash").inner_text()
    link = page.locator(".attachment-list a")
    assert link.inner_text() == "Приглашение в Дуйсбург.docx"
    assert "DOCX" in page.locator(".attachment-list small").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "attachments-enquiry.png"), full_page=True)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "Приглашение в Дуйсбург.docx"
    saved = tmp_path / "got.docx"
    download.save_as(saved)
    assert saved.read_bytes() == samples.docx()
    assert errors == []


def test_a_resident_sends_a_file_with_the_question(live_server, page, db, reference):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/public/ask")
    page.fill("#name", "Мария Петрова")
    page.fill("#phone", "8 342 200-11-22")
    page.select_option("#topic", "youth")
    page.fill("#question", "Прикладываю приглашение от школы в Оксфорде: что нужно для визы?")
    page.set_input_files("#attachment", files=[{"name": "приглашение.pdf", "mimeType": "application/pdf",
                                                "buffer": samples.PDF}])
    page.check("input[name=consent]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll on a phone
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "attachments-public-form.png"), full_page=True)
    page.click("button:has-text('Отправить вопрос')")
    reference_number = page.locator(".public-reference").inner_text()
    enquiry = db.session.execute(select(Enquiry).where(Enquiry.reference == reference_number)).scalar_one()
    attachment = db.session.execute(select(Attachment).where(Attachment.enquiry_id == enquiry.id)).scalar_one()
    assert (attachment.name, attachment.content_type, attachment.source) == (
        "приглашение.pdf", "application/pdf", AttachmentSource.PUBLIC)
    assert errors == []
