"""What the Open311 endpoints say and do, in the desk's own terms: a service is a topic, a
request is an enquiry (its reference is the `service_request_id`), submitting one is the same
verb as the public form. Partner sites declare the resident's consent in `attribute[consent]`."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import audit
from ..auth.tokens import find_live
from ..errors import ValidationFailed
from ..extensions import db
from ..i18n import current_locale
from ..models import AccessToken, Call, Enquiry, EnquiryStatus, SisterCity, Topic, TokenKind, utcnow
from ..public.service import published_answer, submit_enquiry
from ..timefmt import iso
from .render import Open311Error

MAX_DAYS = 90
MAX_ROWS = 1000
LANGUAGE = "ru"  # names and notices are given in Russian, the jurisdiction's language
SUBMIT_ACTION = "open311-submit"


def _names() -> str:
    """Names follow the request's language (Accept-Language, or the desk's Russian by default),
    as the descriptions beside them do."""
    return current_locale()


def services() -> list[dict]:
    locale = _names()
    return [{"service_code": t.code, "service_name": t.name(locale),
             "description": str(_l("Questions to the Green Line: %(topic)s", topic=t.name(locale))),
             "metadata": True, "type": "realtime", "keywords": "", "group": str(_l("Sister cities"))}
            for t in _topics()]


def _topics() -> list[Topic]:
    return list(db.session.execute(
        select(Topic).where(Topic.active.is_(True)).order_by(Topic.position, Topic.id)).scalars())


def service_definition(code: str) -> dict:
    if code not in {t.code for t in _topics()}:
        raise Open311Error(404, _l("No service with code %(code)s.", code=code[:40]))
    cities = db.session.execute(select(SisterCity).where(SisterCity.active.is_(True))
                                .order_by(SisterCity.agreement_year, SisterCity.id)).scalars()
    return {"service_code": code, "attributes": ("attribute", [
        {"variable": True, "code": "city", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "", "order": 1, "description": str(_l("Sister city")),
         "values": ("value", [{"key": c.code, "name": c.name(_names())} for c in cities])},
        {"variable": True, "code": "consent", "datatype": "singlevaluelist", "required": True,
         "datatype_description": "", "order": 2,
         "description": str(_l("The resident agrees to the processing of their personal data (152-FZ)")),
         "values": ("value", [{"key": "true", "name": str(_l("Yes"))}])},
    ])}


def partner(api_key: str | None) -> AccessToken:
    """The live partner key `api_key` is (`flask --app hotline open311-key create NAME`); a staff
    API token is not one."""
    key = find_live(TokenKind.OPEN311, (api_key or "").strip())
    if key is None:
        if find_live(TokenKind.API, (api_key or "").strip()) is not None:
            raise Open311Error(403, _l("A staff API token is not an Open311 key; ask the hotline for a partner key."))
        raise Open311Error(403, _l("A valid api_key is required."))
    return key


def submit(form) -> Enquiry:
    """A service request from a partner site: a web call with a routed enquiry, carrying the
    partner key it came with."""
    key = partner(form.get("api_key"))
    if not (form.get("lat") and form.get("long")) and not form.get("address_string") and not form.get("address_id"):
        raise Open311Error(400, _l("A location is required: lat and long, address_string or address_id "
                                   "(\"online\" for a question with no place)."))
    question = (form.get("description") or "").strip()
    if question:
        question += _place(form)
    name = " ".join(p.strip() for p in (form.get("first_name") or "", form.get("last_name") or "") if p.strip())
    payload = {
        "caller": {"name": name, "phone": (form.get("phone") or "").strip() or None,
                   "email": (form.get("email") or "").strip() or None, "language": LANGUAGE, "consent": True},
        "channel": "web", "topic": form.get("service_code"), "city": form.get("attribute[city]") or None,
        "question": question, "outcome": "routed",
    }
    try:
        call = submit_enquiry(payload, consent=form.get("attribute[consent]") == "true")
    except ValidationFailed as exc:
        fields = "; ".join(f"{name}: {message}" for name, message in exc.fields.items())
        raise Open311Error(400, f"{exc.message} {fields}".strip())
    db.session.execute(update(Call).where(Call.id == call.id).values(partner_key_id=key.id))
    audit.record_row(None, SUBMIT_ACTION, Enquiry.__tablename__, call.enquiry.id, partner=key.name,
                     key=key.prefix)
    return call.enquiry


def _place(form) -> str:
    """Where the request is about, kept with the question (the desk stores no places): the
    address, the address id, the coordinates; nothing for "online". Written in the desk's
    language, whatever the partner's Accept-Language."""
    parts = []
    address = (form.get("address_string") or "").strip()
    if address and address.lower() != "online":
        with force_locale(LANGUAGE):
            label = gettext("Address")
        parts.append(f"{label}: {address}")
    if (form.get("address_id") or "").strip():
        parts.append(f"address_id: {form['address_id'].strip()}")
    if form.get("lat") and form.get("long"):
        parts.append(f"lat/long: {form['lat'].strip()}, {form['long'].strip()}")
    return "\n\n" + "\n".join(parts) if parts else ""


