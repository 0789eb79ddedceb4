"""The coordinator's inbox (live), the enquiry page and its actions; supervisors see every inbox
and the unrouted list."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import audit
from ..attachments.service import add_attachment, attachments_of
from ..attachments.uploads import read_upload, takes_upload
from ..auth.decorators import role_required
from ..calls.service import caller_history
from ..delivery.service import change_reply_channel, latest_delivery
from ..errors import ServiceError
from ..extensions import db
from ..faq.search import search
from ..faq.service import propose_from_answer
from ..mail.thread import thread, write_to_resident
from ..models import AttachmentSource, Enquiry, EnquiryStatus, utcnow
from ..reference import city_choices, topic_choices
from ..request_guard import parse_ids
from ..writes import writes
from . import bp, workflow
from .access import can_view, can_work, is_supervisor
from .appeals import REGISTRATION_DAYS, extend_legal_deadline, mark_formal_appeal
from .lists import active_coordinators, inbox_enquiries


def _audit_list(enquiries, via: str, only_if_changed: bool = False) -> None:
    """One audit row naming the enquiries a list showed; the inbox's poll writes one only when what
    it shows has changed since this person's last one (it polls every few seconds)."""
    ids = [e.id for e in enquiries]
    if only_if_changed:
        shown = ",".join(map(str, ids))
        if session.get("inbox_audited") == shown:
            return
        session["inbox_audited"] = shown
    if audit.record_list(current_user, "enquiry", ids, via=via):
        db.session.commit()


@bp.get("/")
@writes
@role_required("coordinator", "supervisor", admin=False)
def inbox():
    view = request.args.get("view", "all" if is_supervisor(current_user) else "mine")
    appeals = request.args.get("appeals") == "1"
    enquiries = inbox_enquiries(current_user, view, appeals)
    _audit_list(enquiries, "inbox")
    session["inbox_audited"] = ",".join(str(e.id) for e in enquiries)
    return render_template("enquiries/inbox.html", enquiries=enquiries, view=view, now=utcnow(), appeals=appeals,
                           coordinators=active_coordinators() if is_supervisor(current_user) else [])


@bp.get("/rows")
@writes
@role_required("coordinator", "supervisor", admin=False)
def inbox_rows():
    """The inbox table body, polled by htmx so new enquiries appear without a reload."""
    view = request.args.get("view", "all" if is_supervisor(current_user) else "mine")
    enquiries = inbox_enquiries(current_user, view, request.args.get("appeals") == "1")
    _audit_list(enquiries, "inbox", only_if_changed=True)
    return render_template("enquiries/_rows.html", enquiries=enquiries, now=utcnow())


def _load(enquiry_id: int) -> Enquiry:
    enquiry = db.session.get(Enquiry, enquiry_id)
    if enquiry is None or not can_view(current_user, enquiry):
        abort(404)  # an enquiry one may not read is not confirmed to exist
    return enquiry


def _render_detail(enquiry: Enquiry, errors: dict | None = None, status: int = 200):
    calls, open_enquiries = caller_history(enquiry.caller, current_user) if enquiry.caller else ([], [])
    audit.record(current_user, "read", enquiry, via="enquiry-page")
    db.session.commit()
    suggestions = search(enquiry.question, topic_id=enquiry.topic_id, limit=5) if can_work(current_user, enquiry) else []
    correcting = (enquiry.returned_at is not None and enquiry.status is EnquiryStatus.NEW
                  and (is_supervisor(current_user) or enquiry.created_by_id == current_user.id))
    return render_template(
        "enquiries/detail.html", enquiry=enquiry, calls=calls, open_enquiries=open_enquiries,
        suggestions=suggestions, errors=errors or {}, can_work=can_work(current_user, enquiry),
        supervisor=is_supervisor(current_user), coordinators=active_coordinators(), attachments=attachments_of(enquiry),
        form=request.form if status != 200 else {}, correcting=correcting,
        topics=topic_choices() if correcting else [], cities=city_choices(_("— any —")) if correcting else [],
        thread=thread(enquiry.id), delivery=latest_delivery(enquiry.id),
        appeal_registration_limit=timedelta(days=REGISTRATION_DAYS),
    ), status


