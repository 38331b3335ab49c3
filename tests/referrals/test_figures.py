"""The period a figure counts in, and the conversion rate: the pure parts of
`app/referrals/figures.py` and `funnel.conversions` (every surface reads them;
tests/test_figures_consistency.py checks the surfaces)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from app.referrals.figures import Period
from app.referrals.funnel import FunnelRow, conversions

PARIS = ZoneInfo("Europe/Paris")


def test_the_last_days_are_whole_local_days_that_end_today() -> None:
    late = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # already the 27th in Paris
    period = Period.last_days(30, late, PARIS)
    assert (period.start, period.end) == (date(2026, 10, 29), date(2026, 11, 27))
    assert len(period.days) == 30  # across the end of summer time, still 30 days


def test_this_week_starts_on_the_local_monday() -> None:
    sunday_night_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # Monday 00:30 in Paris
    assert Period.week_to_date(sunday_night_utc, PARIS) == Period(
        date(2026, 11, 30), date(2026, 11, 30)
    )
    assert Period.week_to_date(sunday_night_utc, ZoneInfo("UTC")) == Period(
        date(2026, 11, 23), date(2026, 11, 29)
    )


def test_each_rate_is_taken_against_the_stage_before_it() -> None:
    row = FunnelRow("all", "", clicks=8, applications=3, interviews=0, offers=0, hires=1)
    assert [(c.stage, c.count, c.rate) for c in conversions(row)] == [
        ("clicks", 8, None),  # the first stage has no rate
        ("applications", 3, 3 / 8),
        ("interviews", 0, 0.0),
        ("offers", 0, None),  # nothing before it to take a share of
        ("hires", 1, None),  # a hire of an earlier offer: no rate, never "inf" or 100%
    ]
