"""Digest periods: which stories land in which digest (pure functions, table-driven)."""

from __future__ import annotations

import datetime as dt

import pytest

from harvest.digests.periods import date_range, group, month_of, parse_period, quarter_of, valid_key, week_of

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    "date, key, start, end",
    [
        ("2026-11-30", "2026-11", "2026-11-01", "2026-11-30"),  # last day of a month stays in it
        ("2026-12-31", "2026-12", "2026-12-01", "2026-12-31"),  # ... and of a year
        ("2026-01-01", "2026-01", "2026-01-01", "2026-01-31"),
        ("2028-02-29", "2028-02", "2028-02-01", "2028-02-29"),  # leap day
        ("2026-02-28", "2026-02", "2026-02-01", "2026-02-28"),
    ],
)
def test_monthly(date, key, start, end):
    period = month_of(D(date))
    assert (period.key, period.start, period.end) == (key, D(start), D(end))
    assert D(date) in period


@pytest.mark.parametrize(
    "date, key, start, end",
    [
        ("2026-01-01", "2026-W01", "2025-12-29", "2026-01-04"),  # a Thursday: week 1 of 2026 starts in 2025
        ("2027-01-01", "2026-W53", "2026-12-28", "2027-01-03"),  # a Friday: still the last week of ISO year 2026
        ("2024-12-30", "2025-W01", "2024-12-30", "2025-01-05"),  # a Monday in December, in ISO year 2025
        ("2026-01-25", "2026-W04", "2026-01-19", "2026-01-25"),  # Sunday ends the week
        ("2026-01-26", "2026-W05", "2026-01-26", "2026-02-01"),  # Monday starts the next
    ],
)
def test_weekly_iso_weeks(date, key, start, end):
    period = week_of(D(date))
    assert (period.key, period.start, period.end) == (key, D(start), D(end))


@pytest.mark.parametrize(
    "date, key, start, end",
    [
        ("2026-01-01", "2026-Q1", "2026-01-01", "2026-03-31"),
        ("2026-03-31", "2026-Q1", "2026-01-01", "2026-03-31"),
        ("2026-04-01", "2026-Q2", "2026-04-01", "2026-06-30"),
        ("2026-09-30", "2026-Q3", "2026-07-01", "2026-09-30"),
        ("2026-12-31", "2026-Q4", "2026-10-01", "2026-12-31"),
    ],
)
def test_quarterly(date, key, start, end):
    period = quarter_of(D(date))
    assert (period.key, period.start, period.end) == (key, D(start), D(end))


@pytest.mark.parametrize(
    "text, key, start, end",
    [
        ("2026-11", "2026-11", "2026-11-01", "2026-11-30"),
        ("2026-W05", "2026-W05", "2026-01-26", "2026-02-01"),
        ("2026-w05", "2026-W05", "2026-01-26", "2026-02-01"),
        ("2026-W53", "2026-W53", "2026-12-28", "2027-01-03"),
        ("2026-Q1", "2026-Q1", "2026-01-01", "2026-03-31"),
        ("2026-q4", "2026-Q4", "2026-10-01", "2026-12-31"),
    ],
)
def test_parse_period(text, key, start, end):
    period = parse_period(text)
    assert (period.key, period.start, period.end) == (key, D(start), D(end))


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "2025-W53", "2026-W00", "2026-Q5", "2026", "November", "2026-1", "26-11", ""]
)
def test_parse_period_rejects(text):
    assert parse_period(text) is None  # 2025 has only 52 ISO weeks


def test_explicit_ranges_may_overlap_and_are_inclusive():
    spring = date_range(D("2026-03-01"), D("2026-05-31"), "spring-2026", "Spring 2026")
    may = date_range(D("2026-05-01"), D("2026-05-31"), "may-2026")
    dates = [D("2026-02-28"), D("2026-03-01"), D("2026-05-15"), D("2026-05-31"), D("2026-06-01")]
    groups = group(dates, lambda d: d, ranges=[spring, may])
    assert [(p.key, items) for p, items in groups] == [
        ("may-2026", [D("2026-05-15"), D("2026-05-31")]),
        ("spring-2026", [D("2026-03-01"), D("2026-05-15"), D("2026-05-31")]),
    ]
    assert spring.label == "Spring 2026" and may.label == "1–31 May 2026"


def test_range_must_not_end_before_it_starts():
    with pytest.raises(ValueError, match="ends"):
        date_range(D("2026-05-01"), D("2026-04-30"))


def test_group_is_newest_first_and_skips_empty_periods():
    dates = [D("2026-03-31"), D("2026-01-31"), D("2026-03-01"), D("2026-04-01")]
    groups = group(dates, lambda d: d, "monthly")
    assert [(p.key, len(items)) for p, items in groups] == [("2026-04", 1), ("2026-03", 2), ("2026-01", 1)]
    assert [p.key for p, _ in group(dates, lambda d: d, "quarterly")] == ["2026-Q2", "2026-Q1"]


@pytest.mark.parametrize(
    "period, span",
    [
        (month_of(D("2026-11-05")), "1–30 November 2026"),
        (week_of(D("2026-01-01")), "29 December 2025 – 4 January 2026"),
        (week_of(D("2026-03-31")), "30 March – 5 April 2026"),
        (date_range(D("2026-03-03"), D("2026-03-03")), "3 March 2026"),
    ],
)
def test_spans_read_well(period, span):
    assert period.span == span


@pytest.mark.parametrize(
    "key, ok",
    [("spring-2026", True), ("2026-11", True), ("Spring", False), ("a/b", False), ("", False), ("../x", False)],
)
def test_range_keys_are_url_safe(key, ok):
    assert valid_key(key) is ok
