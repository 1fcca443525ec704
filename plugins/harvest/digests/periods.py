"""Digest periods: calendar months, ISO weeks, quarters, or explicit date ranges.

Story dates are calendar dates with no time of day, so a period is a pair of
inclusive dates and membership is a date comparison: no time zone can move a
story dated on the last day of a month into the next one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from harvest.core.text import slugify
from harvest.site.pages import MONTHS

KINDS = ("monthly", "weekly", "quarterly")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
PERIOD_EXAMPLES = "2026-11 (a month), 2026-W05 (an ISO week) or 2026-Q1 (a quarter)"

T = TypeVar("T")


@dataclass(frozen=True)
class Period:
    key: str  # names the page (digests/<key>/) and the email files; URL-safe
    label: str  # "November 2026", "Week 5, 2026", "Q1 2026", or a range's title
    start: dt.date  # inclusive
    end: dt.date  # inclusive

    def __contains__(self, date: dt.date) -> bool:
        return self.start <= date <= self.end

    @property
    def span(self) -> str:
        """The dates covered, for people: "1–30 November 2026", "29 December 2025 – 4 January 2026"."""
        start, end = self.start, self.end
        if start == end:
            return human(end)
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{human(end)}"
        if start.year == end.year:
            return f"{start.day} {MONTHS[start.month - 1]} – {human(end)}"
        return f"{human(start)} – {human(end)}"


def human(date: dt.date) -> str:
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def month_of(date: dt.date) -> Period:
    start = date.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return Period(f"{date.year:04d}-{date.month:02d}", f"{MONTHS[date.month - 1]} {date.year}", start, end)


def week_of(date: dt.date) -> Period:
    """ISO 8601 week (Monday to Sunday); its year is the ISO year, which differs near 1 January."""
    year, week, weekday = date.isocalendar()
    start = date - dt.timedelta(days=weekday - 1)
    return Period(f"{year:04d}-W{week:02d}", f"Week {week}, {year}", start, start + dt.timedelta(days=6))


def quarter_of(date: dt.date) -> Period:
    quarter = (date.month - 1) // 3 + 1
    start = dt.date(date.year, 3 * quarter - 2, 1)
    end = month_of(dt.date(date.year, 3 * quarter, 1)).end
    return Period(f"{date.year:04d}-Q{quarter}", f"Q{quarter} {date.year}", start, end)


PERIOD_OF = {"monthly": month_of, "weekly": week_of, "quarterly": quarter_of}


def parse_period(text: str) -> Period | None:
    """A period key typed by a person (2026-11, 2026-W05, 2026-Q1), or None if it is not one."""
    text = text.strip()
    try:
        if match := _MONTH.match(text):
            return month_of(dt.date(int(match[1]), int(match[2]), 1))
        if match := _WEEK.match(text):
            return week_of(dt.date.fromisocalendar(int(match[1]), int(match[2]), 1))
        if match := _QUARTER.match(text):
            return quarter_of(dt.date(int(match[1]), 3 * int(match[2]), 1))
    except ValueError:  # month 13, week 54, year 0...
        return None
    return None


def date_range(start: dt.date, end: dt.date, key: str | None = None, label: str | None = None) -> Period:
    """An explicit range (from mkdocs.yml, or `--since/--until` on the command line)."""
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    key = key or f"{start.isoformat()}_{end.isoformat()}"
    period = Period(key, label or "", start, end)
    return Period(key, label or period.span, start, end)


def valid_key(key: str) -> bool:
    """Keys become URLs and file names: lowercase letters, digits and hyphens only."""
    return bool(key) and slugify(key) == key


def group(
    items: Iterable[T], date_of, kind: str | None = None, ranges: Sequence[Period] = ()
) -> list[tuple[Period, list[T]]]:
    """(period, items) for every period holding at least one item, newest period first.

    With `ranges`, an item lands in every range containing its date (ranges may
    overlap); otherwise in the one period of `kind` containing it. Items keep
    their order. Linear in the number of items (times the few ranges).
    """
    buckets: dict[Period, list[T]] = {}
    if ranges:
        for item in items:
            date = date_of(item)
            for period in ranges:
                if date in period:
                    buckets.setdefault(period, []).append(item)
    else:
        period_of = PERIOD_OF[kind or "monthly"]
        for item in items:
            buckets.setdefault(period_of(date_of(item)), []).append(item)
    return sorted(buckets.items(), key=lambda entry: (entry[0].start, entry[0].end, entry[0].key), reverse=True)
