"""The wording of the letters to residents, which admins may edit (SPEC 3, delivery).

Each letter part (the answer in plain text and HTML, the acknowledgement, a coordinator's interim
message) has a default under `templates/mail/<language>/` and at most one admin's edit per
language in `mail_template`. Both are Jinja, rendered in a sandbox with plain strings only (no
records to walk through), undefined names refused, and HTML escaped; the subject, which carries
the reference that threads a reply, stays the desk's own."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape
from sqlalchemy import select

from .. import audit
from ..errors import ValidationFailed
from ..extensions import db
from ..i18n import LANGUAGES
from ..models import MailTemplate, User

MAX_SOURCE = 20_000

VARIABLES = {
    "name": _l("the resident's name (may be empty)"),
    "reference": _l("the enquiry's reference"),
    "answer": _l("the coordinator's answer"),
    "body": _l("the coordinator's message"),
    "helpful_url": _l("the link «it helped»"),
    "not_helpful_url": _l("the link «it did not help»"),
    "agency": _l("the department (OPEN311_AGENCY)"),
    "contact": _l("the hotline's contact (OPEN311_CONTACT)"),
    "public_url": _l("the public site (PUBLIC_URL)"),
}


@dataclass(frozen=True)
class Letter:
    label: object
    parts: tuple[str, ...]
    variables: tuple[str, ...]
    required: tuple[str, ...]  # a letter without them would break the loop (feedback, threading)


SIGNATURE = ("agency", "contact", "public_url")
LETTERS = {
    "answer": Letter(_l("The answer"), ("txt", "html"),
                     ("name", "reference", "answer", "helpful_url", "not_helpful_url") + SIGNATURE,
                     ("reference", "answer", "helpful_url", "not_helpful_url")),
    "acknowledgement": Letter(_l("Acknowledgement of a letter"), ("txt",), ("reference",) + SIGNATURE,
                              ("reference",)),
    "interim": Letter(_l("A coordinator's message"), ("txt",), ("reference", "body") + SIGNATURE,
                      ("reference", "body")),
}
SAMPLE = {"name": "Анна Соколова", "reference": "ЗЛ-2026-000042", "answer": "Заявки принимаются до 1 марта.",
          "body": "Уточните, пожалуйста, даты поездки.", "helpful_url": "https://example.org/feedback/yes",
          "not_helpful_url": "https://example.org/feedback/no", "agency": "Департамент", "contact": "+7 (342) 000-00-00",
          "public_url": "https://example.org"}


def _environment(part: str) -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=part == "html", undefined=StrictUndefined, keep_trailing_newline=True)


ENVIRONMENTS = {part: _environment(part) for part in ("txt", "html")}


@lru_cache(maxsize=64)
def _compiled(part: str, source: str):
    return ENVIRONMENTS[part].from_string(source)


def letter_spec(letter: str, language: str, part: str) -> Letter:
    spec = LETTERS.get(letter)
    if spec is None or language not in LANGUAGES or part not in spec.parts:
        raise LookupError((letter, language, part))
    return spec


def default_source(letter: str, language: str, part: str) -> str:
    letter_spec(letter, language, part)
    return _read(Path(current_app.root_path).parent / "templates" / "mail" / language / f"{letter}.{part}")


@lru_cache(maxsize=32)
def _read(path: Path) -> str:
    """The shipped defaults do not change while the process runs: read each once."""
    return path.read_text(encoding="utf-8")


def edit_of(letter: str, language: str, part: str) -> MailTemplate | None:
    return db.session.execute(select(MailTemplate).where(
        MailTemplate.letter == letter, MailTemplate.language == language, MailTemplate.part == part)).scalar_one_or_none()


def source(letter: str, language: str, part: str) -> str:
    edit = edit_of(letter, language, part)
    return edit.source if edit is not None else default_source(letter, language, part)


def render(letter: str, language: str, part: str, context: dict[str, str]) -> str:
    """One part of a letter: the admins' wording if they edited it, else the default."""
    spec = letter_spec(letter, language, part)
    values = {name: context.get(name) or "" for name in spec.variables}
    return _compiled(part, source(letter, language, part)).render(values)


def check(letter: str, part: str, text: str) -> str:
    """The rendered sample of `text`, or ValidationFailed saying in the reader's language what is wrong."""
    spec = LETTERS[letter]
    if not text.strip():
        raise _refusal(_("The letter cannot be empty."))
    if len(text) > MAX_SOURCE:
        raise _refusal(_("The letter is longer than %(n)d characters.", n=MAX_SOURCE))
    try:
        rendered = ENVIRONMENTS[part].from_string(text).render({name: SAMPLE[name] for name in spec.variables})
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = _(" (line %(n)d)", n=line) if line else ""
        raise _refusal(_("The template cannot be read%(where)s: %(error)s",
                                            where=where, error=exc.message or type(exc).__name__)) from exc
    missing = [name for name in spec.required if SAMPLE[name] not in rendered and _escaped(SAMPLE[name]) not in rendered]
    if missing:
        raise _refusal(_("The letter must contain %(names)s.",
                                            names=", ".join("{{ %s }}" % name for name in missing)))
    return rendered


def _refusal(message: str) -> ValidationFailed:
    return ValidationFailed(message, {"source": message})


def _escaped(value: str) -> str:
    return str(escape(value))


def save(actor: User, letter: str, language: str, part: str, text: str) -> MailTemplate:
    letter_spec(letter, language, part)
    text = text.replace("\r\n", "\n")
    check(letter, part, text)
    edit = edit_of(letter, language, part)
    if edit is None:
        edit = MailTemplate(letter=letter, language=language, part=part, source=text)
        db.session.add(edit)
    edit.source, edit.updated_by = text, actor
    db.session.flush()
    audit.record(actor, "edit_mail_template", edit, letter=letter, language=language, part=part)
    return edit


def reset(actor: User, letter: str, language: str, part: str) -> bool:
    """Back to the default wording; False when there was no edit."""
    letter_spec(letter, language, part)
    edit = edit_of(letter, language, part)
    if edit is None:
        return False
    audit.record(actor, "reset_mail_template", edit, letter=letter, language=language, part=part)
    db.session.delete(edit)
    db.session.flush()
    return True


def overview() -> list[dict]:
    """Every letter part in every language, and whether (and by whom) it was edited."""
    edits = {(e.letter, e.language, e.part): e for e in db.session.execute(select(MailTemplate)).scalars()}
    return [{"letter": letter, "label": spec.label, "language": language, "part": part,
             "edit": edits.get((letter, language, part))}
            for letter, spec in LETTERS.items() for language in LANGUAGES for part in spec.parts]