def find(references: list[str]) -> list[Enquiry]:
    return list(db.session.execute(select(Enquiry).where(Enquiry.reference.in_(references))
                                   .order_by(Enquiry.created_at.desc())).scalars())


def query(args) -> list[Enquiry]:
    """GET requests: by ids (the other filters then do not apply), or by service, status and a
    period of at most 90 days (the last 90 by default); at most 1 000, newest first."""
    if args.get("service_request_id"):
        return find([r.strip() for r in args["service_request_id"].split(",") if r.strip()][:MAX_ROWS])
    end = _moment(args, "end_date") or utcnow()
    start = _moment(args, "start_date") or end - timedelta(days=MAX_DAYS)
    if end < start or end - start > timedelta(days=MAX_DAYS):
        raise Open311Error(400, _l("start_date and end_date must make a period of at most %(days)d days.",
                                   days=MAX_DAYS))
    stmt = select(Enquiry).where(Enquiry.created_at >= start, Enquiry.created_at < end)
    if args.get("service_code"):
        codes = [c.strip() for c in args["service_code"].split(",") if c.strip()]
        stmt = stmt.join(Topic, Topic.id == Enquiry.topic_id).where(Topic.code.in_(codes))
    if args.get("status"):
        wanted = {s.strip() for s in args["status"].split(",")}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, _l("status must be open or closed."))
        if wanted == {"open"}:
            stmt = stmt.where(Enquiry.status.in_(EnquiryStatus.open_values()))
        elif wanted == {"closed"}:
            stmt = stmt.where(Enquiry.status.not_in(EnquiryStatus.open_values()))
    return list(db.session.execute(stmt.order_by(Enquiry.created_at.desc()).limit(MAX_ROWS)).scalars())


def _moment(args, name: str) -> datetime | None:
    value = args.get(name)
    if not value:
        return None
    value = re.sub(r" (\d\d:?\d\d)$", r"+\1", value.strip())  # an unencoded "+05:00" arrives as " 05:00"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, _l("%(name)s must be a date and time in ISO 8601.", name=name)) from None
    if moment.tzinfo is None:
        raise Open311Error(400, _l("%(name)s must carry a time zone (Z or +05:00).", name=name))
    return moment


def request_record(enquiry: Enquiry, own: bool) -> dict:
    """One request as GeoReport v2 shows it. The resident's own words (`description`) and the
    answer to them (`status_notes`) go only to the partner whose key submitted the request: the
    public list says what happens, never what was asked or answered (152-FZ)."""
    moments = [m for m in (enquiry.created_at, enquiry.assigned_at, enquiry.answered_at, enquiry.closed_at,
                           enquiry.cancelled_at, enquiry.reopened_at) if m]
    return {
        "service_request_id": enquiry.reference,
        "status": "open" if enquiry.is_open else "closed",
        "status_notes": published_answer(enquiry) if own else None,
        "service_name": enquiry.topic.name(_names()),
        "service_code": enquiry.topic.code,
        "description": enquiry.question if own else None,
        "agency_responsible": current_app.config["OPEN311_AGENCY"],
        "service_notice": None,
        "requested_datetime": iso(enquiry.created_at),
        "updated_datetime": iso(max(moments)),
        "expected_datetime": iso(enquiry.due_at),
        "address": None, "address_id": None, "zipcode": None, "lat": None, "long": None, "media_url": None,
    }


def records(enquiries: list[Enquiry], api_key: str | None) -> list[dict]:
    """The records of `enquiries`; with a valid key, those this key's account submitted in full,
    each such read in the audit log."""
    own: set[int] = set()
    key = find_live(TokenKind.OPEN311, (api_key or "").strip()) if api_key and enquiries else None
    if key is not None:
        # A partner's requests are those sent with any of its keys (the name carries over a new key).
        own = set(db.session.execute(
            select(Enquiry.id).join(Call, Call.id == Enquiry.call_id)
            .join(AccessToken, AccessToken.id == Call.partner_key_id)
            .where(AccessToken.name == key.name, Enquiry.id.in_([e.id for e in enquiries]))).scalars())
        for enquiry_id in sorted(own):
            audit.record_row(None, "read", Enquiry.__tablename__, enquiry_id, via="open311", partner=key.name)
    return [request_record(e, e.id in own) for e in enquiries]
