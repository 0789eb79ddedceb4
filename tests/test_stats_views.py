"""The dashboard, `GET /api/v1/stats`, exports (inline and through the RQ worker) and who may
read statistics."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from hotline.workers import make_worker

from .test_stats import crafted  # noqa: F401  (the crafted data set fixture)

PERIOD = "from=2025-06-09&to=2025-06-16"


def test_api_returns_every_figure_with_period_and_filters(api, crafted):  # noqa: F811
    response = api("supervisor").get(f"/api/v1/stats?{PERIOD}&topic=youth")
    assert response.status_code == 200
    body = response.get_json()
    assert body["period"]["from"] == "2025-06-09" and body["period"]["to"] == "2025-06-16"
    assert body["filters"]["topic"] == "youth"
    for key in ("calls", "fcr", "aht_seconds", "enquiries", "time_to_assign", "time_to_answer", "sla_compliance",
                "backlog_aging", "coordinators", "operators", "faq"):
        assert key in body
    assert body["calls"]["total"] == 8
    assert len(body["calls"]["heatmap"]) == 7 and all(len(row) == 24 for row in body["calls"]["heatmap"])
    assert set(body["calls"]) >= {"total", "by_day", "by_topic", "by_city", "by_channel", "by_outcome",
                                  "by_operator", "heatmap"}


@pytest.mark.parametrize("query, status, field", [
    ("from=2025-13-01&to=2025-06-16", 400, "from"),
    ("from=2025-06-09&to=junk", 400, "to"),
    ("from=2025-06-16&to=2025-06-09", 422, "to"),
    ("from=2025-06-09", 422, "to"),
    ("period=decade", 422, "period"),
    (f"{PERIOD}&topic=nope", 422, "topic"),
    (f"{PERIOD}&operator=nobody", 422, "operator"),
])
def test_api_rejects_bad_periods_and_filters(api, reference, query, status, field):
    response = api("supervisor").get(f"/api/v1/stats?{query}")
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["message"] and field in error["fields"]


@pytest.mark.parametrize("role, status", [("operator", 403), ("coordinator", 403), ("supervisor", 200),
                                          ("admin", 200)])
def test_only_supervisors_and_admins_read_statistics(api, login_as, client, reference, role, status):
    assert api(role).get("/api/v1/stats?period=7d").status_code == status
    login_as(role)
    assert client.get("/stats/?period=7d").status_code == status
    assert client.get("/stats/export/summary.csv?period=7d").status_code == status
    assert client.get("/stats/live").status_code == status


def test_anonymous_is_sent_to_login(client):
    response = client.get("/stats/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/api/v1/stats").status_code == 401


def test_dashboard_shows_figures_and_keeps_filters_in_the_url(login_as, client, crafted):  # noqa: F811
    login_as("supervisor")
    response = client.get(f"/stats/?{PERIOD}&topic=youth")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-kpi="calls">8<' in page
    assert 'data-chart="' in page and "chart.umd.min.js" in page
    assert "from=2025-06-09" in page and "topic=youth" in page  # export links carry the period and filters
    assert 'id="table-coordinators"' in page and "co-x" in page


def test_dashboard_reports_a_bad_date_and_falls_back(login_as, client, reference):
    login_as("supervisor")
    response = client.get("/stats/?from=2025-02-30&to=2025-03-01")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_csv_export_matches_the_figures(login_as, client, crafted):  # noqa: F811
    login_as("supervisor")
    response = client.get(f"/stats/export/calls_by_day.csv?{PERIOD}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows[0]) == 3
    assert rows[1:] == [["2025-06-09", "1", "1"], ["2025-06-10", "2", "0"], ["2025-06-11", "2", "0"],
                        ["2025-06-12", "1", "1"], ["2025-06-13", "2", "0"], ["2025-06-14", "1", "0"],
                        ["2025-06-15", "1", "1"]]


def test_xlsx_export_holds_every_table(login_as, client, crafted):  # noqa: F811
    login_as("supervisor")
    response = client.get(f"/stats/export/all.xlsx?{PERIOD}&lang=en")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert {"summary", "heatmap", "coordinators", "operators", "faq_top", "faq_never_used"} <= set(book.sheetnames)
    coordinators = [[cell.value for cell in row] for row in book["coordinators"].iter_rows(min_row=2)]
    # shown by name; a name two people share carries the login: «Test coordinator (co-x)»
    by_login = {row[0].rsplit("(", 1)[-1].rstrip(")"): row for row in coordinators}
    assert by_login["co-x"][1:3] == [3, 2] and by_login["co-x"][4] == 100 and by_login["co-x"][5] == 1
    assert by_login["co-y"][3] == pytest.approx(20, rel=0.01) and by_login["co-y"][4] == 0  # a median: 1 %
    heat = book["heatmap"]
    assert heat.cell(row=2, column=2).value == 1  # 00:00 on Monday (00:30 Perm, 19:30 UTC the day before)
    assert heat.cell(row=25, column=8).value == 1  # 23:00 on Sunday
    summary = {row[0].value: row[1].value for row in book["summary"].iter_rows(min_row=2)}
    assert 10 in summary.values() and 37.5 in summary.values()  # calls, FCR %


def test_export_of_a_long_period_runs_as_a_job(app, login_as, client, crafted, db):  # noqa: F811
    user = login_as("supervisor")
    response = client.get("/stats/export/by_topic.xlsx?from=2025-01-01&to=2026-01-01")
    assert response.status_code == 302
    status_url = response.headers["Location"]
    assert "/stats/exports/" in status_url
    page = client.get(status_url).get_data(as_text=True)
    assert "/file" not in page  # not ready yet
    token = status_url.rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/stats/exports/{token}/file").status_code == 404
    db.session.commit()
    make_worker(app).work(burst=True)
    page = client.get(status_url).get_data(as_text=True)
    assert f"/stats/exports/{token}/file" in page
    download = client.get(f"/stats/exports/{token}/file")
    assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(download.get_data()))
    values = {row[0].value: row[1].value for row in book["by_topic"].iter_rows(min_row=2)}
    assert sorted(values.values()) == [2, 13]  # 2025: 13 youth calls, 2 business
    # Another supervisor may not take someone else's file.
    client.post("/logout")
    login_as("supervisor")
    assert client.get(f"/stats/exports/{token}/file").status_code == 403
    assert user.id
