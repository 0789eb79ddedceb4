"""Attachments (SPEC 3, 8.2): typed by their bytes against the allow-list, at most
MAX_ATTACHMENT_MB, stored once per content and removed with their last reference, never
half-saved, served only to those who may see the enquiry — from staff, the public form and the verb
e-mail intake calls."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import filetype
import pytest
from sqlalchemy import select

from hotline.attachments import add_attachment
from hotline.attachments.service import TooLarge, open_attachment, remove_enquiry_attachments
from hotline.attachments.sniffing import sniff
from hotline.attachments.storage import path_of, sweep_orphans
from hotline.calls.service import log_call
from hotline.enquiries import workflow
from hotline.enquiries.routing import route_enquiry
from hotline.errors import ValidationFailed
from hotline.models import (Attachment, AttachmentSource, AuditEntry, Call, Caller, Enquiry, EnquiryEvent,
                            StoredFile)
from hotline.privacy.retention import run_retention
from hotline.privacy.service import erase_caller, export_caller

from . import attachment_samples as samples
from .factories import PASSWORD, call_payload, count, make_coordinator, make_enquiry, make_user
from .test_privacy import LONG_AGO, answered_enquiry, backdate

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def attachment_dir(app, tmp_path):
    """Each test its own ATTACHMENT_DIR, so that what is on disk is what this test put there."""
    folder = tmp_path / "attachments"
    app.config["ATTACHMENT_DIR"] = str(folder)
    return folder


def files_on_disk(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def upload(data: bytes, name: str):
    return {"file": (io.BytesIO(data), name)}


# --- what a file is -------------------------------------------------------------------------

@pytest.mark.parametrize("data, expected", [
    (samples.PDF, "application/pdf"),
    (samples.JPEG, "image/jpeg"),
    (samples.png(), "image/png"),
    (samples.HEIC, "image/heic"),
    (samples.TIFF, "image/tiff"),
    (samples.DOC, "application/msword"),
    (samples.docx(), DOCX),
    (samples.XLS, "application/vnd.ms-excel"),
    (samples.xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (samples.odf(), "application/vnd.oasis.opendocument.text"),
    (samples.odf("application/vnd.oasis.opendocument.spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"),
    (samples.RTF, "application/rtf"),
    (samples.TEXT_UTF8, "text/plain; charset=utf-8"),
    (samples.TEXT_1251, "text/plain; charset=windows-1251"),
    (b"BMW X5, 2019: can it be imported from Duisburg?\n", "text/plain; charset=utf-8"),  # «BM» is a bitmap's magic
], ids=["pdf", "jpeg", "png", "heic", "tiff", "doc", "docx", "xls", "xlsx", "odt", "ods", "rtf", "utf8", "cp1251",
        "text-like-bmp"])
def test_the_allow_list_is_read_from_the_bytes(app, data, expected):
    assert sniff(data) == expected


@pytest.mark.parametrize("data", [
    samples.EXE, samples.ELF, samples.plain_zip(), samples.zip_posing_as_docx(), samples.docm(),
    b"text with a NUL\x00 byte", b"\x1b[31mterminal escapes\x1b[0m", b"",
    samples.DOC[:8] + b"\x00" * 1200,  # an OLE container that is no Word or Excel file (an .msi, say)
], ids=["exe", "elf", "zip", "zip-with-word-folder", "docm", "nul", "escapes", "empty", "ole-other"])
def test_everything_else_is_refused(app, data):
    with pytest.raises(ValidationFailed) as refused:
        sniff(data)
    assert "file" in refused.value.fields


def test_a_zip_is_an_office_document_only_when_its_table_of_contents_says_so(app):
    # filetype reads the first entry's name, so these two look like Word documents to it…
    assert filetype.guess_mime(samples.zip_posing_as_docx()) == DOCX
    assert filetype.guess_mime(samples.docm()) == DOCX
    # …and a real DOCX whose parts come in another order is a plain zip to it.
    reordered = samples._zip([("docProps/app.xml", b"<Properties/>"), ("customXml/item1.xml", b"<x/>"),
                              ("customXml/item2.xml", b"<x/>"), ("customXml/item3.xml", b"<x/>"),
                              ("customXml/item4.xml", b"<x/>"), ("_rels/.rels", samples.RELS),
                              ("word/document.xml", b"<w:document/>"),
                              ("[Content_Types].xml", samples._content_types(
                                  "word/document.xml",
                                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"))])
    assert filetype.guess_mime(reordered) == "application/zip"
    assert sniff(reordered) == DOCX
    with pytest.raises(ValidationFailed):
        sniff(samples.zip_posing_as_docx())
    with pytest.raises(ValidationFailed):
        sniff(samples.docm())


# --- the verb: storage, dedup, nothing half-saved ---------------------------------------------

def test_identical_bytes_are_stored_once_and_shared(app, db, reference, attachment_dir):
    first, second = make_enquiry(), make_enquiry()
    a = add_attachment(first, "письмо.pdf", samples.PDF, "staff", None)
    b = add_attachment(second, "scan.pdf", samples.PDF, AttachmentSource.EMAIL, None)
    c = add_attachment(second, "фото.png", samples.png(), "public", None)
    db.session.commit()
    assert a.stored_file_id == b.stored_file_id != c.stored_file_id
    assert count(db, StoredFile) == 2 and len(files_on_disk(attachment_dir)) == 2
    assert (a.name, b.name) == ("письмо.pdf", "scan.pdf")
    assert path_of(a.stored_file).read_bytes() == samples.PDF
    # the path is the content hash, nothing the sender named
    assert path_of(a.stored_file).name.startswith(a.stored_file.sha256 + ".")
    assert [e.detail for e in db.session.execute(select(EnquiryEvent).where(
        EnquiryEvent.enquiry_id == second.id, EnquiryEvent.kind == "attachment")).scalars()] == [
        {"attachment": b.id, "source": "email"}, {"attachment": c.id, "source": "public"}]


def test_a_senders_name_is_never_a_path(app, db, reference, attachment_dir):
    enquiry = make_enquiry()
    a = add_attachment(enquiry, "..\\..\\..//etc/passwd.pdf", samples.PDF, "email", None)
    b = add_attachment(enquiry, "\x00\n", samples.TEXT_UTF8, "email", None)
    long = add_attachment(enquiry, "о" * 400 + ".docx", samples.docx(), "email", None)
    db.session.commit()
    assert a.name == "passwd.pdf"
    assert b.name == "attachment.txt"
    assert len(long.name) == 255 and long.name.endswith(".docx")
    assert all(attachment_dir in p.parents for p in files_on_disk(attachment_dir))
    assert not (attachment_dir.parent / "etc").exists()


def test_a_rolled_back_transaction_leaves_no_file(app, db, reference, attachment_dir):
    enquiry = make_enquiry()
    db.session.commit()
    add_attachment(enquiry, "a.pdf", samples.PDF, "staff", None)
    assert len(files_on_disk(attachment_dir)) == 1  # written before the commit…
    db.session.rollback()
    assert files_on_disk(attachment_dir) == [] and count(db, Attachment) == 0  # …and gone with the rollback
    add_attachment(enquiry, "a.pdf", samples.PDF, "staff", None)
    db.session.commit()
    assert len(files_on_disk(attachment_dir)) == 1 and count(db, Attachment) == 1


def test_a_removal_rolled_back_keeps_the_file(app, db, reference, attachment_dir):
    enquiry = make_enquiry()
    add_attachment(enquiry, "a.pdf", samples.PDF, "staff", None)
    db.session.commit()
    assert remove_enquiry_attachments([enquiry.id]) == 1
    assert len(files_on_disk(attachment_dir)) == 1  # only removed once the removal commits
    db.session.rollback()
    assert count(db, Attachment) == 1 and len(files_on_disk(attachment_dir)) == 1
    remove_enquiry_attachments([enquiry.id])
    db.session.commit()
    assert count(db, Attachment) == count(db, StoredFile) == 0 and files_on_disk(attachment_dir) == []


CRASH = """
import os, sys
from hotline import create_app
from hotline.attachments import add_attachment
from hotline.extensions import db
from hotline.models import Enquiry
app = create_app("testing")
with app.app_context():
    add_attachment(db.session.get(Enquiry, int(sys.argv[1])), "crash.pdf", open(sys.argv[2], "rb").read(), "email", None)
    db.session.flush()
    os._exit(9)  # killed between writing the file and committing its row
