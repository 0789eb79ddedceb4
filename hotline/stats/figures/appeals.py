"""The `appeals` block of the statistics (SPEC 7, 8.2) and the department's report of 59-FZ
appeals: plain queries over the formal appeals (a partial index holds only them).

- registered: appeals registered in the period (`registered_at`); registered in 3 days: of those,
  registered within 3 calendar days of receipt (`created_at`);
- answered, answered in time: appeals answered in the period (latest answer; answered or closed),
  and of those answered by their legal deadline (after any extension);
- extended: extensions granted in the period; overdue: appeals open at `to` (or now) past their
  legal deadline."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, true

from ...enquiries.appeals import REGISTRATION_DAYS
from ...extensions import db
from ...labels import STATUS_LABELS
from ...models import Enquiry, EnquiryEvent, Topic, User
from ...timefmt import to_local
from ..daily import ANSWERED
from ..period import Filters
from .instant import enquiry_source, open_at
from .read import ratio


def _formal():
    # `= true`, which the partial index's own condition is proved from on both databases
    return Enquiry.formal_appeal == true()


def appeal_figures(enquiry_rows: list[tuple], filters: Filters, at: datetime) -> dict:
    def total(name: str) -> int:
        return sum(row[name] for _c, _t, row in enquiry_rows)

    source, base = enquiry_source(filters)
    # The few registered appeals through their partial index first: SQLite, without table
    # statistics, would rather walk an index on a time column over most of the enquiries.
    registered = select(Enquiry.id).where(_formal(), Enquiry.registered_at < at)
    overdue = db.session.execute(select(func.count()).select_from(source).where(
        *base, Enquiry.id.in_(registered), *open_at(at), Enquiry.legal_due_at < at)).scalar_one()
    answered, in_time = total("appeals_answered"), total("appeals_answered_in_time")
    return {"registered": total("appeals_registered"), "registered_in_3_days": total("appeals_registered_in_time"),
            "answered": answered, "answered_in_time": in_time, "answered_in_time_share": ratio(in_time, answered),
            "extended": total("appeals_extended"), "overdue": overdue}


REPORT_HEADERS = (_l("Reference"), _l("Topic"), _l("Received"), _l("Registered"), _l("Registered within 3 days"),
                  _l("Legal deadline"), _l("Extended by, days"), _l("Reason for the extension"), _l("Answered"),
                  _l("Answered in time"), _l("Status"), _l("Assignee"))


def appeal_report(start: datetime, end: datetime, filters: Filters, locale: str) -> tuple[list[str], list[list]]:
    """The department's report: every appeal received or registered in the period, or answered in
    it, one row each, with the dates in Perm local time."""
    source, base = enquiry_source(filters)
    stmt = (select(Enquiry, Topic, User).select_from(source)
            .join(Topic, Topic.id == Enquiry.topic_id).outerjoin(User, User.id == Enquiry.assignee_id)
            .where(*base, _formal(), (Enquiry.registered_at >= start) & (Enquiry.registered_at < end)
                   | (Enquiry.answered_at >= start) & (Enquiry.answered_at < end))
            .order_by(Enquiry.registered_at, Enquiry.id))

    def day(moment):
        return to_local(moment).strftime("%d.%m.%Y %H:%M") if moment else ""

    yes, no = str(_l("yes")), str(_l("no"))
    found = db.session.execute(stmt).all()
    extensions = {enquiry_id: detail.get("days") for enquiry_id, detail in db.session.execute(
        select(EnquiryEvent.enquiry_id, EnquiryEvent.detail).where(
            EnquiryEvent.kind == "legal-extension",
            EnquiryEvent.enquiry_id.in_([e.id for e, _t, _u in found if e.legal_extended_at]))).all()}
    rows = []
    for enquiry, topic, assignee in found:
        extension = extensions.get(enquiry.id)
        answered = enquiry.answered_at if enquiry.status in ANSWERED else None
        rows.append([
            enquiry.reference, topic.name(locale), day(enquiry.created_at), day(enquiry.registered_at),
            (yes if enquiry.registered_at - enquiry.created_at <= timedelta(days=REGISTRATION_DAYS) else no)
            if enquiry.registered_at else "",
            day(enquiry.legal_due_at), extension, enquiry.legal_extension_reason or "", day(answered),
            (yes if answered <= enquiry.legal_due_at else no) if answered and enquiry.legal_due_at else "",
            str(STATUS_LABELS[enquiry.status]), (assignee.name or assignee.login) if assignee else "",
        ])
    return [str(h) for h in REPORT_HEADERS], rows
