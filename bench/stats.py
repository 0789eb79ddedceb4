"""Statistics at scale: loads synthetic history through `flask generate-calls` (skipped when the
database already holds enough calls), then times `GET /api/v1/stats` and the dashboard page for a
30-day, a 365-day and a three-year period, and the export of every table (XLSX) for each, and
prints p50 / p95 per backend, period and request.

    .venv/bin/python bench/stats.py [--calls 1000000] [--days 730] [--database-url URL ...] [--repeat 9]

Without --database-url it uses a SQLite file under /tmp (kept between runs). Before timing, it
brings the statistics tables up to date (`flask stats-refresh`, what the scheduled job does every
minute) and on PostgreSQL runs ANALYZE, so the timings are those of a running installation."""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare(url: str, calls: int, days: int, instance: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "HOTLINE_INSTANCE": instance, "HOTLINE_CONFIG": "development",
           "LOG_LEVEL": "WARNING"}
    from hotline import create_app
    from hotline.extensions import db
    from hotline.models import Call

    os.environ.update({k: env[k] for k in ("DATABASE_URL", "HOTLINE_INSTANCE", "HOTLINE_CONFIG")})
    app = create_app()
    with app.app_context():
        db.create_all()
        for table in db.metadata.sorted_tables:  # indexes added since the data was loaded
            for index in table.indexes:
                index.create(db.engine, checkfirst=True)
        have = db.session.execute(db.select(db.func.count(Call.id))).scalar_one()
        db.session.remove()
        db.engine.dispose()
    if have >= calls:
        print(f"  {have:,} calls already there; not loading")
        refresh(env)
        analyze(app)
        return
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", "seed-reference"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", "generate-calls", str(calls - have),
                    "--days", str(days)], cwd=ROOT, env=env, check=True)
    print(f"  loaded in {time.monotonic() - started:.0f} s")
    refresh(env)
    analyze(app)


def refresh(env: dict) -> None:
    """Compute the days the change log names (what the scheduled job does)."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", "stats-refresh"], cwd=ROOT, env=env,
                            check=True, capture_output=True, text=True)
    print(f"  {result.stdout.strip()} (wall {time.monotonic() - started:.0f} s)")


def analyze(app) -> None:
    """PostgreSQL: table statistics for the planner, as autovacuum keeps them on a running server
    (a server with autovacuum off, like the development machine's, would otherwise plan the
    freshly loaded tables blind)."""
    from hotline.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
        db.engine.dispose()


def measure(url: str, repeat: int) -> list[tuple[str, str, float, float]]:
    from hotline import create_app
    from hotline.auth.service import create_user, issue_token
    from hotline.extensions import db
    from hotline.models import User
    from hotline.stats.period import today_local

    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False
    results = []
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.login == "bench-supervisor")).scalar_one_or_none()
        if user is None:
            user = create_user("bench-supervisor", "supervisor", "bench-password-1", "Bench")
        token = issue_token(user)
        db.session.commit()
        today = today_local()
        db.session.remove()
    client = app.test_client()
    client.post("/login", data={"login": "bench-supervisor", "password": "bench-password-1"})
    for days in (30, 365, 1095):
        query = f"from={(today - timedelta(days=days - 1)).isoformat()}&to={(today + timedelta(days=1)).isoformat()}"
        for name, path, headers in (("GET /api/v1/stats", f"/api/v1/stats?{query}",
                                     {"Authorization": f"Bearer {token}"}),
                                    ("dashboard page", f"/stats/?{query}", {}),
                                    ("export all (XLSX)", f"/stats/export/all.xlsx?{query}", {})):
            client.get(path, headers=headers)  # warm the caches once
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
            timings.sort()
            p95 = timings[min(len(timings) - 1, int(round(0.95 * len(timings) + 0.5)) - 1)]
            results.append((f"{days} days", name, statistics.median(timings), p95))
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--database-url", action="append", dest="urls")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    urls = args.urls or [f"sqlite:////tmp/hotline-bench-stats-{args.calls}.db"]
    instance = "/tmp/hotline-bench-stats-instance"
    os.makedirs(instance, exist_ok=True)
    report = []
    for url in urls:
        backend = url.split(":", 1)[0]
        print(f"{backend}: {url}")
        prepare(url, args.calls, args.days, instance)
        for period, name, p50, p95 in measure(url, args.repeat):
            report.append((backend, period, name, p50, p95))
    print(f"\nload average {' / '.join(f'{x:.2f}' for x in os.getloadavg())} (1 / 5 / 15 min) at the end")
    print(f"{'backend':<12}{'period':<10}{'request':<20}{'p50 ms':>10}{'p95 ms':>10}")
    for backend, period, name, p50, p95 in report:
        print(f"{backend:<12}{period:<10}{name:<20}{p50:>10.0f}{p95:>10.0f}")


if __name__ == "__main__":
    main()