"""


def test_a_process_killed_before_its_commit_leaves_an_orphan_the_sweep_removes(
        app, db, reference, attachment_dir, database_url, redis_url, tmp_path):
    enquiry = make_enquiry()
    kept = add_attachment(enquiry, "kept.png", samples.png(), "staff", None)
    db.session.commit()
    sample = tmp_path / "sample.pdf"
    sample.write_bytes(samples.PDF)
    env = {**os.environ, "TEST_DATABASE_URL": database_url, "TEST_REDIS_URL": redis_url,
           "ATTACHMENT_DIR": str(attachment_dir), "HOTLINE_CONFIG": "testing"}
    env.pop("HOTLINE_INSTANCE", None)
    done = subprocess.run([sys.executable, "-c", CRASH, str(enquiry.id), str(sample)], env=env,
                          cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    db.session.expire_all()
    assert count(db, Attachment) == 1 and len(files_on_disk(attachment_dir)) == 2  # the orphan
    assert sweep_orphans() == 0  # younger than the grace period: its transaction might still be running
    assert sweep_orphans(now=time.time() + 2 * 3600) == 1
    assert files_on_disk(attachment_dir) == [path_of(kept.stored_file)]
    assert open_attachment(make_user("supervisor"), kept.id, via="test").name == "kept.png"


def test_the_nightly_retention_run_sweeps_orphans(app, db, reference, attachment_dir):
    orphan = attachment_dir / "ab" / ("ab" * 32 + ".0123456789abcdef")
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left by a crash")
    stale_temporary = attachment_dir / "ab" / ".incoming-0011223344556677"
    stale_temporary.write_bytes(b"half")
    hour_ago = time.time() - 2 * 3600
    for path in (orphan, stale_temporary):
        os.utime(path, (hour_ago, hour_ago))
    run_retention()
    assert files_on_disk(attachment_dir) == []


def test_over_the_limit_is_too_large_and_writes_nothing(app, db, reference, attachment_dir):
    app.config["MAX_ATTACHMENT_MB"] = 1
    enquiry = make_enquiry()
    exactly = samples.PDF + b"\n" * (1024 * 1024 - len(samples.PDF))
    add_attachment(enquiry, "ok.pdf", exactly, "staff", None)
    with pytest.raises(TooLarge) as refused:
        add_attachment(enquiry, "big.pdf", exactly + b"\n", "staff", None)
    assert refused.value.status == 413 and "1 МБ" in str(refused.value.message)
    assert count(db, Attachment) == 1 and len(files_on_disk(attachment_dir)) == 1


# --- the API ------------------------------------------------------------------------------------

def routed(db, operator=None, topic="youth"):
    enquiry = make_enquiry(operator, topic_code=topic)
    route_enquiry(enquiry.id)
    db.session.commit()
    return enquiry


def test_upload_through_the_api_and_the_enquiry_lists_it(app, db, api, reference, attachment_dir):
    coordinator = api("coordinator", topics=("youth",))
    enquiry = routed(db)
    response = coordinator.post(f"/api/v1/enquiries/{enquiry.id}/attachments",
                                data=upload(samples.docx(), "Заявление.docx"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body == {"id": body["id"], "name": "Заявление.docx", "type": DOCX, "size": len(samples.docx())}
    by_reference = coordinator.get(f"/api/v1/enquiries/{enquiry.reference}").get_json()
    assert by_reference["attachments"] == [body]
    assert by_reference["trail"][-1]["kind"] == "attachment"
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "attach")).scalar_one()
    assert entry.object_id == body["id"] and entry.actor_id == coordinator.user.id
    assert "Заявление" not in str(entry.detail)  # the audit log outlives erasure: no file names in it


@pytest.mark.parametrize("data, name", [
    (samples.EXE, "справка.pdf"),  # a program's bytes under a document's name
    (samples.plain_zip(), "договор.docx"),  # a zip renamed
    (samples.zip_posing_as_docx(), "договор.docx"),
    (b"\x00\x01\x02\x03" * 64, "notes.txt"),
])
def test_the_api_refuses_what_is_not_on_the_list_with_422(app, db, api, reference, attachment_dir, data, name):
    supervisor = api("supervisor")
    enquiry = routed(db)
    response = supervisor.post(f"/api/v1/enquiries/{enquiry.id}/attachments", data=upload(data, name))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and "file" in error["fields"]
    assert count(db, Attachment) == count(db, StoredFile) == 0 and files_on_disk(attachment_dir) == []


def test_the_api_answers_413_over_the_limit(app, db, api, reference, attachment_dir):
    app.config["MAX_ATTACHMENT_MB"] = 1
    supervisor = api("supervisor")
    enquiry = routed(db)
    just_over = samples.PDF + b"\n" * (1024 * 1024)
    response = supervisor.post(f"/api/v1/enquiries/{enquiry.id}/attachments", data=upload(just_over, "big.pdf"))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large" and "file" in response.get_json()["error"]["fields"]
    # far over: refused before the body is read
    huge = supervisor.post(f"/api/v1/enquiries/{enquiry.id}/attachments", data=upload(b"%PDF" + b"\0" * (4 << 20), "x.pdf"))
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "too_large"
    assert count(db, Attachment) == 0 and files_on_disk(attachment_dir) == []


def test_the_api_wants_a_file(app, db, api, reference):
    supervisor = api("supervisor")
    enquiry = routed(db)
    response = supervisor.post(f"/api/v1/enquiries/{enquiry.id}/attachments", data={"other": "x"})
    assert response.status_code == 422 and "file" in response.get_json()["error"]["fields"]
    assert supervisor.post("/api/v1/enquiries/999999/attachments",
                           data=upload(samples.PDF, "a.pdf")).status_code == 404


def test_a_download_is_an_attachment_with_the_sniffed_type_and_its_name_in_rfc_5987(
        app, db, api, reference, attachment_dir):
    supervisor = api("supervisor")
    enquiry = routed(db)
    a = add_attachment(enquiry, "Справка о доходах.pdf", samples.PDF, "email", None)
    t = add_attachment(enquiry, "письмо.txt", samples.TEXT_1251, "email", None)
    plain = add_attachment(enquiry, 'report "final".pdf', samples.PDF + b"%", "email", None)
    db.session.commit()
    response = supervisor.get(f"/api/v1/attachments/{a.id}")
    assert response.status_code == 200 and response.data == samples.PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"attachment-{a.id}.pdf\"; filename*=UTF-8''{quote('Справка о доходах.pdf')}")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "no-store" in response.headers["Cache-Control"]
    text = supervisor.get(f"/api/v1/attachments/{t.id}")
    assert text.headers["Content-Type"] == "text/plain; charset=windows-1251"
    assert text.data.decode("windows-1251").startswith("Здравствуйте")
    quoted = supervisor.get(f"/api/v1/attachments/{plain.id}").headers["Content-Disposition"]
    assert quoted.startswith(f'attachment; filename="attachment-{plain.id}.pdf"; filename*=UTF-8\'\'report%20%22final')
    downloads = db.session.execute(select(AuditEntry).where(AuditEntry.action == "download")).scalars().all()
    assert [(d.object_type, d.object_id, d.actor_id, d.detail["via"]) for d in downloads] == [
        ("attachment", a.id, supervisor.user.id, "api"), ("attachment", t.id, supervisor.user.id, "api"),
        ("attachment", plain.id, supervisor.user.id, "api")]


def test_an_ascii_name_is_its_own_fallback(app, db, api, reference):
    supervisor = api("supervisor")
    enquiry = routed(db)
    a = add_attachment(enquiry, "scan-2026.png", samples.png(), "email", None)
    db.session.commit()
    assert supervisor.get(f"/api/v1/attachments/{a.id}").headers["Content-Disposition"] == \
        "attachment; filename=\"scan-2026.png\"; filename*=UTF-8''scan-2026.png"


# --- who may see them ---------------------------------------------------------------------------

def test_only_those_who_may_see_the_enquiry_get_its_files_everyone_else_404(app, db, api, client, reference):
    """Every role, through the API and the page: the attachment follows its enquiry."""
    creator = make_user("operator")
    first = make_coordinator(topics=("youth",))
    colleague = make_coordinator(topics=("youth",))  # same group, not the assignee
    db.session.commit()
    enquiry = routed(db, creator)
    attachment = add_attachment(enquiry, "письмо.pdf", samples.PDF, "public", None)
    db.session.commit()
    enquiry = db.session.get(Enquiry, enquiry.id)
    assert enquiry.assignee_id in (first.id, colleague.id)
    people = {
        "the operator who logged it": (creator, 200),
        "another operator": (make_user("operator"), 404),
        "the assignee": (enquiry.assignee, 200),
        "a coordinator of its group": (colleague if enquiry.assignee_id == first.id else first, 200),
        "a coordinator of another topic": (make_coordinator(topics=("culture",)), 404),
        "a supervisor": (make_user("supervisor"), 200),
    }
    people["an administrator"] = (make_user("admin"), 404)  # SPEC 10: only through the privacy pages
    from hotline.auth.service import issue_token

    tokens = {label: issue_token(user) for label, (user, _status) in people.items()}
    db.session.commit()
    for label, (user, expected) in people.items():
        headers = {"Authorization": f"Bearer {tokens[label]}"}
        response = client.get(f"/api/v1/attachments/{attachment.id}", headers=headers)
        assert response.status_code == expected, (label, "api", response.status_code)
        listed = client.get(f"/api/v1/enquiries/{enquiry.id}", headers=headers)
        assert (listed.status_code == 200) == (expected == 200), (label, "enquiry")
        if expected == 200:
            assert [a["id"] for a in listed.get_json()["attachments"]][:1] == [attachment.id]
        uploaded = client.post(f"/api/v1/enquiries/{enquiry.id}/attachments", headers=headers,
                               data=upload(samples.TEXT_UTF8, "note.txt"))
        assert uploaded.status_code == (201 if expected == 200 else 404), (label, "upload", uploaded.status_code)
        client.post("/logout")
        assert client.post("/login", data={"login": user.login, "password": PASSWORD}).status_code == 302
        page = client.get(f"/attachments/{attachment.id}")
        assert page.status_code == expected, (label, "page", page.status_code)
        if expected == 404:
            assert "письмо" not in page.get_data(as_text=True)
    missing = client.get("/attachments/999999")
    assert missing.status_code == 404
    client.post("/logout")
    assert client.get(f"/attachments/{attachment.id}").status_code == 302  # signed out: to the login page
    assert client.get(f"/api/v1/attachments/{attachment.id}").status_code == 401


# --- the enquiry page ---------------------------------------------------------------------------

def test_staff_attach_a_file_on_the_enquiry_page(app, db, client, login_as, reference, attachment_dir):
    coordinator = login_as("coordinator", topics=("youth",))
    enquiry = routed(db)
    assert db.session.get(Enquiry, enquiry.id).assignee_id == coordinator.id
    response = client.post(f"/enquiries/{enquiry.id}/attachments", data=upload(samples.TEXT_1251, "Ответ.txt"))
    assert response.status_code == 302
    page = client.get(f"/enquiries/{enquiry.id}").get_data(as_text=True)
    a = db.session.execute(select(Attachment)).scalar_one()
    assert "Файл прикреплён" in page
    assert f'href="/attachments/{a.id}"' in page and "Ответ.txt" in page and "TXT" in page
    assert a.source is AttachmentSource.STAFF and a.created_by_id == coordinator.id
    download = client.get(f"/attachments/{a.id}")
    assert download.status_code == 200 and download.data == samples.TEXT_1251
    assert "filename*=UTF-8''%D0%9E%D1%82%D0%B2%D0%B5%D1%82.txt" in download.headers["Content-Disposition"]
    assert db.session.execute(select(AuditEntry.detail).where(AuditEntry.action == "download")).scalar_one() == {
        "enquiry": enquiry.id, "via": "page"}


def test_the_enquiry_page_says_what_is_wrong_with_a_file(app, db, client, login_as, reference, attachment_dir):
    login_as("coordinator", topics=("youth",))
    enquiry = routed(db)
    refused = client.post(f"/enquiries/{enquiry.id}/attachments", data=upload(samples.EXE, "акт.pdf"))
    assert refused.status_code == 422
    assert "Такие файлы не принимаются" in refused.get_data(as_text=True)
    app.config["MAX_ATTACHMENT_MB"] = 1
    big = client.post(f"/enquiries/{enquiry.id}/attachments", data=upload(samples.PDF + b"\n" * (1 << 20), "a.pdf"))
    assert big.status_code == 413 and "Файл больше 1 МБ" in big.get_data(as_text=True)
    nothing = client.post(f"/enquiries/{enquiry.id}/attachments", data={})
    assert nothing.status_code == 422 and "Выберите файл" in nothing.get_data(as_text=True)
    assert count(db, Attachment) == 0 and files_on_disk(attachment_dir) == []


# --- the public form ----------------------------------------------------------------------------

def public_form(**overrides):
    form = {"name": "Мария Петрова", "phone": "8 342 200-11-22", "topic": "youth", "city": "oxford",
            "question": "Как попасть на летнюю школу в Оксфорде?", "consent": "yes", "language": "ru"}
    form.update(overrides)
    return form


def test_a_resident_attaches_a_file_to_the_question(app, db, client, reference, attachment_dir):
    response = client.post("/public/ask", data={**public_form(), "attachment": (io.BytesIO(samples.png()), "паспорт.png")})
    assert response.status_code == 303, response.get_data(as_text=True)
    enquiry = db.session.execute(select(Enquiry)).scalar_one()
    a = db.session.execute(select(Attachment)).scalar_one()
    assert (a.enquiry_id, a.name, a.source, a.created_by_id) == (enquiry.id, "паспорт.png", AttachmentSource.PUBLIC, None)
    assert a.content_type == "image/png" and len(files_on_disk(attachment_dir)) == 1
    # without a file the form works as before
    assert client.post("/public/ask", data=public_form(phone="+73422001123")).status_code == 303
    assert count(db, Enquiry) == 2 and count(db, Attachment) == 1


def test_the_public_form_refuses_a_bad_file_with_every_other_error_and_saves_nothing(
        app, db, client, reference, attachment_dir):
    response = client.post("/public/ask", data={**public_form(consent=""),
                                                "attachment": (io.BytesIO(samples.EXE), "заявление.pdf")})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="attachment-error"' in text and 'id="consent-error"' in text
    assert "Мария Петрова" in text  # what was typed stays
    app.config["MAX_ATTACHMENT_MB"] = 1
    big = client.post("/public/ask", data={**public_form(), "attachment": (io.BytesIO(samples.PDF + b"\n" * (1 << 20)), "a.pdf")})
    assert big.status_code == 413 and "Файл больше 1 МБ" in big.get_data(as_text=True)
    # a good file with a bad form: the file is not kept, and the resident is told to choose it again
    again = client.post("/public/ask", data={**public_form(question=""), "attachment": (io.BytesIO(samples.PDF), "a.pdf")})
    assert again.status_code == 422 and "Выберите файл ещё раз" in again.get_data(as_text=True)
    assert count(db, Call) == count(db, Enquiry) == count(db, Attachment) == 0
    assert files_on_disk(attachment_dir) == []


# --- privacy: erasure and retention take the files too ------------------------------------------

def test_erasure_removes_a_residents_files_and_a_shared_file_only_with_its_last_reference(
        app, db, reference, attachment_dir):
    operator, coordinator = make_user("operator"), make_coordinator(topics=("youth",))
    supervisor = make_user("supervisor")
    anna = answered_enquiry(operator, coordinator, phone="+73422111111", name="Анна")
    boris = answered_enquiry(operator, coordinator, phone="+73422222222", name="Борис")
    shared_a = add_attachment(anna, "приглашение.pdf", samples.PDF, "email", None)  # the same invitation,
    shared_b = add_attachment(boris, "invitation.pdf", samples.PDF, "email", None)  # sent by both
    own = add_attachment(anna, "паспорт.png", samples.png(), "public", None)
    db.session.commit()
    shared_path, own_path = path_of(shared_a.stored_file), path_of(own.stored_file)
    export = export_caller(supervisor, db.session.get(Caller, anna.caller_id))
    assert sorted(a["name"] for a in export["enquiries"][0]["attachments"]) == ["паспорт.png", "приглашение.pdf"]

    erase_caller(supervisor, db.session.get(Caller, anna.caller_id), "заявление № 7")
    assert own_path.exists()  # until the erasure commits
    db.session.commit()
    assert not own_path.exists() and shared_path.exists()
    assert db.session.execute(select(Attachment.id)).scalars().all() == [shared_b.id]
    assert open_attachment(supervisor, shared_b.id, via="test").stored_file.sha256 == shared_b.stored_file.sha256

    erase_caller(supervisor, db.session.get(Caller, boris.caller_id), "заявление № 8")
    db.session.commit()
    assert count(db, Attachment) == count(db, StoredFile) == 0 and files_on_disk(attachment_dir) == []


def test_retention_removes_the_files_of_old_enquiries(app, db, reference, attachment_dir):
    operator, coordinator = make_user("operator"), make_coordinator(topics=("youth",))
    old = answered_enquiry(operator, coordinator, phone="+73422111111", name="Анна", started_at=LONG_AGO)
    recent = answered_enquiry(operator, coordinator, phone="+73422222222", name="Борис")
    add_attachment(old, "old.pdf", samples.PDF, "email", None)
    keep = add_attachment(recent, "new.png", samples.png(), "email", None)
    backdate(db, old, LONG_AGO)
    db.session.commit()
    run_retention()
    assert db.session.execute(select(Attachment.id)).scalars().all() == [keep.id]
    assert files_on_disk(attachment_dir) == [path_of(keep.stored_file)]
    # an old enquiry whose texts are already blank still gives up a file added to it later
    add_attachment(old, "late.pdf", samples.PDF, "staff", None)
    db.session.commit()
    assert run_retention().enquiries == 1
    assert db.session.execute(select(Attachment.id)).scalars().all() == [keep.id]


def test_email_intake_can_attach_through_the_verb(app, db, reference, attachment_dir):
    """What e-mail intake does with a message's parts: the verb, source `email`, no actor."""
    call = log_call(make_user("operator"), call_payload(channel="email", caller={"email": "anna@example.org"}))
    a = add_attachment(call.enquiry, "письмо.pdf", samples.PDF, "email", None)
    with pytest.raises(ValidationFailed):
        add_attachment(call.enquiry, "invoice.pdf.exe", samples.EXE, "email", None)
    db.session.commit()
    assert a.source is AttachmentSource.EMAIL and a.created_by_id is None
    assert count(db, Attachment) == 1


