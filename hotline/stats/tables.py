"""The figures as tables: what the dashboard shows under each chart and what the exports write.
One definition, so a CSV, an XLSX and the page always agree."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..calls.forms import CHANNEL_LABELS, OUTCOME_LABELS
from ..extensions import db
from ..models import CallChannel, CallOutcome, FaqEntry, SisterCity, Topic, User
from ..timefmt import format_duration

WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
AGE_LABELS = {"<1": _l("under 1 business day"), "1-3": _l("1–3 business days"),
              "3-10": _l("3–10 business days"), ">10": _l("over 10 business days")}


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list]


def _names(model) -> dict[str, str]:
    locale = str(get_locale() or "ru")
    return {obj.code: obj.name(locale) for obj in db.session.execute(select(model)).scalars()}


def _people() -> dict[str, str]:
    """login → the name people know (the filters above the tables offer names too); a name two
    people share is told apart by the login: «Ольга Смирнова (operator2)»."""
    rows = db.session.execute(select(User.login, User.name)).all()
    shared = Counter(name for _login, name in rows if name)
    return {login: (f"{name} ({login})" if shared[name] > 1 else name) if name else login for login, name in rows}


def _pct(value):
    return None if value is None else round(value * 100, 1)


def _hours(value):
    return None if value is None else round(value, 2)


def build_tables(figures: dict) -> dict[str, Table]:
    calls = figures["calls"]
    topics, cities = _names(Topic), _names(SisterCity)
    people = _people()
    no_operator = str(_l("no operator (web, e-mail, partners)"))
    none = str(_l("none"))
    tables = [
        Table("summary", str(_l("Key figures")), [str(_l("Figure")), str(_l("Value"))], [
            [str(_l("Calls")), calls["total"]],
            [str(_l("First-contact resolution, %")), _pct(figures["fcr"])],
            [str(_l("Average handle time, min:s")), format_duration(figures["aht_seconds"])],
            [str(_l("Enquiries created")), figures["enquiries"]["created"]],
            [str(_l("Enquiries answered")), figures["enquiries"]["answered"]],
            [str(_l("Enquiries open")), figures["enquiries"]["open"]],
            [str(_l("Enquiries overdue")), figures["enquiries"]["overdue"]],
            [str(_l("Enquiries cancelled")), figures["enquiries"]["cancelled"]],
            [str(_l("Median time to assign, s")), figures["time_to_assign"]["median_seconds"]],
            [str(_l("90th percentile time to assign, s")), figures["time_to_assign"]["p90_seconds"]],
            [str(_l("Median time to answer, business hours")), _hours(figures["time_to_answer"]["median_hours"])],
            [str(_l("90th percentile time to answer, business hours")), _hours(figures["time_to_answer"]["p90_hours"])],
            [str(_l("Mean time to answer, business hours")), _hours(figures["time_to_answer"]["mean_hours"])],
            [str(_l("SLA compliance, %")), _pct(figures["sla_compliance"])],
            [str(_l("First responses")), figures["first_response"]["responded"]],
            [str(_l("Median time to first response, business hours")),
             _hours(figures["first_response"]["median_hours"])],
            [str(_l("First responses within target, %")), _pct(figures["first_response"]["compliance"])],
            [str(_l("Reopen rate, %")), _pct(figures["reopen"]["rate"])],
            [str(_l("Formal appeals registered (59-FZ)")), figures["appeals"]["registered"]],
            [str(_l("Of them registered within 3 days")), figures["appeals"]["registered_in_3_days"]],
            [str(_l("Formal appeals answered")), figures["appeals"]["answered"]],
            [str(_l("Of them answered by the legal deadline")), figures["appeals"]["answered_in_time"]],
            [str(_l("Legal deadlines extended")), figures["appeals"]["extended"]],
            [str(_l("Formal appeals past the legal deadline")), figures["appeals"]["overdue"]],
            [str(_l("FAQ-assisted share of answered calls, %")), _pct(figures["faq"]["assisted_share"])],
        ]),
        Table("calls_by_day", str(_l("Calls per day")),
              [str(_l("Date")), str(_l("Calls")), str(_l("Previous period"))],
              [[day, n, prev] for (day, n), prev in zip(calls["by_day"].items(), calls["previous_by_day"].values())]),
        Table("heatmap", str(_l("Calls by hour and weekday")),
              [str(_l("Hour"))] + [str(d) for d in WEEKDAYS],
              [[f"{hour:02d}:00"] + [calls["heatmap"][day][hour] for day in range(7)] for hour in range(24)]),
        Table("by_topic", str(_l("Calls by topic")), [str(_l("Topic")), str(_l("Calls"))],
              [[topics.get(code, none if code == "none" else code), n]
               for code, n in sorted(calls["by_topic"].items(), key=lambda kv: -kv[1])]),
        Table("by_city", str(_l("Calls by sister city")), [str(_l("Sister city")), str(_l("Calls"))],
              [[cities.get(code, none if code == "none" else code), n]
               for code, n in sorted(calls["by_city"].items(), key=lambda kv: -kv[1])]),
        Table("by_channel", str(_l("Calls by channel")), [str(_l("Channel")), str(_l("Calls"))],
              [[str(CHANNEL_LABELS[CallChannel(code)]), n] for code, n in calls["by_channel"].items()]),
        Table("by_outcome", str(_l("Calls by outcome")), [str(_l("Outcome")), str(_l("Calls"))],
              [[str(OUTCOME_LABELS[CallOutcome(code)]), n] for code, n in calls["by_outcome"].items()]),
        Table("sla_trend", str(_l("SLA compliance by day")),
              [str(_l("Date")), str(_l("Answered")), str(_l("On time")), str(_l("Compliance, %"))],
              [[day, row["answered"], row["on_time"], _pct(row["compliance"])]
               for day, row in figures["sla_by_day"].items()]),
        Table("backlog_aging", str(_l("Backlog aging")), [str(_l("Age")), str(_l("Open enquiries"))],
              [[str(AGE_LABELS[bucket]), n] for bucket, n in figures["backlog_aging"].items()]),
        Table("coordinators", str(_l("Coordinators")),
              [str(_l("Coordinator")), str(_l("Assigned")), str(_l("Answered")),
               str(_l("Median time to answer, business hours")), str(_l("SLA compliance, %")), str(_l("Open")),
               str(_l("Median time to first response, business hours")), str(_l("First responses within target, %"))],
              [[people.get(r["login"], r["login"]), r["assigned"], r["answered"], _hours(r["median_hours"]),
                _pct(r["sla_compliance"]), r["open"], _hours(r["first_response_hours"]),
                _pct(r["first_response_compliance"])] for r in figures["coordinators"]]),
        Table("reopen_by_coordinator", str(_l("Reopened answers by coordinator")),
              [str(_l("Coordinator")), str(_l("Answered")), str(_l("Reopened")), str(_l("Reopen rate, %"))],
              [[people.get(login, login), r["answered"], r["reopened"], _pct(r["rate"])]
               for login, r in figures["reopen"]["by_coordinator"].items()]),
        Table("reopen_by_topic", str(_l("Reopened answers by topic")),
              [str(_l("Topic")), str(_l("Answered")), str(_l("Reopened")), str(_l("Reopen rate, %"))],
              [[topics.get(code, code), r["answered"], r["reopened"], _pct(r["rate"])]
               for code, r in figures["reopen"]["by_topic"].items()]),
        Table("operators", str(_l("Operators")),
              [str(_l("Operator")), str(_l("Calls")), str(_l("Average handle time, min:s")),
               str(_l("First-contact resolution, %"))],
              [[no_operator if r["login"] == "none" else people.get(r["login"], r["login"]), r["calls"],
                format_duration(r["aht_seconds"]), _pct(r["fcr"])]
               for r in figures["operators"]]),
        Table("faq_top", str(_l("FAQ entries used most")), [str(_l("Entry")), str(_l("Question")), str(_l("Uses"))],
              [[r["id"], r["question"], r["uses"]] for r in figures["faq"]["top"]]),
    ]
    routed = figures["faq"]["routed_despite_match"]
    tables.append(Table("faq_routed_despite_match", str(_l("Routed although a published entry answered it")),
                        [str(_l("Entry")), str(_l("Question")), str(_l("Routed calls"))],
                        [[r["id"], r["question"], r["calls"]] for r in routed["by_entry"]]))
    tables.append(Table("faq_routed_by_topic", str(_l("Routed although an entry answered it, by topic")),
                        [str(_l("Topic")), str(_l("Routed calls"))],
                        [[topics.get(code, code), n] for code, n in routed["by_topic"].items()]))
    tables.append(Table("faq_unhelpful", str(_l("FAQ entries whose answers residents found not helpful")),
                        [str(_l("Entry")), str(_l("Question")), str(_l("Not helpful")), str(_l("Responses"))],
                        [[r["id"], r["question"], r["not_helpful"], r["responses"]] for r in figures["faq"]["unhelpful"]]))
    tables += _telephony_tables(figures["telephony"], people)
    never = figures["faq"]["never_used"]
    questions = {}
    if never:
        questions = dict(db.session.execute(
            select(FaqEntry.id, FaqEntry.question).where(FaqEntry.id.in_(never))).all())
    tables.append(Table("faq_never_used", str(_l("FAQ entries never used")),
                        [str(_l("Entry")), str(_l("Question"))], [[i, questions.get(i, "")] for i in never]))
    return {table.name: table for table in tables}


def _telephony_tables(tel: dict, people: dict) -> list[Table]:
    """The phone system's figures (hotline/stats/telephony.py), SPEC 7."""
    heads = [str(_l("Offered")), str(_l("Answered")), str(_l("Abandoned")), str(_l("Service level, %"))]
    return [
        Table("telephony", str(_l("Telephony")), [str(_l("Figure")), str(_l("Value"))], [
            [str(_l("Calls offered")), tel["offered"]],
            [str(_l("Calls answered")), tel["answered"]],
            [str(_l("Calls abandoned (business hours)")), tel["abandoned"]],
            [str(_l("Abandonment rate, %")), _pct(tel["abandonment_rate"])],
            [str(_l("Average speed of answer, min:s")), format_duration(tel["asa_seconds"])],
            [str(_l("90th percentile speed of answer, min:s")), format_duration(tel["asa_p90_seconds"])],
            [str(_l("Service level (answered within %(s)s s), %%", s=tel["service_level_seconds"])),
             _pct(tel["service_level"])],
            [str(_l("Talk time, min:s")), format_duration(tel["talk_seconds"])],
            [str(_l("Average talk time, min:s")), format_duration(tel["talk_mean_seconds"])],
            [str(_l("Forwarded")), tel["forwarded"]],
            [str(_l("Out of business hours: offered")), tel["out_of_hours"]["offered"]],
            [str(_l("Out of business hours: abandoned")), tel["out_of_hours"]["abandoned"]],
            [str(_l("Outbound calls")), tel["outbound"]],
        ]),
        Table("telephony_by_hour", str(_l("Telephony by hour of day")), [str(_l("Hour"))] + heads,
              [[f"{hour:02d}:00", r["offered"], r["answered"], r["abandoned"], _pct(r["service_level"])]
               for hour, r in enumerate(tel["by_hour"])]),
        Table("telephony_by_day", str(_l("Telephony by day")), [str(_l("Date"))] + heads,
              [[day, r["offered"], r["answered"], r["abandoned"], _pct(r["service_level"])]
               for day, r in tel["by_day"].items()]),
        Table("telephony_operators", str(_l("Operators on the phone")),
              [str(_l("Operator")), str(_l("Answered")), str(_l("Talk time, min:s"))],
              [[str(_l("not known to the desk")) if r["login"] == "none" else people.get(r["login"], r["login"]),
                r["answered"], format_duration(r["talk_seconds"])] for r in tel["operators"]]),
    ]


TABLE_NAMES = ("summary", "calls_by_day", "heatmap", "by_topic", "by_city", "by_channel", "by_outcome",
               "sla_trend", "backlog_aging", "coordinators", "reopen_by_coordinator", "reopen_by_topic", "operators",
               "faq_top", "faq_never_used", "faq_routed_despite_match", "faq_routed_by_topic", "faq_unhelpful",
               "telephony", "telephony_by_hour", "telephony_by_day", "telephony_operators")
