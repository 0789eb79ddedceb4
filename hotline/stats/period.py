"""The period and filters of a statistics request: Perm local dates [from, to), presets, and the
codes of topic / sister city / channel / operator / coordinator resolved to ids."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import ServiceError, ValidationFailed
from ..extensions import db
from ..models import CallChannel, Role, SisterCity, Topic, User, utcnow
from ..timefmt import local_zone

PRESETS = ("today", "7d", "30d", "quarter", "year", "custom")
FILTERS = ("topic", "city", "channel", "operator", "coordinator")
MAX_DAYS = 3 * 366


class BadDate(ServiceError):
    """A date that is not YYYY-MM-DD: HTTP 400 (a valid but impossible range is 422)."""

    status = 400
    code = "bad_request"


@dataclass(frozen=True)
class Filters:
    topic: str | None = None
    city: str | None = None
    channel: str | None = None
    operator: str | None = None
    coordinator: str | None = None
    # Resolved ids (None when the filter is not set).
    topic_id: int | None = field(default=None, compare=False)
    city_id: int | None = field(default=None, compare=False)
    operator_id: int | None = field(default=None, compare=False)
    coordinator_id: int | None = field(default=None, compare=False)

    def codes(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in FILTERS}


@dataclass(frozen=True)
class Period:
    start: date  # first local day, inclusive
    end: date  # local day after the last, exclusive
    preset: str = "custom"

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as UTC instants [start, end)."""
        zone = local_zone()
        return (
            datetime.combine(self.start, time(0), tzinfo=zone).astimezone(timezone.utc),
            datetime.combine(self.end, time(0), tzinfo=zone).astimezone(timezone.utc),
        )

    def previous(self) -> "Period":
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start, preset="custom")

    def day_list(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def today_local() -> date:
    return utcnow().astimezone(local_zone()).date()


def preset_period(preset: str, today: date | None = None) -> Period:
    today = today or today_local()
    tomorrow = today + timedelta(days=1)
    if preset == "today":
        return Period(today, tomorrow, preset)
    if preset == "7d":
        return Period(today - timedelta(days=6), tomorrow, preset)
    if preset == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        return Period(date(today.year, first_month, 1), tomorrow, preset)
    if preset == "year":
        return Period(date(today.year, 1, 1), tomorrow, preset)
    return Period(today - timedelta(days=29), tomorrow, "30d")


def _parse_date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadDate(_("Dates are written YYYY-MM-DD."),
                      fields={name: _("Not a date: %(value)s.", value=value[:20])}) from None


def parse_period(args, default_preset: str = "30d") -> Period:
    """`from`/`to` (to exclusive) win over `period`; a bad date raises BadDate, an impossible
    range ValidationFailed."""
    raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    preset = args.get("period") or ""
    if raw_from or raw_to or preset == "custom":
        if not raw_from or not raw_to:
            missing = "from" if not raw_from else "to"
            raise ValidationFailed(_("Give both dates of the period."),
                                   fields={missing: _("This date is required.")})
        start, end = _parse_date("from", raw_from), _parse_date("to", raw_to)
        if end <= start:
            raise ValidationFailed(_("The end of the period must be after its start."),
                                   fields={"to": _("Must be after the start date.")})
        if (end - start).days > MAX_DAYS:
            raise ValidationFailed(_("A period may be at most three years long."),
                                   fields={"to": _("The period is too long.")})
        return Period(start, end, "custom")
    if preset and preset not in PRESETS:
        raise ValidationFailed(_("Unknown period."), fields={"period": _("Unknown period.")})
    return preset_period(preset or default_preset)


def parse_filters(args) -> Filters:
    """Codes from the request resolved to ids; an unknown code raises ValidationFailed."""
    values = {name: (args.get(name) or "").strip() or None for name in FILTERS}
    errors: dict[str, str] = {}
    ids: dict[str, int | None] = {}
    if values["topic"]:
        ids["topic_id"] = db.session.execute(select(Topic.id).where(Topic.code == values["topic"])).scalar()
        if ids["topic_id"] is None:
            errors["topic"] = _("Unknown topic.")
    if values["city"]:
        ids["city_id"] = db.session.execute(
            select(SisterCity.id).where(SisterCity.code == values["city"])).scalar()
        if ids["city_id"] is None:
            errors["city"] = _("Unknown sister city.")
    if values["channel"] and values["channel"] not in {c.value for c in CallChannel}:
        errors["channel"] = _("Unknown channel.")
    for name, role in (("operator", Role.OPERATOR), ("coordinator", Role.COORDINATOR)):
        if values[name]:
            user_id = db.session.execute(select(User.id).where(User.login == values[name])).scalar()
            ids[f"{name}_id"] = user_id
            if user_id is None:
                errors[name] = _("Unknown user.")
    if errors:
        raise ValidationFailed(_("Some filters are not valid."), fields=errors)
    return Filters(**values, **ids)
