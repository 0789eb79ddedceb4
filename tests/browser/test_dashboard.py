"""The supervisor opens the dashboard, changes the period and downloads a CSV."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from hotline.models import CallOutcome, utcnow
from hotline.stats.daily import refresh
from hotline.stats.period import today_local

from .. import factories


def test_dashboard_period_change_and_csv_download(live_server, page, browser_login, db, reference):
    operator = factories.make_user("operator", login="op-browser")
    now = utcnow()
    for back, n in ((0, 2), (3, 1), (20, 4)):  # today, three days ago, twenty days ago
        for i in range(n):
            factories.make_call(operator=operator, started_at=now - timedelta(days=back, minutes=30 + i),
                                outcome=CallOutcome.ANSWERED)
    db.session.commit()
    refresh()  # what the scheduled stats-refresh job does within STATS_REFRESH_SECONDS
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    browser_login(page, "supervisor")
    assert "/stats/" in page.url
    assert page.locator("[data-kpi=calls]").inner_text() == "7"  # 30 days by default
    assert page.locator("#live-strip [data-live=calls_today]").inner_text() == "2"
    page.wait_for_function("document.querySelectorAll('canvas[data-chart]').length > 0 && "
                           "Array.from(document.querySelectorAll('canvas[data-chart]')).every(c => window.Chart.getChart(c))")

    page.click("a[data-period='7d']")
    page.wait_for_url("**period=7d**")
    assert page.locator("[data-kpi=calls]").inner_text() == "3"
    assert page.locator("a[data-period='7d']").get_attribute("aria-current") == "page"

    with page.expect_download() as info:
        page.click("#section-calls_by_day a[data-export='calls_by_day-csv']")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    assert len(rows) == 1 + 7
    assert rows[-1][0] == today_local().isoformat() and rows[-1][1] == "2"
    assert sum(int(row[1]) for row in rows[1:]) == 3
    assert errors == []