# --- two at once ------------------------------------------------------------------------------

def _in_own_session(app, work, errors):
    def run():
        try:
            with app.app_context():
                work()
                db_.session.commit()
        except Exception as exc:  # reported to the test, which fails on it
            errors.append(exc)
        finally:
            with app.app_context():
                db_.session.remove()

    from hotline.extensions import db as db_

    return threading.Thread(target=run)


def test_the_same_bytes_stored_twice_at_once_make_one_file(app, db, reference, attachment_dir):
    first, second = make_enquiry(), make_enquiry()
    db.session.commit()
    flushed, errors = threading.Event(), []

    def slow():
        add_attachment(db.session.get(Enquiry, first.id), "a.pdf", samples.PDF, "email", None)
        flushed.set()
        time.sleep(0.5)  # the row is written, not yet committed, while the other stores the same bytes

    def quick():
        flushed.wait(10)
        add_attachment(db.session.get(Enquiry, second.id), "b.pdf", samples.PDF, "email", None)

    threads = [_in_own_session(app, slow, errors), _in_own_session(app, quick, errors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    db.session.expire_all()
    assert count(db, Attachment) == 2 and count(db, StoredFile) == 1
    stored = db.session.execute(select(StoredFile)).scalar_one()
    assert files_on_disk(attachment_dir) == [path_of(stored)]


def test_a_file_removed_while_the_same_bytes_arrive_again_is_stored_anew(app, db, reference, attachment_dir):
    old, new = make_enquiry(), make_enquiry()
    add_attachment(old, "a.pdf", samples.PDF, "email", None)
    db.session.commit()
    locked, errors = threading.Event(), []

    def removal():
        remove_enquiry_attachments([old.id])
        locked.set()
        time.sleep(0.5)  # holds the stored file while the same bytes come in for another enquiry

    def arrival():
        locked.wait(10)
        add_attachment(db.session.get(Enquiry, new.id), "b.pdf", samples.PDF, "email", None)

    threads = [_in_own_session(app, removal, errors), _in_own_session(app, arrival, errors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    db.session.expire_all()
    attachment = db.session.execute(select(Attachment)).scalar_one()
    assert attachment.enquiry_id == new.id
    assert files_on_disk(attachment_dir) == [path_of(attachment.stored_file)]
    assert path_of(attachment.stored_file).read_bytes() == samples.PDF


def test_openapi_describes_the_attachment_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    upload_op = paths["/enquiries/{id}/attachments"]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    assert {"201", "413", "422"} <= set(upload_op["responses"])
    assert "404" in paths["/attachments/{id}"]["get"]["responses"]


def test_the_demo_shows_files_on_two_open_enquiries(app, db, attachment_dir):
    from hotline.seed.demo import seed_demo

    assert seed_demo(calls_days=3, calls_per_day=20)["attachments"] == 2
    db.session.commit()
    shown = db.session.execute(select(Attachment).order_by(Attachment.id)).scalars().all()
    assert [a.content_type for a in shown] == ["text/plain; charset=windows-1251", "application/pdf"]
    assert all(a.enquiry.is_open for a in shown) and len(files_on_disk(attachment_dir)) == 2
    assert seed_demo(calls_days=3, calls_per_day=20)["attachments"] == 0


def test_an_upload_is_limited_before_the_csrf_check_reads_it(app, db, client, login_as, reference, attachment_dir):
    """With CSRF on (as in production): the body of an oversized upload is refused unread (413),
    not parsed whole by the CSRF check first; a normal upload without a token is still refused."""
    login_as("coordinator", topics=("youth",))
    enquiry = routed(db)
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["MAX_ATTACHMENT_MB"] = 1
    huge = client.post(f"/enquiries/{enquiry.id}/attachments", data=upload(b"%PDF" + b"\n" * (4 << 20), "a.pdf"))
    assert huge.status_code == 413
    public = client.post("/public/ask", data={**public_form(), "attachment": (io.BytesIO(b"\n" * (4 << 20)), "a.txt")})
    assert public.status_code == 413
    tokenless = client.post(f"/enquiries/{enquiry.id}/attachments", data=upload(samples.PDF, "a.pdf"))
    assert tokenless.status_code == 400
    assert count(db, Attachment) == 0 and files_on_disk(attachment_dir) == []


def test_mail_intake_hands_its_files_to_the_verb_and_leaves_out_what_it_refuses(app, db, reference, attachment_dir):
    from hotline.mail.intake import hand_over_attachments
    from hotline.mail.parsing import AttachmentPart

    enquiry = make_enquiry()
    added = hand_over_attachments(enquiry, [
        AttachmentPart("приглашение.pdf", samples.PDF, "application/pdf", False),
        AttachmentPart("invoice.pdf.exe", samples.EXE, "application/octet-stream", False),
        AttachmentPart("logo.png", samples.png(), "image/png", True),
    ])
    db.session.commit()
    assert added == 2
    shown = db.session.execute(select(Attachment).order_by(Attachment.id)).scalars().all()
    assert [(a.name, a.source, a.created_by_id) for a in shown] == [
        ("приглашение.pdf", AttachmentSource.EMAIL, None), ("logo.png", AttachmentSource.EMAIL, None)]
    assert len(files_on_disk(attachment_dir)) == 2
