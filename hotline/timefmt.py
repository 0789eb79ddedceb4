"""Times for people: stored in UTC, shown in Perm local time through one filter."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import gettext as _


def iso(value: datetime | None) -> str | None:
    """A stored time as ISO 8601 UTC ("…Z"), the form exports and the APIs give."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["HOTLINE_TIMEZONE"])


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(local_zone())


def format_local(value: datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    if value is None:
        return "—"
    return to_local(value).strftime(fmt)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_age(seconds: float | None) -> str:
    """How long something has waited, as a person says it: «2 д 5 ч», «3 ч 20 мин», «12 мин»."""
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h", d=days, h=hours)
    if hours:
        return _("%(h)s h %(m)s min", h=hours, m=minutes)
    return _("%(m)s min", m=minutes)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local"] = format_local
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["age"] = format_age
