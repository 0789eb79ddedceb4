"""Numbers for people, in the reader's language through Babel (never f-strings): «66,1 %» and
«0,2 с» in Russian (a comma, a narrow no-break space before the sign or unit), «66.1%» and
«0.2 s» in English; and durations one way everywhere, «3:01» (timefmt.format_duration)."""
from __future__ import annotations

from flask import Flask
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from .timefmt import format_duration

NNBSP = "\u202f"  # narrow no-break space: «66,1 %», «0,2 с»


def _russian() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "ru"


def number(value, digits: int = 1) -> str:
    """A decimal in the reader's format, `digits` after the point (trailing zeros kept): 1 234,5."""
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return format_decimal(value, "#,##0")
    return format_decimal(value, "#,##0." + "0" * digits if digits else "#,##0")


def percent(fraction, digits: int = 1) -> str:
    """A share (0.661) as a percentage: «66,1 %» / «66.1%»."""
    if fraction is None:
        return "—"
    figure = number(fraction * 100, digits)
    return f"{figure}{NNBSP}%" if _russian() else f"{figure}%"


def percent_figure(value, digits: int = 1) -> str:
    """A percentage already multiplied out (66.1), as `percent` shows it."""
    return "—" if value is None else percent(value / 100, digits)


def seconds(value) -> str:
    """A short time in seconds, «0,2 с»; two minutes and longer as a duration, «3:01»."""
    if value is None:
        return "—"
    if value >= 120:
        return format_duration(value)
    return f"{number(value, 1)}{NNBSP}{_('s')}"


def hours(value) -> str:
    """Business hours, one decimal: «12,5»."""
    return number(value, 1)


def compact(value) -> str:
    """A decimal without trailing zeros: 8, 2,5, 0,25."""
    return "—" if value is None else format_decimal(value, "#,##0.##")


def cell(value) -> str:
    """A table cell: numbers in the reader's format, text as it is, nothing as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return number(value, 0 if isinstance(value, int) else 1)
    return str(value)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(number=number, percent=percent, seconds=seconds, hours=hours, cell=cell,
                            compact=compact)
