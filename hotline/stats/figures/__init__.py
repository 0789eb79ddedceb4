"""Every figure of SPEC section 7, computed with aggregate SQL (the grouping happens in the
database). The dashboard, the exports and `GET /api/v1/stats` all call `compute()`.

Semantics the SPEC leaves open (also in the README, "Statistics and import"):
- calls belong to the period of their `started_at`; enquiries are *created* in the period of
  `created_at` and *answered* in the period of `answered_at` (their latest answer);
- an enquiry counts as answered when its status is `answered` or `closed`: one reopened and not
  yet answered again is open; answered again, it counts once, by its last answer, and its time
  to answer and SLA compliance run from creation to that last answer;
- cancelled enquiries count as created, never as answered, open or overdue, nor in SLA figures;
- "open at `to`" and "overdue at `to`" are taken at `to`, or now when `to` is still ahead;
- percentiles are nearest-rank (the value at rank ⌈p·n⌉ of the sorted values).

The modules: `raw` (the figures from the raw rows), `rolled` (from the daily rollup, no filter or
one), `instant` (states at an instant: open, overdue, aging, FAQ entries never used), `shape`
(keys, ratios, rounding and the per-coordinator rows both paths write)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select

from ...extensions import db
from ...models import Call, Enquiry, EnquiryStatus, utcnow
from ..delivery import delivery_figures, feedback_figures
from ..telephony import telephony_figures
from ..period import Filters, Period, today_local
from ..rollup import CubeReader
from .appeals import appeal_figures
from .targets import first_response_figures, reopen_figures, with_first_response
from .raw import _calls, _enquiries, _faq
from .rolled import _calls_rolled, _enquiries_rolled, _faq_rolled, load_rows
from .shape import _names


def compute(period: Period, filters: Filters, now: datetime | None = None, rollup: bool = True) -> dict:
    """Every figure; `rollup=False` reads the raw rows only (what the rollup is checked against)."""
    now = now or utcnow()
    start, end = period.bounds()
    at = min(end, now)  # "open at `to`": the future is not known yet
    names = _names()
    single = filters.single() if rollup else None
    if single is not None:
        # No filter or one: the daily rollup, with the days it does not serve read live.
        cube, previous = CubeReader(period, *single), CubeReader(period.previous(), *single)
        load_rows(cube, previous)
        calls = _calls_rolled(cube, previous, names)
        enquiries = _enquiries_rolled(cube, at, filters, names)
        faq = _faq_rolled(cube, at, filters)
    else:
        calls = _calls(period, filters, names)
        enquiries = _enquiries(start, end, at, filters, names)
        faq = _faq(start, end, at, filters)
    first_response = first_response_figures(start, end, filters, names)
    enquiries["coordinators"] = with_first_response(enquiries["coordinators"], first_response)
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat(),
                   "preset": period.preset, "as_of": at.isoformat().replace("+00:00", "Z")},
        "filters": filters.codes(),
        **calls,
        **enquiries,
        "faq": faq,
        "first_response": first_response,
        "reopen": reopen_figures(start, end, filters, names),
        "appeals": appeal_figures(start, end, at, filters),
        "delivery": delivery_figures(start, end, filters),
        "telephony": telephony_figures(start, end, filters.operator_id, period.day_list()),
        "feedback": feedback_figures(start, end, filters),
    }


# --- the live strip ---------------------------------------------------------------------------


def live_strip(now: datetime | None = None) -> dict[str, int]:
    """What needs a supervisor now: waiting to be routed, unassigned, breached, calls today."""
    now = now or utcnow()
    today = Period(today_local(), today_local() + timedelta(days=1))
    start, end = today.bounds()
    new = Enquiry.status == EnquiryStatus.NEW
    row = db.session.execute(select(
        func.sum(case((and_(new, Enquiry.unrouted_at.is_(None)), 1), else_=0)),
        func.sum(case((and_(new, Enquiry.unrouted_at.is_not(None)), 1), else_=0)),
        func.sum(case((Enquiry.due_at < now, 1), else_=0)),
    ).where(Enquiry.status.in_(EnquiryStatus.open_values()))).one()
    calls_today = db.session.execute(
        select(func.count()).where(Call.started_at >= start, Call.started_at < end)).scalar_one()
    return {"waiting": row[0] or 0, "unassigned": row[1] or 0, "breached": row[2] or 0,
            "calls_today": calls_today}
