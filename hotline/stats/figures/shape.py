"""The shape of the figures, the same from the raw rows and from the rollup: keys by code,
ratios, rounding, and the per-coordinator rows."""
from __future__ import annotations

from sqlalchemy import literal, select, union_all

from ...extensions import db
from ...models import EnquiryStatus, SisterCity, Topic, User

ANSWERED_STATUSES = (EnquiryStatus.ANSWERED, EnquiryStatus.CLOSED)
AGE_BUCKETS = ("<1", "1-3", "3-10", ">10")  # business days
FAQ_TOP = 10
NONE_KEY = "none"

def _names() -> dict[str, dict[int, str]]:
    """{"topic" | "city" | "user": {id: code or login}}, in one statement."""
    names: dict[str, dict[int, str]] = {"topic": {}, "city": {}, "user": {}}
    for kind, id_, code in db.session.execute(union_all(
            select(literal("topic"), Topic.id, Topic.code), select(literal("city"), SisterCity.id, SisterCity.code),
            select(literal("user"), User.id, User.login))).all():
        names[kind][id_] = code
    return names


def _key(names: dict[int, str], value) -> str:
    return NONE_KEY if value is None else names.get(value, str(value))


def _ratio(numerator, denominator) -> float | None:
    return (numerator or 0) / denominator if denominator else None



def _id_or_none(gval: str):
    return int(gval) if gval else None


def _coordinator_rows(names, assigned: dict, answered: dict, medians: dict, open_by_assignee: dict) -> list[dict]:
    """Per coordinator: {id: n} assigned, {id: (answered, on time)}, {id: {50: seconds}}, {id: open}."""
    rows: dict[int, dict] = {}

    def row(user_id):
        return rows.setdefault(user_id, {"login": _key(names["user"], user_id), "assigned": 0, "answered": 0,
                                         "median_hours": None, "sla_compliance": None, "open": 0})

    for user_id, n in assigned.items():
        row(user_id)["assigned"] = n
    for user_id, (n, ok) in answered.items():
        row(user_id).update(answered=n, sla_compliance=_ratio(ok, n))
    for user_id, n in open_by_assignee.items():
        row(user_id)["open"] = n
    for user_id, values in medians.items():
        row(user_id)["median_hours"] = _hours(values[50])
    return sorted(rows.values(), key=lambda r: (-r["answered"], -r["assigned"], r["login"]))


def _round(value) -> float | None:
    return None if value is None else round(float(value), 3)


def _hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 4)
