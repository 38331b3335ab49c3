"""Leaderboards: Redis sorted sets per period (week, month, quarter, all time) and scope
(company, department, location), updated with each ledger entry and rebuildable from it.

A member's score packs the points and the time they reached them:
`points * 2^32 + (2^32 - 1 - seconds since 2020)`, so that at equal points whoever got
there first ranks higher. Doubles hold that exactly up to about two million points.

People who opted out live in hidden twins of the boards (`lbh:` keys): they are never
listed, but their own rank is computed against the public board.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from redis.asyncio import Redis
from tortoise.functions import Max, Sum

from app.gamification.models import PointsEntry, Profile
from app.store import run_script

log = logging.getLogger(__name__)

Period = Literal["week", "month", "quarter", "all"]
Scope = Literal["company", "department", "location"]
PERIODS: tuple[Period, ...] = ("week", "month", "quarter", "all")
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
SHIFT = 2**32
# Set with the boards by every rebuild: its absence means this Redis has never had them
# (a new embedded Redis, or one whose snapshot was lost).
BUILT_KEY = "boards:built"

# KEYS: boards. ARGV: member, points delta, time part.
ADD_SCRIPT = """
for _, key in ipairs(KEYS) do
  local score = redis.call('ZSCORE', key, ARGV[1])
  local points, stamp = 0, tonumber(ARGV[3])
  if score then
    score = tonumber(score)
    points = math.floor(score / 4294967296)
    stamp = math.min(stamp, score - points * 4294967296)
  end
  points = points + tonumber(ARGV[2])
  redis.call('ZADD', key, points * 4294967296 + stamp, ARGV[1])
