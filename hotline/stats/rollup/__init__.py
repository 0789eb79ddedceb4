"""The daily rollup that makes the statistics fast at scale.

For every closed Perm-local day, `stats_cube` holds each fact's additive measures grouped by one
dimension, with no filter and under each single filter (topic, city, channel, operator,
coordinator); `stats_sample` holds the values percentiles are taken from, with a value bucket.
A request sums the cube rows of the served days and runs the very same grouped SELECTs over the
raw rows of the other days (today, days never built, days changed since their build), so a
figure has one definition: the SELECTs in this module, used both to build and to read live.

Facts are keyed by the date of their own event, so a late answer lands on the day it is given:
- call (call.started_at): n calls, m1 answered, m2 routed, m3 info, m4 dropped, m5 calls with an
  end time, m6 answered calls a FAQ entry helped, total = handle seconds of the calls with an end;
- created (enquiry.created_at): n created, m1 cancelled;
- assigned (enquiry.assigned_at, with an assignee): n, by coordinator;
- answered (enquiry.answered_at, status answered or closed): n, m1 on time, m2 with business
  seconds, total = their sum;
- faq (faq_use.used_at): n uses, by entry;
- histograms (gdim "b") of time to assign (created) and time to answer (answered) by bucket.

Invalidation: every change made through the session to a call, an enquiry or a FAQ use (unit of
work, or bulk UPDATE / DELETE / INSERT statements through `Session.execute`) bumps the version of
every day the row is counted on, before and after the change (`invalidation`). The bulk history
writer (import, generator) rebuilds the closed days it wrote at the end of its transaction.

The modules: `facts` (the definitions), `build` (building and scheduling), `reader` (`CubeReader`),
`invalidation` (the session hooks, `days_of`, `mark_dirty`)."""
from __future__ import annotations

from .build import pending_days, ranges_of, rebuild_pending, rebuild_range, schedule_rollup  # noqa: F401
from .facts import fact_select, handle_seconds, on_time, sample_rows  # noqa: F401
from .invalidation import days_of, mark_dirty  # noqa: F401  (importing it registers the session hooks)
from .reader import CubeReader  # noqa: F401
