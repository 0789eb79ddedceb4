"""Phone numbers in one form (E.164), so `8 (342) 212-44-86` and `+7 342 2124486` are one caller."""
from __future__ import annotations

import phonenumbers
from flask import current_app, has_app_context


# Residents dictate Perm numbers as seven digits (212-44-86); they are read as +7 342 212-44-86.
LOCAL_AREA_CODE = "342"
LOCAL_DIGITS = 7


class InvalidPhone(ValueError):
    pass


def _local_area() -> str:
    if has_app_context():
        return current_app.config.get("HOTLINE_LOCAL_AREA_CODE", LOCAL_AREA_CODE)
    return LOCAL_AREA_CODE


def normalise_phone(raw: str, region: str = "RU") -> str:
    """E.164 for a number a person typed; raises InvalidPhone when it cannot be a phone number."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("empty")
    digits = "".join(ch for ch in text if ch.isdigit())
    # A Russian trunk prefix 8 followed by ten digits is the same number as +7.
    if region == "RU" and len(digits) == 11 and digits[0] == "8" and not text.startswith("+"):
        text = "+7" + digits[1:]
    # A local number without the area code: seven digits, not starting with the trunk prefix 8.
    elif region == "RU" and len(digits) == LOCAL_DIGITS and digits[0] not in "78" and not text.startswith("+"):
        text = "+7" + _local_area() + digits
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(exc)) from exc
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise InvalidPhone("not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_prefix(raw: str, region: str = "RU") -> str | None:
    """A partial number as typed, turned into the E.164 prefix it must start with (lookup as you type)."""
    digits = "".join(ch for ch in (raw or "") if ch.isdigit())
    if len(digits) < 4:
        return None
    text = (raw or "").strip()
    if text.startswith("+"):
        return "+" + digits
    if region == "RU":
        if digits[0] in "78" and len(digits) >= 4:
            return "+7" + digits[1:]
        if digits[0] == "9":  # a mobile number typed without the 8
            return "+7" + digits
        area = _local_area()
        if len(digits) <= LOCAL_DIGITS and not digits.startswith(area):  # local, without the area code
            return "+7" + area + digits
        return "+7" + digits
    return "+" + digits


def format_phone(e164: str | None) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(e164: str | None) -> str:
    """For lists shown to roles that do not need the whole number (SPEC 10)."""
    if not e164:
        return ""
    return e164[:-7] + "•••" + e164[-4:] if len(e164) > 7 else "•••"
