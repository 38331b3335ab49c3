"""Daily caps on points, applied by the ledger while it holds the employees' locks.

A click earns points up to a daily ceiling per link and per employee (the `[caps]` of
config/gamification.toml); a capped click still writes its entry, with 0 points or what
was left, and says why. The room left is read inside the ledger's transaction, after the
profiles of the batch's employees are locked: two workers awarding the same person's
clicks at the same moment are applied one after the other, so together they can never
go over the cap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.functions import Sum

from app.gamification.models import PointsEntry

if TYPE_CHECKING:
    from app.gamification.ledger import Award

CAPPED = "daily click points cap reached"


@dataclass(frozen=True)
class DailyCap:
    """At most `per_source` points a day from the award's source, and `per_employee`
    a day from its reason, for its employee; the day starts at `day_start`."""

    day_start: datetime
    per_source: int
    per_employee: int


Earned = defaultdict[tuple[datetime, int, str], int]


async def within_caps(awards: Sequence[Award], applied_keys: set[str]) -> list[Award]:
    """The awards in order, each cut to the room its cap leaves after what the ledger
    holds for that day and the awards before it; a key already applied takes no room."""
    capped = [award for award in awards if award.cap is not None]
    if not capped:
        return list(awards)
    earned = await _earned(capped)
    result = []
    for award in awards:
        cap = award.cap
        if cap is None:
            result.append(award)
            continue
        day = cap.day_start
        per_source = (day, award.employee_id, award.source)
        per_employee = (day, award.employee_id, "")
        room = min(cap.per_source - earned[per_source], cap.per_employee - earned[per_employee])
        if room < award.points:
            award = replace(award, points=max(room, 0), note=CAPPED)
        if award.key not in applied_keys:
            earned[per_source] += award.points
            earned[per_employee] += award.points
        result.append(award)
    return result


async def _earned(awards: list[Award]) -> Earned:
    """Points of each award's reason already in the ledger on its day: by (day, employee,
    source), and by (day, employee, "") for the employee's total.

    Only the entries that earned points are read (`ledger.REWARDED`, through the partial
    index `points_entry_earned_idx`): past the cap each click still writes a 0-point
    entry, tens of thousands on a busy day, which add nothing to the sum. A capped
    reason only ever earns (corrections have reasons of their own), so the sum is the
    same."""
    from app.gamification.ledger import REWARDED  # ledger imports this module

    wanted: dict[tuple[datetime, str], set[int]] = defaultdict(set)
    for award in awards:
        assert award.cap is not None
        wanted[(award.cap.day_start, award.reason)].add(award.employee_id)
    earned: Earned = defaultdict(int)
    for (start, reason), employee_ids in wanted.items():
        rows = (
            await PointsEntry.filter(
                REWARDED,
                employee_id__in=employee_ids,
                reason=reason,
                occurred_at__gte=start,
                occurred_at__lt=start + timedelta(days=1),
            )
            .annotate(total=Sum("points"))
            .group_by("employee_id", "source")
            .values("employee_id", "source", "total")
        )
        for row in rows:
            total = int(row["total"] or 0)
            earned[(start, int(row["employee_id"]), str(row["source"]))] += total
            earned[(start, int(row["employee_id"]), "")] += total
    return earned
