"""Enquiries with a resident to answer, for the delivery, call-back and feedback tests."""
from __future__ import annotations

from hotline.calls.service import log_call
from hotline.enquiries.workflow import answer_enquiry
from hotline.extensions import db
from hotline.models import Enquiry

from .factories import call_payload, make_coordinator, make_user
from .jobs import run_jobs


def routed_enquiry(app, email: str | None = "anna@example.ru", phone: str | None = "8 (342) 212-44-86",
                   language: str = "ru", reply_channel: str | None = None, coordinator=None) -> Enquiry:
    """A call routed and assigned (the routing job run) for a caller with these contacts."""
    coordinator = coordinator or make_coordinator()
    operator = make_user("operator")
    payload = call_payload(caller={"name": "Анна Соколова", "phone": phone, "email": email, "language": language})
    if reply_channel is not None:
        payload["reply_channel"] = reply_channel
    call = log_call(operator, payload)
    enquiry_id = call.enquiry.id
    run_jobs(app, with_scheduler=False)
    enquiry = db.session.get(Enquiry, enquiry_id)
    assert enquiry.assignee_id == coordinator.id
    return enquiry


def answered(app, text: str = "Заявки на обмен принимаются до 1 марта.", **kwargs) -> Enquiry:
    """Routed, then answered by its coordinator and committed (delivery jobs not run yet)."""
    enquiry = routed_enquiry(app, **kwargs)
    answer_enquiry(enquiry.assignee, enquiry, text)
    db.session.commit()
    return enquiry
