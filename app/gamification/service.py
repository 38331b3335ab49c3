"""The gamification service: how the rest of Porte-voix earns, reads and adjusts points.

It reacts to other domains' events (a unique click, a share, the policy accepted, a
referral moving along the pipeline) and turns them into ledger awards, each with an
idempotency key derived from the event, so a replayed event awards nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from app.clock import Clock
from app.codes import ClickClass, ReferralStatus, RejectionReason
from app.errors import DomainError
from app.events import (
    BadgeEarned,
    ClickRecorded,
    EventBus,
    PolicyAccepted,
    ReferralStatusChanged,
    ShareRecorded,
)
from app.gamification.caps import DailyCap
from app.gamification.leaderboards import Leaderboards, MyStanding, Period, Scope, Standing
from app.gamification.ledger import REWARDED, Award, AwardResult, Ledger, rewarded
from app.gamification.models import BadgeAward, PointsEntry, Profile
from app.gamification.periods import Periods
from app.gamification.rules import Rules
from app.people.models import Employee

log = logging.getLogger(__name__)

# Referral statuses (issue #4) that earn points, and the counters they move. Nothing at
# submission: anyone can fill in the public apply form with a referrer's link, so a
# referral's first points (`application`) wait until a recruiter or the ATS moves the
# candidate to screening.
REFERRAL_STAGES = {
    "screening": ("application", "referrals"),
    "interview": ("interview", "interviews"),
    "offer": ("offer", None),
    "hired": ("hire", "hires"),
}


# The notes of a share's two entries, shown in the employee's points history.
SHARE_WAITS = "points come with the first visitor of your link"
SHARE_SEEN = "your link's first visitor"


def share_key(employee_id: int, content_type: str, content_id: int) -> str:
    """The idempotency key of a share's award: once per employee and content."""
    return f"share:{employee_id}:{content_type}:{content_id}"


class InvalidAdjustment(DomainError):
    code = "invalid_adjustment"


@dataclass(frozen=True)
class Summary:
    balance: int
    lifetime: int
    level: int
    level_name: dict[str, str]
    next_level_points: int | None
    badges: list[str]
    streak_weeks: int
    counters: dict[str, int]
    leaderboard_opt_out: bool


