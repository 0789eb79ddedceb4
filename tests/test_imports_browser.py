"""Imports people run themselves (issue 14): an admin uploads CSV or XLSX of historical calls or FAQ
entries; the preview lists the bad rows in Russian and saves nothing; the job (RQ, for real) checks
every row, writes in committed batches with its progress in the database, can be cancelled, and
the same file twice adds nothing. The CLI `import-calls` takes XLSX too."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from rq import SimpleWorker

from hotline.models import Call, FaqEntry, FaqStatus, ImportJob, ImportStatus
from hotline.queue import get_queue

from .factories import PASSWORD, count, make_user

GOOD = ("started_at,topic,outcome,phone,caller_name,question\n"
        "2025-03-01 10:00,youth,answered,+79123334455,Ольга Смирнова,Где расписание фестиваля?\n"
        "2025-03-01 11:00,archives,answered,,,Как получить архивную справку?\n"
        "2025-03-02 09:30,youth,answered,+79123334455,Ольга Смирнова,Когда начнётся обмен?\n")
BROKEN = ("started_at,topic,outcome,question\n"
          "2025-03-01 10:00,youth,answered,Хороший вопрос\n"
          "вчера,youth,answered,Плохая дата\n"
          "2025-03-01 12:00,astronomy,answered,Нет такой темы\n")


@pytest.fixture
def admin(client, db, reference):
    user = make_user("admin")
    db.session.commit()
    assert client.post("/login", data={"login": user.login, "password": PASSWORD}).status_code == 302
    return user


def _upload(client, kind, name, data: bytes):
    response = client.post("/admin/imports/", data={"kind": kind, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.search(r"/admin/imports/(\d+)$", response.headers["Location"]).group(1))


def _work(app):
    SimpleWorker([get_queue()], connection=get_queue().connection).work(burst=True)


def test_the_preview_lists_bad_rows_in_russian_and_saves_nothing(client, db, admin):
    job_id = _upload(client, "calls", "история.csv", BROKEN.encode())
    page = client.get(f"/admin/imports/{job_id}").get_data(as_text=True)
    assert "Ничего не сохранено" in page
    assert "started_at: не дата и время: «вчера»" in page and "topic: неизвестный код темы «astronomy»" in page
    assert re.search(r"<td class=\"num\">3</td><td>started_at", page)  # the row's line in the file
    assert count(db, Call) == 0
    response = client.post(f"/admin/imports/{job_id}/start")
    assert response.status_code == 303
    assert "исправьте файл" in client.get(f"/admin/imports/{job_id}").get_data(as_text=True)
    assert db.session.get(ImportJob, job_id).status is ImportStatus.PREVIEW and count(db, Call) == 0


def test_a_wrong_file_is_refused_with_a_reason(client, db, admin):
    response = client.post("/admin/imports/", data={"kind": "calls", "file": (io.BytesIO(b"MZ\x90"), "calls.exe")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Нужен файл CSV или XLSX." in response.get_data(as_text=True)
    response = client.post("/admin/imports/", data={"kind": "calls"}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Выберите файл." in response.get_data(as_text=True)
    job_id = _upload(client, "calls", "x.csv", b"started_at,planet\n2025-01-01,mars\n")
    assert "Не хватает столбцов: topic, outcome" in client.get(f"/admin/imports/{job_id}").get_data(as_text=True)


def test_the_job_imports_with_progress_and_the_same_file_twice_adds_nothing(app, client, db, admin):
    job_id = _upload(client, "calls", "calls.csv", GOOD.encode())
    client.post(f"/admin/imports/{job_id}/start")
    assert db.session.get(ImportJob, job_id).status is ImportStatus.QUEUED
    assert 'hx-trigger="every 1s"' in client.get(f"/admin/imports/{job_id}/progress").get_data(as_text=True)
    _work(app)
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    assert (job.status, job.imported, job.skipped, job.total_rows, job.percent) == (ImportStatus.DONE, 3, 0, 3, 100)
    assert count(db, Call) == 3
    fragment = client.get(f"/admin/imports/{job_id}/progress").get_data(as_text=True)
    assert 'value="100"' in fragment and "hx-trigger" not in fragment  # polling stops once it ended
    again = _upload(client, "calls", "calls-again.csv", GOOD.encode())
    client.post(f"/admin/imports/{again}/start")
    _work(app)
    db.session.expire_all()
    job = db.session.get(ImportJob, again)
    assert (job.status, job.imported, job.skipped) == (ImportStatus.DONE, 0, 3)
    assert count(db, Call) == 3


def test_cancelling_stops_between_batches_and_a_rerun_finishes_it(app, client, db, admin, monkeypatch):
    app.config["IMPORT_BATCH"] = 1
    from hotline.imports import service

    job_id = _upload(client, "calls", "calls.csv", GOOD.encode())
    client.post(f"/admin/imports/{job_id}/start")
    real = service._progress

    def cancel_after_first_batch(job, **values):
        real(job, **values)
        if values.get("processed_rows") == 1:
            real(job, cancel_requested=True)  # as if the admin pressed Cancel meanwhile

    monkeypatch.setattr(service, "_progress", cancel_after_first_batch)
    _work(app)
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    assert job.status is ImportStatus.CANCELLED and count(db, Call) == 1  # the committed batch stays
    monkeypatch.setattr(service, "_progress", real)
    again = _upload(client, "calls", "calls.csv", GOOD.encode())
    client.post(f"/admin/imports/{again}/start")
    _work(app)
    db.session.expire_all()
    job = db.session.get(ImportJob, again)
    assert (job.status, job.imported, job.skipped) == (ImportStatus.DONE, 2, 1) and count(db, Call) == 3
    queued = _upload(client, "calls", "calls.csv", GOOD.encode())
    client.post(f"/admin/imports/{queued}/start")
    client.post(f"/admin/imports/{queued}/cancel")
    _work(app)
    db.session.expire_all()
    assert db.session.get(ImportJob, queued).status is ImportStatus.CANCELLED


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_faq_entries_from_xlsx(app, client, db, admin):
    data = _xlsx([("question", "answer", "topic", "status", "wordings"),
                  ("Как попасть в обмен?", "Подайте анкету.", "youth", "published", "обмен; поездка"),
                  ("Где архив?", "На Петропавловской.", "archives", "", "")])
    job_id = _upload(client, "faq", "faq.xlsx", data)
    client.post(f"/admin/imports/{job_id}/start")
    _work(app)
    db.session.expire_all()
    assert db.session.get(ImportJob, job_id).imported == 2
    entries = {e.question: e for e in db.session.query(FaqEntry).all()}
    assert entries["Как попасть в обмен?"].status is FaqStatus.PUBLISHED
    assert [w.text for w in entries["Как попасть в обмен?"].wordings] == ["обмен", "поездка"]
    assert entries["Где архив?"].status is FaqStatus.DRAFT
    bad = _upload(client, "faq", "bad.xlsx", _xlsx([("question", "answer", "topic"), ("", "Ответ", "nowhere")]))
    page = client.get(f"/admin/imports/{bad}").get_data(as_text=True)
    assert "question:" in page and "topic:" in page


def test_the_cli_takes_xlsx(app, db, reference, tmp_path):
    path = tmp_path / "calls.xlsx"
    path.write_bytes(_xlsx([("started_at", "topic", "outcome", "question"),
                            ("2025-03-01 10:00", "youth", "answered", "Вопрос из Excel")]))
    result = app.test_cli_runner().invoke(args=["import-calls", str(path)])
    assert result.exit_code == 0, result.output
    assert count(db, Call, Call.question == "Вопрос из Excel") == 1
    result = app.test_cli_runner().invoke(args=["import-calls", str(path)])  # again: nothing added
    assert count(db, Call, Call.question == "Вопрос из Excel") == 1


def test_only_admins_import(client, db, reference):
    supervisor = make_user("supervisor")
    db.session.commit()
    client.post("/login", data={"login": supervisor.login, "password": PASSWORD})
    assert client.get("/admin/imports/").status_code == 403
