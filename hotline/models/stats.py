"""The statistics rollup (see hotline/stats/rollup/): per closed Perm-local day, the additive
figures grouped by one dimension under no filter or one filter (`StatsCube`, and summed per closed
month in `StatsCubeMonth`), the values that percentiles are taken from (`StatsSample`), and each
day's and month's state (`StatsDay`, `StatsMonth`)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class StatsDay(db.Model):
    """A day is served from the rollup while `built_version == version`. Every change to the
    day's source rows bumps `version` in the same transaction, so a rebuild that raced with a
    change leaves the day dirty, and the next run builds it again."""

    __tablename__ = "stats_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    built_version: Mapped[int | None] = mapped_column()
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CubeMeasures:
    """The columns of a cube row besides its date: a fact's measures under the filter `fdim =
    fval` ("" = none), for the group `gdim = gval` ("" = the total). The measures' meaning per
    fact is in hotline/stats/rollup/facts.py (FACTS)."""

    fact: Mapped[str] = mapped_column(String(12))
    fdim: Mapped[str] = mapped_column(String(12))
    fval: Mapped[str] = mapped_column(String(40))
    gdim: Mapped[str] = mapped_column(String(12))
    gval: Mapped[str] = mapped_column(String(40))
    n: Mapped[int] = mapped_column(default=0)
    m1: Mapped[int] = mapped_column(default=0)
    m2: Mapped[int] = mapped_column(default=0)
    m3: Mapped[int] = mapped_column(default=0)
    m4: Mapped[int] = mapped_column(default=0)
    m5: Mapped[int] = mapped_column(default=0)
    m6: Mapped[int] = mapped_column(default=0)
    total: Mapped[float] = mapped_column(default=0.0)


class StatsCube(CubeMeasures, db.Model):
    """One row: a fact's measures on one day (see `CubeMeasures`)."""

    __tablename__ = "stats_cube"
    __table_args__ = (
        Index("ix_stats_cube_lookup", "fact", "fdim", "fval", "gdim", "day"),
        Index("ix_stats_cube_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]


class StatsCubeMonth(CubeMeasures, db.Model):
    """The sums of a closed calendar month's `StatsCube` rows, so a long period reads a row per
    month instead of one per day; used only while the month is current (`StatsMonth`)."""

    __tablename__ = "stats_cube_month"
    __table_args__ = (Index("ix_stats_cube_month_lookup", "fact", "fdim", "fval", "gdim", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]  # its first day


class StatsMonth(db.Model):
    """A month's rows in `stats_cube_month` were summed at `built_at` from the day rows then
    present. They stand for the month while every day of it is served and none was built
    later (built_at of each `StatsDay` ≤ this one): a rebuild of a day leaves its month to the
    day rows until the month is summed again."""

    __tablename__ = "stats_month"

    month: Mapped[date] = mapped_column(primary_key=True)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatsSample(db.Model):
    """One value a percentile is taken from (time to assign, time to answer) with its day,
    value bucket and filter columns: an index on an expression that both databases can use."""

    __tablename__ = "stats_sample"
    __table_args__ = (
        Index("ix_stats_sample_bucket", "kind", "bucket", "day", "value"),
        Index("ix_stats_sample_coordinator", "kind", "coordinator_id", "value", "day"),
        Index("ix_stats_sample_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    day: Mapped[date]
    bucket: Mapped[int] = mapped_column(SmallInteger)
    value: Mapped[float]
    topic_id: Mapped[int | None]
    city_id: Mapped[int | None]
    channel: Mapped[str | None] = mapped_column(String(24))
    operator_id: Mapped[int | None]
    coordinator_id: Mapped[int | None]