@bp.get("/<int:enquiry_id>")
@writes
@role_required("operator", "coordinator", "supervisor", admin=False)
def detail(enquiry_id: int):
    return _render_detail(_load(enquiry_id))


CORRECTABLE = ("topic", "city", "question", "caller_name", "caller_phone", "caller_email")


def _corrections() -> dict:
    """The fields of a returned enquiry the operator's form sent (a bare button sends none)."""
    return {name: request.form.get(name, "") for name in CORRECTABLE if name in request.form}


def _faq_ids() -> list[int]:
    return parse_ids(request.form.getlist("faq_ids"))


ACTIONS = {
    "answer": (lambda e: workflow.answer_enquiry(current_user, e, request.form.get("text"), _faq_ids()),
               _l("Answer saved.")),
    "note": (lambda e: workflow.add_note(current_user, e, request.form.get("body")), _l("Note added.")),
    "hand-over": (lambda e: workflow.hand_over(current_user, e, request.form.get("to"), request.form.get("reason")),
                  _l("Enquiry handed over.")),
    "return": (lambda e: workflow.return_to_operator(current_user, e, request.form.get("reason")),
               _l("Enquiry returned to the operator.")),
    "resubmit": (lambda e: workflow.resubmit(current_user, e, corrections=_corrections()),
                 _l("Enquiry sent on for routing.")),
    "reopen": (lambda e: workflow.reopen(current_user, e, request.form.get("reason")), _l("Enquiry reopened.")),
    "close": (lambda e: workflow.close(current_user, e), _l("Enquiry closed.")),
    "cancel": (lambda e: workflow.cancel(current_user, e, request.form.get("reason")), _l("Enquiry cancelled.")),
    "formal-appeal": (lambda e: mark_formal_appeal(current_user, e), _l("Marked as a formal appeal under 59-FZ.")),
    "extend": (lambda e: extend_legal_deadline(current_user, e, request.form.get("days", type=int),
                                               request.form.get("reason")), _l("Legal deadline extended.")),
    "propose-faq": (lambda e: _propose(e), _l("Proposed as a draft FAQ entry.")),
    "attachments": (lambda e: add_attachment(e, *read_upload(request.files.get("file")), AttachmentSource.STAFF,
                                             current_user), _l("File attached.")),
    "reply-channel": (lambda e: change_reply_channel(current_user, e, request.form.get("reply_channel")),
                      _l("Reply channel changed.")),
    "message": (lambda e: write_to_resident(current_user, e, request.form.get("body")),
                _l("Message to the resident saved.")),
}


def _propose(enquiry: Enquiry):
    return propose_from_answer(current_user, enquiry, request.form.get("question") or enquiry.question,
                               request.form.get("answer") or enquiry.answer or "")


@bp.post("/<int:enquiry_id>/<action>")
@takes_upload
@role_required("operator", "coordinator", "supervisor", admin=False)
def act(enquiry_id: int, action: str):
    if action not in ACTIONS:
        abort(404)
    enquiry = _load(enquiry_id)
    verb, done = ACTIONS[action]
    try:
        verb(enquiry)
    except ServiceError as exc:
        db.session.rollback()
        db.session.refresh(enquiry)
        flash(str(exc.message), "error")
        return _render_detail(enquiry, {action: exc.fields}, exc.status if exc.status != 404 else 422)
    db.session.commit()
    flash(str(done), "success")
    if action in ("hand-over", "return") and not can_view(current_user, enquiry):
        return redirect(url_for("enquiries.inbox"))
    return redirect(url_for("enquiries.detail", enquiry_id=enquiry.id))
