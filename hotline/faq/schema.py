"""Validation of an FAQ entry as the editor form and the API submit it: one set of rules, errors
per field. Text is stored plain: any HTML a person pastes is stripped here."""
from __future__ import annotations

import html

import nh3
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import ValidationFailed
from ..extensions import db
from ..i18n import LANGUAGES
from ..models import FaqStatus, SisterCity, Topic

QUESTION_MAX = 500
ANSWER_MAX = 5000
WORDING_MAX = 300
WORDINGS_MAX = 30
FIELDS = ("question", "answer", "topic", "city", "language", "status", "wordings")


def plain_text(value: str) -> str:
    """`value` without HTML tags (a <script> goes with its content), entities turned back into
    characters, line ends normalised. Repeated until stable, so `&lt;script&gt;` cannot sneak in."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    for _ in range(3):
        cleaned = html.unescape(nh3.clean(text, tags=set()))
        if cleaned == text:
            break
        text = cleaned
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def parse_entry(payload, *, partial: bool = False) -> dict:
    """The clean values of the fields present in `payload` (all required ones unless `partial`);
    raises ValidationFailed with every field's error at once."""
    if not isinstance(payload, dict):
        raise ValidationFailed(_l("The request body must be a JSON object."))
    errors: dict[str, str] = {}
    clean: dict = {}

    def text(name: str, max_length: int, required: bool) -> None:
        if name not in payload and partial:
            return
        value = payload.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[name] = str(_l("Must be text."))
            return
        value = plain_text(value)
        if required and not value:
            errors[name] = str(_l("This field is required."))
        elif len(value) > max_length:
            errors[name] = str(_l("Too long: at most %(max)d characters.", max=max_length))
        else:
            clean[name] = value

    text("question", QUESTION_MAX, True)
    text("answer", ANSWER_MAX, True)

    if "topic" in payload or not partial:
        code = payload.get("topic")
        if code in (None, ""):
            errors["topic"] = str(_l("Choose a topic."))
        elif not isinstance(code, str):
            errors["topic"] = str(_l("Must be text."))
        else:
            topic = db.session.execute(select(Topic).where(Topic.code == code)).scalar_one_or_none()
            if topic is None:
                errors["topic"] = str(_l("Unknown topic code: %(code)s.", code=code[:40]))
            else:
                clean["topic"] = topic

    if "city" in payload or not partial:
        code = payload.get("city")
        if code in (None, ""):
            clean["city"] = None
        elif not isinstance(code, str):
            errors["city"] = str(_l("Must be text."))
        else:
            city = db.session.execute(select(SisterCity).where(SisterCity.code == code)).scalar_one_or_none()
            if city is None:
                errors["city"] = str(_l("Unknown sister city code: %(code)s.", code=code[:40]))
            else:
                clean["city"] = city

    if "language" in payload or not partial:
        language = payload.get("language") or "ru"
        if language not in LANGUAGES:
            errors["language"] = str(_l("Unknown language; expected ru or en."))
        else:
            clean["language"] = language

    if "status" in payload:
        try:
            clean["status"] = FaqStatus(payload["status"])
        except (ValueError, TypeError):
            allowed = ", ".join(s.value for s in FaqStatus)
            errors["status"] = str(_l("Unknown value; expected one of: %(allowed)s.", allowed=allowed))

    if "wordings" in payload or not partial:
        raw = payload.get("wordings") or []
        if not isinstance(raw, list) or not all(isinstance(w, str) for w in raw):
            errors["wordings"] = str(_l("Must be a list of texts."))
        else:
            wordings = list(dict.fromkeys(w for w in (plain_text(w) for w in raw) if w))
            if len(wordings) > WORDINGS_MAX:
                errors["wordings"] = str(_l("At most %(max)d wordings.", max=WORDINGS_MAX))
            elif any(len(w) > WORDING_MAX for w in wordings):
                errors["wordings"] = str(_l("Each wording: at most %(max)d characters.", max=WORDING_MAX))
            else:
                clean["wordings"] = wordings

    if errors:
        raise ValidationFailed(_l("The FAQ entry was not saved: check the marked fields."), errors)
    return clean
