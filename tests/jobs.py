"""Running RQ jobs for real in tests: a SimpleWorker in burst mode, with RQ's scheduler."""
from __future__ import annotations

from hotline.extensions import db
from hotline.workers import make_worker


def run_jobs(app, with_scheduler: bool = True) -> None:
    """Commit what the test wrote (the SQLite lock note in conftest), then work the queue dry."""
    db.session.commit()
    worker = make_worker(app)
    worker.work(burst=True, with_scheduler=with_scheduler)
    db.session.expire_all()
