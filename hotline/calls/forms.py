from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..labels import CHANNEL_LABELS, OUTCOME_LABELS  # stats/ reads them from here too


class CallForm(FlaskForm):
    """Renders the New call screen; the rules themselves live in calls/schema.py."""

    phone = StringField(_l("Phone"))
    caller_name = StringField(_l("Caller's name"))
    caller_email = StringField(_l("E-mail"))
    caller_language = SelectField(_l("Language"), choices=[("ru", "Русский"), ("en", "English")])
    consent = BooleanField(_l("Consent to personal data processing given"))
    formal_appeal = BooleanField(_l("A written appeal under 59-FZ (legal deadline 30 days)"))
    channel = SelectField(_l("Channel"), choices=[(c.value, label) for c, label in CHANNEL_LABELS.items()])
    topic = SelectField(_l("Topic"), choices=[])
    city = SelectField(_l("Sister city"), choices=[])
    question = TextAreaField(_l("Question"))
    answer = TextAreaField(_l("Answer given"))
    outcome = RadioField(_l("Outcome"), choices=[(o.value, label) for o, label in OUTCOME_LABELS.items()],
                         validate_choice=False)
    started_at = HiddenField()
    cti_call_id = HiddenField()  # set by the screen pop
    reply_channel = SelectField(_l("Answer reaches the caller"), validate_choice=False, choices=[
        ("", _l("as the contacts allow (e-mail, else a call-back)")), ("email", _l("by e-mail")),
        ("phone", _l("by a call-back")), ("none", _l("the caller looks it up by reference"))])

    def to_payload(self, faq_ids: list[int]) -> dict:
        return {
            "channel": self.channel.data,
            "topic": self.topic.data,
            "city": self.city.data or None,
            "question": self.question.data or "",
            "answer": self.answer.data or "",
            "outcome": self.outcome.data,
            "faq_ids": faq_ids,
            "started_at": self.started_at.data or None,
            "cti_call_id": self.cti_call_id.data or None,
            "reply_channel": self.reply_channel.data or None,
            "formal_appeal": bool(self.formal_appeal.data),
            "caller": {
                "name": self.caller_name.data or "",
                "phone": self.phone.data or "",
                "email": self.caller_email.data or "",
                "language": self.caller_language.data or "ru",
                "consent": bool(self.consent.data),
            },
        }


class CallFilterForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    topic = SelectField(_l("Topic"), choices=[], validators=[Optional()])
    outcome = SelectField(_l("Outcome"), choices=[], validators=[Optional()])
    q = StringField(_l("Text"), validators=[Optional()])
