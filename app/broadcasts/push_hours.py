"""When a push may reach someone: quiet hours and the local day, in their time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.people.models import Employee


def zone(person: Employee) -> ZoneInfo:
    try:
        return ZoneInfo(person.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_midnight(person: Employee, now: datetime) -> datetime:
    local = now.astimezone(zone(person))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def next_local_morning(person: Employee, now: datetime) -> datetime:
    return (local_midnight(person, now) + timedelta(days=1, hours=8)).astimezone(UTC)


def quiet_until(person: Employee, now: datetime) -> datetime | None:
    """The end of the employee's quiet hours if `now` falls inside them."""
    start, end = person.quiet_start, person.quiet_end
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(zone(person))
    hour = local.hour
    inside = start <= hour < end if start < end else (hour >= start or hour < end)
    if not inside:
        return None
    until = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if until <= local:
        until += timedelta(days=1)
    return until.astimezone(UTC)  # stored and compared in UTC