end
return 1
"""


def stamp(at: datetime) -> int:
    """The time part: later times give smaller stamps, so earlier arrivals rank higher."""
    return SHIFT - 1 - int((at - EPOCH).total_seconds())


def points_of(score: float) -> int:
    return int(score // SHIFT)


def board_key(period: Period, period_id: str, scope: Scope, scope_id: str, hidden: bool) -> str:
    return f"{'lbh' if hidden else 'lb'}:{period}:{period_id}:{scope}:{scope_id}"


def boards_for(entry: PointsEntry, hidden: bool) -> tuple[str, ...]:
    return _boards(entry.week, entry.month, entry.quarter, entry.department, entry.location, hidden)


@functools.lru_cache(maxsize=65_536)
def _boards(
    week: str, month: str, quarter: str, department: str, location: str, hidden: bool
) -> tuple[str, ...]:
    # Cached: a rebuild asks for the same few thousand combinations hundreds of
    # thousands of times.
    ids = {"week": week, "month": month, "quarter": quarter, "all": "all"}
    scopes: list[tuple[Scope, str]] = [("company", "all")]
    if department:
        scopes.append(("department", department))
    if location:
        scopes.append(("location", location))
    return tuple(
        board_key(period, ids[period], scope, scope_id, hidden)
        for period in PERIODS
        for scope, scope_id in scopes
    )


@dataclass(frozen=True)
class Standing:
    employee_id: int
    rank: int
    points: int


@dataclass(frozen=True)
class MyStanding:
    me: Standing | None  # None: no points in this board yet
    neighbours: list[Standing]  # the people just above and below me (public board)


class Leaderboards:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.script = redis.register_script(ADD_SCRIPT)

    async def add(self, entry: PointsEntry, hidden: bool) -> None:
        await self.add_many([(entry, hidden)])

    async def add_many(self, entries: Iterable[tuple[PointsEntry, bool]]) -> None:
        """Add entries (each with whether its employee is hidden) in one round trip.

        One person's entries for the same boards are summed first and sent with the
        latest time among them: the script keeps the latest time anyway, so the boards
        end exactly as if each entry had been added alone.
        """
        moves: dict[tuple[int, tuple[str, ...]], list[int]] = {}
        for entry, hidden in entries:
            target = (entry.employee_id, tuple(boards_for(entry, hidden)))
            move = moves.setdefault(target, [0, SHIFT])
            move[0] += entry.points
            move[1] = min(move[1], stamp(entry.occurred_at))
        calls = [
            (keys, [member, points, time_part])
            for (member, keys), (points, time_part) in moves.items()
        ]
        await run_script(self.redis, self.script, calls)

    async def top(
        self, period: Period, period_id: str, scope: Scope, scope_id: str, count: int = 10
    ) -> list[Standing]:
        key = board_key(period, period_id, scope, scope_id, hidden=False)
        rows: list[tuple[bytes, float]] = await self.redis.zrevrange(  # type: ignore[assignment]
            key, 0, count - 1, withscores=True
        )
        return [
            Standing(int(member), rank, points_of(score))
            for rank, (member, score) in enumerate(rows, start=1)
        ]

    async def standing(
        self,
        employee_id: int,
        period: Period,
        period_id: str,
        scope: Scope,
        scope_id: str,
        around: int = 2,
    ) -> MyStanding:
        public = board_key(period, period_id, scope, scope_id, hidden=False)
        hidden = board_key(period, period_id, scope, scope_id, hidden=True)
        rank: int | None = await self.redis.zrevrank(public, employee_id)  # type: ignore[assignment]
        if rank is not None:
            score = await self.redis.zscore(public, employee_id)
            assert score is not None
            me = Standing(employee_id, rank + 1, points_of(score))
            start = max(rank - around, 0)
            rows: list[tuple[bytes, float]] = await self.redis.zrevrange(  # type: ignore[assignment]
                public, start, rank + around, withscores=True
            )
            neighbours = [
                Standing(int(member), start + offset + 1, points_of(s))
                for offset, (member, s) in enumerate(rows)
                if int(member) != employee_id
            ]
            return MyStanding(me, neighbours)
        score = await self.redis.zscore(hidden, employee_id)
        if score is None:
            return MyStanding(None, [])
        above = await self.redis.zcount(public, f"({score}", "+inf")
        return MyStanding(Standing(employee_id, above + 1, points_of(score)), [])

    async def set_opt_out(self, employee_id: int, opt_out: bool) -> None:
        """Move the employee's scores between the public and hidden boards."""
        keys = await self._keys_of(employee_id)
        for public_key in keys:
            hidden_key = "lbh" + public_key[2:]
            source, target = (public_key, hidden_key) if opt_out else (hidden_key, public_key)
            score = await self.redis.zscore(source, employee_id)
            if score is not None:
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.zadd(target, {str(employee_id): score})
                    pipe.zrem(source, employee_id)
                    await pipe.execute()

    async def _keys_of(self, employee_id: int) -> set[str]:
        rows = (
            await PointsEntry.filter(employee_id=employee_id, counts_for_boards=True)
            .exclude(points=0)
            .distinct()
            .values("week", "month", "quarter", "department", "location")
        )
        keys: set[str] = set()
        for row in rows:
            entry = PointsEntry(**row)
            keys.update(boards_for(entry, hidden=False))
        return keys

    async def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Recompute every board from the ledger; returns the ledger groups read.

        Gives exactly what the incremental path gives: the same sums, and as tie-break
        the time of each member's latest entry in that board. Entries written while it
        runs are replayed onto the new boards before they replace the live ones.
        """
        newest = await PointsEntry.all().order_by("-id").first()
        up_to = newest.id if newest is not None else 0
        groups = await (
            PointsEntry.filter(counts_for_boards=True, id__lte=up_to)
            .exclude(points=0)
            .annotate(total=Sum("points"), last=Max("occurred_at"))
            .group_by("employee_id", "week", "month", "quarter", "department", "location")
            .values(
                "employee_id", "week", "month", "quarter", "department", "location", "total", "last"
            )
        )
        hidden_ids = set(
            await Profile.filter(leaderboard_opt_out=True).values_list("employee_id", flat=True)
        )
        boards: dict[str, dict[int, list[int]]] = defaultdict(dict)
        for group in groups:
            member = group["employee_id"]
            total, last = int(group["total"]), stamp(_aware(group["last"]))
            keys = _boards(
                group["week"],
                group["month"],
                group["quarter"],
                group["department"],
                group["location"],
                member in hidden_ids,
            )
            for key in keys:
                current = boards[key].get(member)
                if current is None:
                    boards[key][member] = [total, last]
                else:
                    current[0] += total
                    current[1] = min(current[1], last)
        await self._replace_all(boards, up_to, progress)
        return len(groups)

    async def _replace_all(
        self,
        boards: dict[str, dict[int, list[int]]],
        up_to: int,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        old = [key async for key in self.redis.scan_iter(match="lb*:*", count=1000)]
        staged = {key: f"rebuild:{key}" for key in boards}
        for done, (key, members) in enumerate(boards.items(), start=1):
            scores = [(str(m), points * SHIFT + s) for m, (points, s) in members.items()]
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.delete(staged[key])
                for start in range(0, len(scores), 5000):
                    pipe.zadd(staged[key], dict(scores[start : start + 5000]))
                await pipe.execute()
            if progress is not None:
                progress(done, len(boards))
        await self._catch_up(staged, up_to)
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in old:
                if key.decode() not in staged:
                    pipe.unlink(key)
            for key, temporary in staged.items():
                pipe.rename(temporary, key)
            pipe.set(BUILT_KEY, up_to)
            await pipe.execute()

    async def built(self) -> bool:
        """Were the boards of this Redis ever built from the ledger?"""
        return bool(await self.redis.exists(BUILT_KEY))

    async def _catch_up(self, staged: dict[str, str], up_to: int) -> None:
        """Apply to the staged boards the entries that arrived after `up_to`."""
        hidden_ids = set(
            await Profile.filter(leaderboard_opt_out=True).values_list("employee_id", flat=True)
        )
        late = (
            await PointsEntry.filter(id__gt=up_to, counts_for_boards=True)
            .exclude(points=0)
            .order_by("id")
        )
        for entry in late:
            keys = boards_for(entry, entry.employee_id in hidden_ids)
            for key in keys:
                staged.setdefault(key, f"rebuild:{key}")
            await self.script(
                keys=[staged[key] for key in keys],
                args=[entry.employee_id, entry.points, stamp(entry.occurred_at)],
            )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
