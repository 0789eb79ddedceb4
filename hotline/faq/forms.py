from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from ..models import FaqStatus

STATUS_LABELS = {
    FaqStatus.DRAFT: _l("draft"),
    FaqStatus.PUBLISHED: _l("published"),
    FaqStatus.RETIRED: _l("retired"),
}
# Names of the fields as the revision history shows them.
FIELD_LABELS = {
    "question": _l("Question"),
    "answer": _l("Answer"),
    "topic": _l("Topic"),
    "city": _l("Sister city"),
    "language": _l("Language"),
    "status": _l("Status"),
    "wordings": _l("Other wordings"),
}
LANGUAGE_CHOICES = [("ru", "Русский"), ("en", "English")]


class FaqEntryForm(FlaskForm):
    """Renders the FAQ editor; the rules themselves live in faq/schema.py."""

    question = TextAreaField(_l("Question"))
    answer = TextAreaField(_l("Answer"), description=_l(
        "Plain text. A blank line starts a paragraph, lines starting with “- ” make a list, "
        "**bold** is bold, web addresses become links."))
    wordings = TextAreaField(_l("Other wordings"), description=_l("One per line: how callers actually ask."))
    topic = SelectField(_l("Topic"), choices=[])
    city = SelectField(_l("Sister city"), choices=[])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)

    def to_payload(self) -> dict:
        return {
            "question": self.question.data or "",
            "answer": self.answer.data or "",
            "wordings": [line for line in (self.wordings.data or "").splitlines() if line.strip()],
            "topic": self.topic.data or None,
            "city": self.city.data or None,
            "language": self.language.data or "ru",
        }


class FaqStatusForm(FlaskForm):
    status = HiddenField()


class FaqSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"))
    topic = SelectField(_l("Topic"), choices=[])
    language = SelectField(_l("Language"), choices=[("", _l("Any language"))] + LANGUAGE_CHOICES)
    status = SelectField(_l("Status"), choices=[])
