"""Forms of the administration screens. They check shape (required, numbers, dates); the rules
that need the database (unique codes, overlapping absences, who may be a member) are the
service's, whose errors the views put on the same fields."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, PasswordInput, TextInput

from ..models import Role

REQUIRED = _l("Required.")


def at_most(limit: int):
    def check(form, field):
        if field.data and len(field.data) > limit:
            raise ValidationError(_l("At most %(n)s characters.", n=limit))

    return check


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class NumberField(Field):
    """A number typed by a person: a decimal comma is as good as a point."""

    widget = TextInput()
    integer = False

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric" if self.integer else "decimal"})
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        if isinstance(self.data, float) and self.data.is_integer():
            return str(int(self.data))
        return str(self.data)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip().replace(",", ".").replace(" ", "").replace("\u00a0", "")
        try:
            self.data = int(text) if self.integer else float(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Type a whole number.") if self.integer else _l("Type a number, e.g. 8 or 4,5."))


class IntegerNumberField(NumberField):
    integer = True


class DayField(Field):
    """A date from <input type=date> (YYYY-MM-DD), or typed the Russian way (DD.MM.YYYY)."""

    widget = TextInput(input_type="date")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        try:
            if "." in text:
                day, month, year = (int(part) for part in text.split("."))
                self.data = date(year, month, day)
            else:
                self.data = date.fromisoformat(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Type a date, e.g. 31.12.2026.")) from None


class PickField(SelectField):
    """A select whose refusal of a value not in the list speaks our words."""

    def pre_validate(self, form):
        if self.validate_choice and self.choices is not None:
            for _value, _label, selected, *_rest in self.iter_choices():
                if selected:
                    return
            raise ValidationError(_l("Pick one from the list."))


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        values = {str(value) for value, _label in self.choices}
        for item in self.data or []:
            if str(item) not in values:
                raise ValidationError(_l("Unknown choice: %(value)s.", value=item))


ROLE_CHOICES = [(Role.OPERATOR.value, _l("operator")), (Role.COORDINATOR.value, _l("coordinator")),
                (Role.SUPERVISOR.value, _l("supervisor")), (Role.ADMIN.value, _l("administrator"))]


class UserForm(FlaskForm):
    login = StringField(_l("Login"), validators=[InputRequired(REQUIRED), at_most(64)])
    name = StringField(_l("Name"), validators=[at_most(200)])
    email = StringField(_l("E-mail"), validators=[Optional(), at_most(254)])
    role = PickField(_l("Role"), choices=ROLE_CHOICES)
    extension = StringField(_l("Phone extension"), validators=[Optional(), at_most(32)],
                            description=_l("Operators: the extension the phone system names when they answer."))
    # What was typed stays in the field when the save is refused for another field (issue 16).
    password = PasswordField(_l("Password"), validators=[InputRequired(REQUIRED)], widget=PasswordInput(hide_value=False),
                             description=_l("At least 8 characters."))
    topics = CheckboxesField(_l("Topics"), choices=[])
    cities = CheckboxesField(_l("Only these sister cities"), choices=[],
                             description=_l("None ticked: every sister city of the ticked topics."))


class UserEditForm(UserForm):
    login = None
    active = BooleanField(_l("Active (may sign in)"))
    password = PasswordField(_l("New password"), validators=[Optional()], widget=PasswordInput(hide_value=False),
                             description=_l("Leave empty to keep the current password."))


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


class AbsenceForm(FlaskForm):
    user = PickField(_l("Coordinator"), coerce=_optional_int, choices=[], validators=[InputRequired(REQUIRED)])
    starts_on = DayField(_l("From"), validators=[InputRequired(REQUIRED)])
    ends_on = DayField(_l("To (inclusive)"), validators=[InputRequired(REQUIRED)])
    reason = StringField(_l("Reason"), validators=[at_most(200)])

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))


class RuleForm(FlaskForm):
    topic = PickField(_l("Topic"), coerce=_optional_int, choices=[], validators=[InputRequired(REQUIRED)])
    city = PickField(_l("Sister city"), coerce=_optional_int, choices=[])
    group = PickField(_l("Coordinator group"), coerce=_optional_int, choices=[],
                        validators=[InputRequired(REQUIRED)])
    priority = IntegerNumberField(_l("Priority"), default=0, validators=[InputRequired(REQUIRED)],
                                  description=_l("Higher wins; a rule for a sister city wins a tie over “any city”."))


class GroupForm(FlaskForm):
    name = StringField(_l("Group name"), validators=[InputRequired(REQUIRED), at_most(200)])
    topic = PickField(_l("Topic"), coerce=_optional_int, choices=[])


class MemberForm(FlaskForm):
    user = PickField(_l("Coordinator"), coerce=_optional_int, choices=[], validators=[InputRequired(REQUIRED)])
    city = PickField(_l("Only for sister city"), coerce=_optional_int, choices=[])


class SlaForm(FlaskForm):
    topic = PickField(_l("Topic"), coerce=_optional_int, choices=[])
    first_response_hours = NumberField(_l("First response, business hours"), validators=[InputRequired(REQUIRED)])
    answer_hours = NumberField(_l("Answer, business hours"), validators=[InputRequired(REQUIRED)])

    def validate_first_response_hours(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("A number greater than 0."))

    def validate_answer_hours(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("A number greater than 0."))
        first = self.first_response_hours.data
        if field.data is not None and first is not None and field.data < first:
            raise ValidationError(_l("The answer target cannot be shorter than the first-response target."))


class CalendarDayForm(FlaskForm):
    day = DayField(_l("Date"), validators=[InputRequired(REQUIRED)])
    working = PickField(_l("The day is"), choices=[("off", _l("a day off")), ("working", _l("a working day"))])
    note = StringField(_l("Note"), validators=[at_most(200)])


class TopicForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(REQUIRED), at_most(32)],
                       description=_l("Lowercase latin letters, digits and hyphens; it never changes."))
    name_ru = StringField(_l("Name in Russian"), validators=[InputRequired(REQUIRED), at_most(200)])
    name_en = StringField(_l("Name in English"), validators=[InputRequired(REQUIRED), at_most(200)])
    position = IntegerNumberField(_l("Position in lists"), default=0, validators=[InputRequired(REQUIRED)])
    active = BooleanField(_l("Active (offered in forms)"), default=True)


class TopicEditForm(TopicForm):
    code = None


class CityForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(REQUIRED), at_most(32)],
                       description=_l("Lowercase latin letters, digits and hyphens; it never changes."))
    name_ru = StringField(_l("Name in Russian"), validators=[InputRequired(REQUIRED), at_most(120)])
    name_en = StringField(_l("Name in English"), validators=[InputRequired(REQUIRED), at_most(120)])
    country_ru = StringField(_l("Country in Russian"), validators=[InputRequired(REQUIRED), at_most(120)])
    country_en = StringField(_l("Country in English"), validators=[InputRequired(REQUIRED), at_most(120)])
    agreement_year = IntegerNumberField(_l("Year of the agreement"), validators=[Optional()])
    active = BooleanField(_l("Active (offered in forms)"), default=True)


class CityEditForm(CityForm):
    code = None


class MailTemplateForm(FlaskForm):
    """One part of a letter to residents; the service checks that it renders and keeps its links."""

    source = TextAreaField(_l("Text of the letter"), validators=[InputRequired(message=REQUIRED)])