class GamificationService:
    def __init__(
        self,
        clock: Clock,
        events: EventBus,
        rules: Rules,
        ledger: Ledger,
        boards: Leaderboards,
        timezone: str,
        job_points: Callable[[int], Awaitable[int | None]],
    ) -> None:
        self.clock = clock
        self.events = events
        self.job_points = job_points  # a job's own referral points override, if any
        self.rules = rules
        self.ledger = ledger
        self.boards = boards
        self.zone = ZoneInfo(timezone)

    # -- reactions (subscribed by the table in app/reactions.py) --------------------------

    async def on_clicks(self, events: list[ClickRecorded]) -> list[AwardResult | None]:
        """Award a batch of clicks (the click worker stores them by the hundred) in one
        ledger batch; result i is for events[i]: None if it earned nothing new. A click
        that earned points also proves its link was shared: the share's award follows."""
        unique = [event for event in events if event.classification == ClickClass.UNIQUE]
        if not unique:
            return [None] * len(events)
        awarded = await self.ledger.award_many(self._click_awards(unique))
        proofs = [
            event
            for event, result in zip(unique, awarded, strict=True)
            if result is not None and rewarded(result.entry.points)
        ]
        await self._reward_shares(proofs)
        results = iter(awarded)
        return [next(results) if e.classification == ClickClass.UNIQUE else None for e in events]

    def _click_awards(self, events: list[ClickRecorded]) -> list[Award]:
        """The clicks' awards, each capped per link and per employee for its local day
        (the ledger cuts them under the employee's lock: `caps.py`). A capped click still
        counts for badges, and says why it earned nothing, so credit is never blocked
        silently."""
        caps = self.rules.caps
        return [
            Award(
                employee_id=event.employee_id,
                points=self.rules.points.unique_click,
                reason="unique_click",
                source=f"link:{event.link_id}",
                key=f"click:{event.click_id}",
                occurred_at=event.occurred_at,
                counters={"unique_clicks": 1},
                cap=DailyCap(
                    day_start=self._day_start(event.occurred_at),
                    per_source=caps.click_points_per_link_per_day,
                    per_employee=caps.click_points_per_employee_per_day,
                ),
            )
            for event in events
        ]

    def _day_start(self, at: datetime) -> datetime:
        """Midnight of `at`'s day in the company's time zone (caps count per local day)."""
        return at.astimezone(self.zone).replace(hour=0, minute=0, second=0, microsecond=0)

    async def on_share(self, event: ShareRecorded) -> None:
        """Asking for a network's link records the share (0 points, once per content,
        in the employee's history): nothing proves yet that anyone saw a post. Its
        points come with the link's first rewarded visit (`_reward_shares`)."""
        content = f"{event.content_type}:{event.content_id}"
        await self.ledger.award(
            Award(
                employee_id=event.employee_id,
                points=0,
                reason="share",
                source=content,
                key=f"shared:{event.employee_id}:{content}",
                occurred_at=event.occurred_at,
                note=SHARE_WAITS,
            )
        )

    async def _reward_shares(self, proofs: list[ClickRecorded]) -> None:
        """The share award of each content whose link just brought a rewarded visitor
        (once per employee and content, whichever network), then the weekly streak of
        the shares it newly rewarded (once per employee and week)."""
        shares = [
            Award(
                employee_id=click.employee_id,
                points=self.rules.points.share,
                reason="share",
                source=f"{click.content_type}:{click.content_id}",
                key=share_key(click.employee_id, click.content_type, click.content_id),
                occurred_at=click.occurred_at,
                note=SHARE_SEEN,
                counters={"shares": 1},
                share_week=True,
            )
            for click in proofs
        ]
        # Most clicks are for content whose share was rewarded long ago: without them,
        # a batch usually needs no second ledger transaction at all.
        rewarded_before = await self.ledger.applied([share.key for share in shares])
        shares = [share for share in shares if share.key not in rewarded_before]
        if not shares:
            return
        applied = [result for result in await self.ledger.award_many(shares) if result]
        streaks = []
        for result in applied:
            entry = result.entry
            week = Periods.of(entry.occurred_at, self.zone).week
            streaks.append(
                Award(
                    employee_id=entry.employee_id,
                    points=self.rules.points.weekly_streak,
                    reason="weekly_streak",
                    source=f"week:{week}",
                    key=f"streak:{entry.employee_id}:{week}",
                    occurred_at=entry.occurred_at,
                )
            )
        if streaks:
            await self.ledger.award_many(streaks)

    async def share_points_to_come(
        self, employee_id: int, content_type: str, content_id: int
    ) -> int:
        """The points this content's share will bring its employee at its link's first
        rewarded visit: 0 once they came (a share is rewarded once)."""
        key = share_key(employee_id, content_type, content_id)
        if await PointsEntry.filter(idempotency_key=key).exists():
            return 0
        return self.rules.points.share

    async def on_policy_accepted(self, event: PolicyAccepted) -> None:
        await self.ledger.award(
            Award(
                employee_id=event.employee_id,
                points=self.rules.points.policy_accepted,
                reason="policy_accepted",
                source=f"policy:{event.version}",
                key=f"policy:{event.employee_id}:{event.version}",
                occurred_at=self.clock.now(),
            )
        )

    async def on_status_changed(self, event: ReferralStatusChanged) -> None:
        if event.employee_id is None:  # a direct application: nobody to credit
            return
        if event.new_status == ReferralStatus.REJECTED and (
            event.reason == RejectionReason.NOT_A_REAL_CANDIDATE
        ):
            await self.revoke_referral(event.employee_id, event.referral_id, event.occurred_at)
            return
        job_points = None
        if event.new_status == ReferralStatus.HIRED and event.job_id is not None:
            job_points = await self.job_points(event.job_id)
        await self.on_referral_status(
            event.employee_id,
            event.referral_id,
            event.new_status,
            event.occurred_at,
            job_points,
        )

    def stage_points(self, reason: str, job_points: int | None = None) -> int:
        """The points a referral's stage earns (`reason` of REFERRAL_STAGES); a job's own
        referral points, when it has some, replace the hire's."""
        if reason == "hire" and job_points is not None:
            return job_points
        return int(getattr(self.rules.points, reason))

    async def points_on_offer(self, job_id: int) -> dict[str, int]:
        """What sharing and referring for this job can earn, stage by stage: the figures
        the mini app shows on a job, from the rules that award them."""
        job_points = await self.job_points(job_id)
        return {
            "share": self.rules.points.share,
            "unique_click": self.rules.points.unique_click,
            **{
                reason: self.stage_points(reason, job_points)
                for reason, _c in REFERRAL_STAGES.values()
            },
        }

    async def on_referral_status(
        self,
        employee_id: int,
        referral_id: int,
        status: str,
        occurred_at: datetime,
        job_points: int | None = None,
    ) -> AwardResult | None:
        """A referral reached `status`: its stage's points, once per referral and stage."""
        stage = REFERRAL_STAGES.get(status)
        if stage is None:
            return None
        reason, counter = stage
        points = self.stage_points(reason, job_points)
        return await self.ledger.award(
            Award(
                employee_id=employee_id,
                points=points,
                reason=reason,
                source=f"referral:{referral_id}",
                key=f"{reason}:{referral_id}",
                occurred_at=occurred_at,
                counters={counter: 1} if counter else {},
            )
        )

    async def revoke_referral(
        self, employee_id: int, referral_id: int, occurred_at: datetime
    ) -> AwardResult | None:
        """Take back every point a referral earned, when recruiters found the candidate
        was not real: one correction entry (`revoke:<referral id>`, so once), never a
        deletion. The counters it moved go back down. If the points were already spent,
        the balance goes below zero: the employee owes them, the shop refuses until the
        balance covers a reward, and later points pay the debt first."""
        source = f"referral:{referral_id}"
        earned = await PointsEntry.filter(
            REWARDED, employee_id=employee_id, source=source
        ).values_list("reason", "points")
        points = sum(int(p) for _, p in earned)
        if not points:
            return None  # rejected before screening: nothing was awarded
        counters = {
            counter: -1
            for stage_reason, counter in REFERRAL_STAGES.values()
            if counter and any(reason == stage_reason for reason, _ in earned)
        }
        result = await self.ledger.award(
            Award(
                employee_id=employee_id,
                points=-points,
                reason="revoked",
                source=source,
                key=f"revoke:{referral_id}",
                occurred_at=occurred_at,
                note="Not a real candidate: the points of this referral are taken back.",
                counters=counters,
                overdraw=True,
            )
        )
        if result is not None:
            employee = await Employee.get(id=employee_id)
            if employee.points_balance < 0:
                log.warning(
                    "employee %s owes %s points after referral %s was revoked",
                    employee_id,
                    -employee.points_balance,
                    referral_id,
                )
        return result

    # -- admin ---------------------------------------------------------------------------

    async def adjust(
        self, employee_id: int, points: int, note: str, by: str, key: str | None = None
    ) -> AwardResult | None:
        """An admin's correction, visible to the employee with its reason. `key` (e.g. an
        Idempotency-Key header) makes a retried request apply once."""
        if not note.strip():
            raise InvalidAdjustment("An adjustment needs a reason the employee can read.")
        if points == 0:
            raise InvalidAdjustment("An adjustment of 0 points changes nothing.")
        now = self.clock.now()
        return await self.ledger.award(
            Award(
                employee_id=employee_id,
                points=points,
                reason="adjustment",
                source=f"admin:{by}",
                key=f"adjust:{key or uuid.uuid4().hex}",
                occurred_at=now,
                note=note.strip(),
            )
        )

    # -- reading -------------------------------------------------------------------------

    async def summary(self, employee: Employee) -> Summary:
        """Points, level, badges, streak, counters and settings, as they are now."""
        employee_id = employee.id
        await employee.refresh_from_db(fields=["points_balance", "lifetime_points"])
        balance, lifetime = employee.points_balance, employee.lifetime_points
        profile = await Profile.get_or_none(employee_id=employee_id) or Profile(
            employee_id=employee_id
        )
        level = self.rules.level_for(lifetime)
        following = (
            self.rules.levels[level + 1].points if level + 1 < len(self.rules.levels) else None
        )
        badges = (
            await BadgeAward.filter(employee_id=employee_id)
            .order_by("awarded_at", "id")
            .values_list("badge", flat=True)
        )
        return Summary(
            balance=balance,
            lifetime=lifetime,
            level=level,
            level_name={"en": self.rules.levels[level].en, "fr": self.rules.levels[level].fr},
            next_level_points=following,
            badges=[str(badge) for badge in badges],
            streak_weeks=profile.streak_weeks,
            counters={
                name: getattr(profile, name)
                for name in ("shares", "unique_clicks", "referrals", "interviews", "hires")
            },
            leaderboard_opt_out=profile.leaderboard_opt_out,
        )

    async def ledger_of(self, employee_id: int, limit: int, offset: int) -> list[PointsEntry]:
        return list(
            await PointsEntry.filter(employee_id=employee_id)
            .order_by("-occurred_at", "-id")
            .offset(offset)
            .limit(limit)
        )

    def period_id(self, period: Period, at: datetime | None = None) -> str:
        return Periods.of(at or self.clock.now(), self.zone).get(period)

    async def leaderboard(
        self, period: Period, scope: Scope, scope_id: str, count: int = 10
    ) -> list[Standing]:
        return await self.boards.top(period, self.period_id(period), scope, scope_id, count)

    async def my_standing(
        self, employee_id: int, period: Period, scope: Scope, scope_id: str
    ) -> MyStanding:
        return await self.boards.standing(
            employee_id, period, self.period_id(period), scope, scope_id
        )

    async def set_opt_out(self, employee_id: int, opt_out: bool) -> None:
        await Profile.bulk_create([Profile(employee_id=employee_id)], ignore_conflicts=True)
        await Profile.filter(employee_id=employee_id).update(leaderboard_opt_out=opt_out)
        await self.boards.set_opt_out(employee_id, opt_out)

    async def award_monthly_podium(self, month: str) -> list[int]:
        """Give the top-3-of-the-month badge to the month's podium (company board)."""
        podium = await self.boards.top("month", month, "company", "all", 3)
        winners = []
        for standing in podium:
            _, created = await BadgeAward.get_or_create(
                employee_id=standing.employee_id,
                badge="top3_month",
                defaults={"awarded_at": self.clock.now()},
            )
            if created:
                winners.append(standing.employee_id)
                await self.events.publish(BadgeEarned(standing.employee_id, "top3_month"))
        return winners
