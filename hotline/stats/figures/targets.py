"""The `first_response` and `reopen` blocks of the statistics (SPEC 7, 8.2) and their
per-coordinator figures: plain queries over the enquiry rows, filtered like the other enquiry
figures; `figures.compute` adds them to the payload.

- first response: the enquiries whose first response (the answer, an interim reply, a call-back
  that reached the resident) fell in the period; its time in business hours from creation
  (`first_response_business_seconds`, fixed when it happened), median nearest-rank; compliance =
  those responded by `first_response_due_at` / those responded.
- reopen rate = reopened / answered: the enquiries reopened in the period (by their latest
  reopening, `reopened_at`) over those answered in it (by their latest answer, `answered_at`, as
  the answered figure, but whatever followed: a reopened one still counts its answer), per
  coordinator (the assignee) and per topic."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, literal, select, union_all

from ...extensions import db
from ...models import Enquiry, EnquiryStatus
from .instant import _enquiry_source
from .shape import _hours, _key, _ratio
from ..period import Filters
from ..sql import percentiles


def _in_time():
    return case((Enquiry.first_response_at <= Enquiry.first_response_due_at, 1), else_=0)


def first_response_figures(start: datetime, end: datetime, filters: Filters, names: dict) -> dict:
    """Two statements: the counts per assignee (the totals are their sum), and every median — the
    whole period's under the group -1 — in one sorted pass."""
    source, base = _enquiry_source(filters)
    where = [*base, Enquiry.first_response_at >= start, Enquiry.first_response_at < end]
    grouped = db.session.execute(
        select(Enquiry.assignee_id, func.count(), func.sum(_in_time())).select_from(source)
        .where(*where).group_by(Enquiry.assignee_id)).all()
    seconds = Enquiry.first_response_business_seconds
    samples = union_all(
        select(seconds.label("v"), literal(-1).label("g")).select_from(source).where(*where),
        select(seconds.label("v"), Enquiry.assignee_id.label("g")).select_from(source)
        .where(*where, Enquiry.assignee_id.is_not(None))).subquery()
    medians = percentiles(samples.c.v, [], (50,), group=samples.c.g, from_obj=samples)
    responded = sum(n for _a, n, _ok in grouped)
    in_time = sum(ok or 0 for _a, _n, ok in grouped)
    by_coordinator = {
        _key(names["user"], user_id): {"responded": n, "median_hours": _hours(medians.get(user_id, {}).get(50)),
                                       "compliance": _ratio(ok, n)}
        for user_id, n, ok in grouped if user_id is not None}
    return {"responded": responded, "in_time": in_time, "median_hours": _hours(medians.get(-1, {}).get(50)),
            "compliance": _ratio(in_time, responded), "by_coordinator": dict(sorted(by_coordinator.items()))}


def with_first_response(coordinators: list[dict], first_response: dict) -> list[dict]:
    """The coordinators' rows with their first-response columns (a row for one who only responded)."""
    rows = {row["login"]: row for row in coordinators}
    for login in first_response["by_coordinator"]:
        rows.setdefault(login, {"login": login, "assigned": 0, "answered": 0, "median_hours": None,
                                "sla_compliance": None, "open": 0})
    for login, row in rows.items():
        figures = first_response["by_coordinator"].get(login, {})
        row["first_response_hours"] = figures.get("median_hours")
        row["first_response_compliance"] = figures.get("compliance")
    return sorted(rows.values(), key=lambda r: (-r["answered"], -r["assigned"], r["login"]))


def reopen_figures(start: datetime, end: datetime, filters: Filters, names: dict) -> dict:
    source, base = _enquiry_source(filters)
    counts: dict[tuple, list[int]] = {}  # (assignee, topic) → [answered, reopened], in one statement
    answered = select(literal(0).label("i"), Enquiry.assignee_id, Enquiry.topic_id, func.count()).select_from(source) \
        .where(*base, Enquiry.answered_at >= start, Enquiry.answered_at < end,
               Enquiry.status != EnquiryStatus.CANCELLED).group_by(Enquiry.assignee_id, Enquiry.topic_id)
    reopened = select(literal(1).label("i"), Enquiry.assignee_id, Enquiry.topic_id, func.count()).select_from(source) \
        .where(*base, Enquiry.reopened_at >= start, Enquiry.reopened_at < end) \
        .group_by(Enquiry.assignee_id, Enquiry.topic_id)
    for index, assignee_id, topic_id, n in db.session.execute(union_all(answered, reopened)).all():
        counts.setdefault((assignee_id, topic_id), [0, 0])[index] += n

    def block(pairs) -> dict:
        answered = sum(a for a, _ in pairs)
        reopened = sum(r for _, r in pairs)
        return {"answered": answered, "reopened": reopened, "rate": _ratio(reopened, answered)}

    by_coordinator: dict[str, list] = {}
    by_topic: dict[str, list] = {}
    for (assignee_id, topic_id), pair in counts.items():
        if assignee_id is not None:
            by_coordinator.setdefault(_key(names["user"], assignee_id), []).append(pair)
        by_topic.setdefault(_key(names["topic"], topic_id), []).append(pair)
    return {**block(counts.values()),
            "by_coordinator": {login: block(pairs) for login, pairs in sorted(by_coordinator.items())},
            "by_topic": {code: block(pairs) for code, pairs in sorted(by_topic.items())}}
