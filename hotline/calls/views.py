from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import audit, visibility
from ..auth.decorators import role_required
from ..errors import ValidationFailed
from ..extensions import db
from ..faq.search import suggest
from ..labels import OUTCOME_LABELS
from ..models import Call, CallOutcome, Caller, Enquiry, EnquiryStatus, FaqEntry, Role, Topic, utcnow
from ..phones import InvalidPhone, normalise_phone, phone_prefix
from ..reference import city_choices, topic_choices
from ..request_guard import PAGE_SIZE, page_number, parse_ids
from ..telephony.service import active_call
from ..timefmt import local_zone
from ..writes import reads_then_writes, writes
from . import bp
from .forms import CallFilterForm, CallForm
from .service import caller_history, find_caller_by_phone, log_call

MATCH_LIMIT = 8
SUGGEST_CHARS = 1000  # the words that matter come first; the rest of a long question adds little


def _call_form() -> CallForm:
    form = CallForm()
    form.topic.choices = topic_choices(_("— choose a topic —"))
    form.city.choices = city_choices(_("— any —"))
    return form


def _faq_ids_from_request() -> list[int]:
    return parse_ids(request.form.getlist("faq_ids"))


@bp.route("/new", methods=["GET", "POST"])
@reads_then_writes
@role_required("operator", "supervisor", admin=False)
def new_call():
    form = _call_form()
    if request.method == "GET":
        # No outcome: the operator chooses one. The clock starts with the first keystroke (or
        # Start call), never when the page opened; on a call the phone system reported, with
        # its answer (the screen pop fills this in live; a reload finds the call here).
        on_call = active_call(current_user)
        if on_call is not None:
            form.cti_call_id.data = on_call.call_id
            form.started_at.data = on_call.answered_at.isoformat()
            form.phone.data = on_call.phone or on_call.from_number or ""
    elif form.validate_on_submit():
        faq_ids = _faq_ids_from_request()
        try:
            call = log_call(current_user, form.to_payload(faq_ids))
        except ValidationFailed as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                field = {"caller.phone": "phone", "caller.name": "caller_name",
                         "caller.email": "caller_email", "faq_ids": "question"}.get(name, name)
                if field in form._fields:
                    form._fields[field].errors.append(message)
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            if call.enquiry is not None:
                flash(_("Call saved. Enquiry %(ref)s was sent to a coordinator.", ref=call.enquiry.reference),
                      "success")
            else:
                flash(_("Call saved: %(outcome)s.", outcome=OUTCOME_LABELS[call.outcome]), "success")
            return redirect(url_for("calls.new_call"))
    chosen = _chosen_faq(_faq_ids_from_request()) if request.method == "POST" else []
    status = 422 if request.method == "POST" else 200
    return render_template("calls/new_call.html", form=form, chosen_faq=chosen,
                           outcome_labels=OUTCOME_LABELS), status


def _chosen_faq(ids: list[int]) -> list[FaqEntry]:
    if not ids:
        return []
    return list(db.session.execute(select(FaqEntry).where(FaqEntry.id.in_(ids))).scalars())


@bp.get("/lookup")
@writes
@role_required("operator", "supervisor", admin=False)
def lookup():
    """The caller card as the operator types the phone (an HTML fragment for htmx)."""
    raw = request.args.get("phone", "")
    region = current_app.config["HOTLINE_PHONE_REGION"]
    try:
        phone = normalise_phone(raw, region)
    except InvalidPhone:
        phone = None
    if phone:
        caller = find_caller_by_phone(phone)
        if caller is not None:
            calls, enquiries = caller_history(caller, current_user)
            audit.record(current_user, "read", caller, via="lookup")
            db.session.commit()
            return render_template("calls/_caller_card.html", caller=caller, calls=calls, enquiries=enquiries)
        return render_template("calls/_caller_card.html", caller=None, phone=phone, matches=[])
    prefix = phone_prefix(raw, region)
    matches = []
    if prefix:
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        matches = db.session.execute(
            select(Caller).where(Caller.phone >= prefix, Caller.phone < upper)
            .order_by(Caller.phone).limit(MATCH_LIMIT)
        ).scalars().all()
        if audit.record_list(current_user, "caller", [m.id for m in matches], via="lookup"):
            db.session.commit()
    return render_template("calls/_caller_card.html", caller=None, phone=None, matches=matches, typed=raw)


@bp.route("/faq-suggest", methods=["GET", "POST"])
@role_required("operator", "coordinator", "supervisor", admin=False)
def faq_suggest():
    """FAQ suggestions that follow the question and topic as typed (an HTML fragment). The desk
    posts the question (a long one does not fit a URL); only its first SUGGEST_CHARS count."""
    values = request.form if request.method == "POST" else request.args
    topic_code = values.get("topic") or None
    topic_id = None
    if topic_code:
        topic_id = db.session.execute(select(Topic.id).where(Topic.code == topic_code)).scalar()
    chosen_ids = parse_ids(values.getlist("faq_ids"))
    chosen = _chosen_faq(chosen_ids)
    question = (values.get("question") or "")[:SUGGEST_CHARS]
    found = [e for e in suggest(question, topic_id) if e.id not in chosen_ids]
    return render_template("calls/_faq_suggestions.html", chosen=chosen, entries=found)


@bp.get("/")
@writes
@role_required("operator", "coordinator", "supervisor", admin=False)
def my_calls():
    form = CallFilterForm(request.args)
    form.topic.choices = topic_choices(_("All topics"))
    form.outcome.choices = [("", _("All outcomes"))] + [(o.value, str(l)) for o, l in OUTCOME_LABELS.items()]
    stmt = visibility.calls(select(Call).order_by(Call.started_at.desc()), current_user)
    if form.validate():
        zone = local_zone()
        if form.date_from.data:
            stmt = stmt.where(Call.started_at >= datetime.combine(form.date_from.data, time(0), tzinfo=zone))
        if form.date_to.data:
            end = datetime.combine(form.date_to.data + timedelta(days=1), time(0), tzinfo=zone)
            stmt = stmt.where(Call.started_at < end)
        if form.topic.data:
            stmt = stmt.join(Topic, Topic.id == Call.topic_id).where(Topic.code == form.topic.data)
        if form.outcome.data:
            stmt = stmt.where(Call.outcome == CallOutcome(form.outcome.data))
        if form.q.data:
            stmt = stmt.where(Call.question.contains(form.q.data.strip()))
    page = page_number(request.args)
    calls = db.session.execute(stmt.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).scalars().all()
    has_next = len(calls) > PAGE_SIZE
    if audit.record_list(current_user, "call", [c.id for c in calls[:PAGE_SIZE]], via="calls-list", page=page):
        db.session.commit()
    returned = []
    if current_user.role is Role.OPERATOR:
        returned = db.session.execute(
            select(Enquiry).where(Enquiry.created_by_id == current_user.id, Enquiry.returned_at.is_not(None),
                                  Enquiry.status == EnquiryStatus.NEW).order_by(Enquiry.returned_at)
        ).scalars().all()
    return render_template("calls/my_calls.html", form=form, calls=calls[:PAGE_SIZE], page=page,
                           has_next=has_next, outcome_labels=OUTCOME_LABELS, returned=returned)
