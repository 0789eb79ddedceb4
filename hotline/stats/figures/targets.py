"""The `first_response` and `reopen` blocks of the statistics (SPEC 7, 8.2), from the enquiry
rows `compute` read (grouped by coordinator and topic) and the first-response durations.

- first response: the enquiries whose first response (the answer, an interim reply, a call-back
  that reached the resident) fell in the period; its time in business hours from creation,
  median nearest-rank; compliance = those responded by `first_response_due_at` / those responded.
- reopen rate = reopened / answered: the enquiries reopened in the period (by their latest
  reopening) over the answers given in it (by the latest answer, whatever followed: a reopened
  one still counts its answer), per coordinator (the assignee) and per topic."""
from __future__ import annotations

from collections import defaultdict

from .read import hours, key, percentiles, ratio


def first_response_figures(enquiry_rows: list[tuple],  durations, known: dict) -> dict:
    per: dict = defaultdict(lambda: [0, 0])  # coordinator → [responded, in time]
    for coordinator_id, _topic_id, row in enquiry_rows:
        per[coordinator_id][0] += row["responded"]
        per[coordinator_id][1] += row["responded_in_time"]
    every: dict = defaultdict(int)
    for by_bucket in durations["first_response"].values():
        for bucket, n in by_bucket.items():
            every[bucket] += n
    responded, in_time = sum(n for n, _ok in per.values()), sum(ok for _n, ok in per.values())
    by_coordinator = {
        key(known["user"], user_id): {
            "responded": n, "compliance": ratio(ok, n),
            "median_hours": hours(percentiles(durations["first_response"].get(user_id, {}), (50,))[50])}
        for user_id, (n, ok) in per.items() if user_id is not None and n}
    return {"responded": responded, "in_time": in_time, "median_hours": hours(percentiles(every, (50,))[50]),
            "compliance": ratio(in_time, responded), "by_coordinator": dict(sorted(by_coordinator.items()))}


def reopen_figures(enquiry_rows, known: dict) -> dict:
    by_coordinator: dict = defaultdict(lambda: [0, 0])  # [answered, reopened]
    by_topic: dict = defaultdict(lambda: [0, 0])
    for coordinator_id, topic_id, row in enquiry_rows:
        if not row["answers"] and not row["reopened"]:
            continue
        for group, code in ((by_coordinator, key(known["user"], coordinator_id) if coordinator_id else None),
                            (by_topic, key(known["topic"], topic_id))):
            if code is not None:
                group[code][0] += row["answers"]
                group[code][1] += row["reopened"]

    def block(answered, reopened) -> dict:
        return {"answered": answered, "reopened": reopened, "rate": ratio(reopened, answered)}

    answered = sum(a for a, _r in by_topic.values())
    reopened = sum(r for _a, r in by_topic.values())
    return {**block(answered, reopened),
            "by_coordinator": {code: block(*pair) for code, pair in sorted(by_coordinator.items())},
            "by_topic": {code: block(*pair) for code, pair in sorted(by_topic.items())}}

