"""The business calendar: Mon–Fri working hours in Perm time, minus Russian public holidays
(the `holidays` package) and the days an admin adds; plus transferred working days.

This is the one implementation of business-time arithmetic: due times and statistics use it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=64)
def russian_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("RU", years=year).keys())


def _parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class BusinessCalendar:
    zone: ZoneInfo = ZoneInfo("Asia/Yekaterinburg")
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)
    # Admin exceptions: True = a working day (transferred), False = a day off.
    overrides: dict[date, bool] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def from_config(cls, config, overrides: dict[date, bool] | None = None) -> "BusinessCalendar":
        return cls(
            zone=ZoneInfo(config["HOTLINE_TIMEZONE"]),
            day_start=_parse_hhmm(config["BUSINESS_DAY_START"]),
            day_end=_parse_hhmm(config["BUSINESS_DAY_END"]),
            overrides=dict(overrides or {}),
        )

    @property
    def hours_per_day(self) -> float:
        start = datetime.combine(date.min, self.day_start)
        end = datetime.combine(date.min, self.day_end)
        return (end - start).total_seconds() / 3600

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day in russian_holidays(day.year):
            return False
        return day.weekday() < 5

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.day_start, tzinfo=self.zone),
            datetime.combine(day, self.day_end, tzinfo=self.zone),
        )

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of business time after `start` (aware datetimes; returns UTC)."""
        remaining = timedelta(hours=hours)
        moment = start.astimezone(self.zone)
        day = moment.date()
        for _ in range(3660):  # ten years of days is more than any target
            if self.is_working_day(day):
                open_at, close_at = self._window(day)
                begin = max(moment, open_at)
                if begin < close_at:
                    available = close_at - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(timezone.utc)
                    remaining -= available
            day += timedelta(days=1)
            moment = datetime.combine(day, time(0), tzinfo=self.zone)
        raise ValueError("no working time found within ten years")

    def subtract_business_hours(self, end: datetime, hours: float) -> datetime:
        """The latest moment `hours` of business time before `end` (aware datetimes; returns UTC)."""
        remaining = timedelta(hours=hours)
        moment = end.astimezone(self.zone)
        day = moment.date()
        for _ in range(3660):
            if self.is_working_day(day):
                open_at, close_at = self._window(day)
                finish = min(moment, close_at)
                if finish > open_at:
                    if remaining <= finish - open_at:
                        return (finish - remaining).astimezone(timezone.utc)
                    remaining -= finish - open_at
            moment = datetime.combine(day, time(0), tzinfo=self.zone)  # the end of the day before
            day -= timedelta(days=1)
        raise ValueError("no working time found within ten years")

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        """Business seconds in [start, end); zero when end is not after start."""
        if end <= start:
            return 0.0
        start_local = start.astimezone(self.zone)
        end_local = end.astimezone(self.zone)
        total = 0.0
        day = start_local.date()
        while day <= end_local.date():
            if self.is_working_day(day):
                open_at, close_at = self._window(day)
                begin = max(start_local, open_at)
                finish = min(end_local, close_at)
                if finish > begin:
                    total += (finish - begin).total_seconds()
            day += timedelta(days=1)
        return total
