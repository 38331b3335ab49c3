"""The referral pipeline: which moves are allowed, and what each move leaves behind.

`submitted → screening → interview → offer → hired`, or `rejected` / `withdrawn` from any
open state. Every move is one transaction that changes the referral and appends a
`ReferralChange` (who, when, from where); the `ReferralStatusChanged` event is published
after the commit, so a listener never sees a change that was rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.clock import Clock
from app.db import transaction
from app.errors import InvalidTransition
from app.events import ApplicationSubmitted, EventBus, ReferralStatusChanged
from app.referrals.errors import InvalidRejection, ReferralNotFound
from app.referrals.models import (
    BonusStatus,
    Referral,
    ReferralChange,
    ReferralSource,
    ReferralStatus,
    RejectionReason,
)

S = ReferralStatus
CHAIN = [S.SUBMITTED, S.SCREENING, S.INTERVIEW, S.OFFER, S.HIRED]
OPEN = frozenset({S.SUBMITTED, S.SCREENING, S.INTERVIEW, S.OFFER})
CLOSED = frozenset({S.HIRED, S.REJECTED, S.WITHDRAWN, S.DUPLICATE})
# Statuses a recruiter may see: consented and not someone else's candidate.
VISIBLE = frozenset(CHAIN) | {S.REJECTED, S.WITHDRAWN}


def allowed_moves(status: ReferralStatus) -> list[ReferralStatus]:
    """Where a referral in `status` may go next (through the API, the bots or the ATS)."""
    if status not in OPEN:
        return []
    return [CHAIN[CHAIN.index(status) + 1], S.REJECTED, S.WITHDRAWN]


def steps_to(status: ReferralStatus, target: ReferralStatus) -> list[ReferralStatus]:
    """The moves from `status` to a later `target`, one stage at a time.

    An ATS may jump from screening straight to offer; walking the chain records the
    stages in between, so the funnel counts an offer as an interview too."""
    if status in OPEN and target in CHAIN and CHAIN.index(target) > CHAIN.index(status):
        return CHAIN[CHAIN.index(status) + 1 : CHAIN.index(target) + 1]
    return [target]


@dataclass(frozen=True)
class Actor:
    """Who made a change: `employee:12`, `candidate`, `ats`, `system`, and from where."""

    name: str
    source: ReferralSource

    @classmethod
    def employee(cls, employee_id: int | None, source: ReferralSource) -> Actor:
        return cls(f"employee:{employee_id}" if employee_id else "admin", source)


ATS = Actor("ats", ReferralSource.ATS)
SYSTEM = Actor("system", ReferralSource.SYSTEM)
CANDIDATE = Actor("candidate", ReferralSource.WEB)


class Pipeline:
    def __init__(self, clock: Clock, events: EventBus, bonus_waiting_days: int) -> None:
        self.clock = clock
        self.events = events
        self.bonus_waiting = timedelta(days=bonus_waiting_days)

    async def get(self, referral_id: int) -> Referral:
        return _found(await Referral.get_or_none(id=referral_id), referral_id)

    async def move(
        self,
        referral_id: int,
        target: ReferralStatus,
        actor: Actor,
        note: str = "",
        reason: RejectionReason | None = None,
    ) -> Referral:
        """Move one step (or to rejected/withdrawn); InvalidTransition says what is allowed.
        A rejection may say why (`reason`); the history keeps it before the note."""
        _check_reason(target, reason)
        async with transaction():
            referral = await _locked(referral_id)
            old = referral.status
            if target not in allowed_moves(old):
                raise InvalidTransition(_refusal(old, target))
            await self._apply(referral, target, actor, _with_reason(note, reason), self.clock.now())
        await self.announce(referral, old, target, actor.source, reason)
        return referral

    async def advance_to(
        self,
        referral_id: int,
        target: ReferralStatus,
        actor: Actor,
        note: str = "",
        reason: RejectionReason | None = None,
    ) -> list[ReferralStatus]:
        """Move forward to `target` through every stage in between (the ATS's way).
        Returns the statuses entered; [] when the referral is already there."""
        _check_reason(target, reason)
        async with transaction():
            referral = await _locked(referral_id)
            if referral.status == target:
                return []
            start = referral.status
            steps = steps_to(start, target)
            now = self.clock.now()
            current = start
            for step in steps:
                if step not in allowed_moves(current):
                    raise InvalidTransition(_refusal(current, step))
                await self._apply(referral, step, actor, _with_reason(note, reason), now)
                current = step
        previous = start
        for step in steps:
            await self.announce(referral, previous, step, actor.source, reason)
            previous = step
        return steps

    async def record_creation(self, referral: Referral, actor: Actor, note: str = "") -> None:
        """The first line of a referral's history (inside the creating transaction)."""
        await self.record(referral, None, actor, note, referral.created_at)

    async def record(
        self,
        referral: Referral,
        old: ReferralStatus | None,
        actor: Actor,
        note: str,
        at: datetime,
    ) -> None:
        """A line of history for a change made outside `move` (creation, refused consent)."""
        await ReferralChange.create(
            referral=referral,
            from_status=old.value if old else "",
            to_status=referral.status.value,
            actor=actor.name,
            source=actor.source,
            note=note[:500],
            occurred_at=at,
        )

    async def submit(self, referral: Referral, actor: Actor) -> None:
        """pending_consent → submitted (inside the caller's transaction)."""
        now = self.clock.now()
        referral.consented_at = now
        await self._apply(referral, S.SUBMITTED, actor, "consent given", now)

    async def announce_submission(self, referral: Referral) -> None:
        await self.events.publish(
            ApplicationSubmitted(
                referral_id=referral.id,
                employee_id=referral.referrer_id,
                job_id=referral.job_id,
                candidate_id=referral.candidate_id,  # type: ignore[attr-defined]
                source=referral.source,
                occurred_at=referral.submitted_at or referral.created_at,
            )
        )

    async def history(self, referral_id: int) -> list[ReferralChange]:
        await self.get(referral_id)
        return list(await ReferralChange.filter(referral_id=referral_id).order_by("id"))

    async def histories(self, referral_ids: list[int]) -> dict[int, list[ReferralChange]]:
        """The histories of many referrals in one query (the dashboard's board), oldest
        change first; a referral without a change is absent."""
        changes: dict[int, list[ReferralChange]] = {}
        for change in await ReferralChange.filter(referral_id__in=referral_ids).order_by("id"):
            changes.setdefault(change.referral_id, []).append(change)  # type: ignore[attr-defined]
        return changes

    async def _apply(
        self,
        referral: Referral,
        target: ReferralStatus,
        actor: Actor,
        note: str,
        now: datetime,
    ) -> None:
        old = referral.status
        referral.status = target
        referral.updated_at = now
        if target == S.SUBMITTED:
            referral.submitted_at = referral.submitted_at or now
        if target == S.INTERVIEW:
            referral.interview_at = referral.interview_at or now
        if target == S.OFFER:
            referral.offer_at = referral.offer_at or now
        if target == S.HIRED:
            referral.hired_at = now
            if referral.referrer_id is not None:
                referral.bonus_status = BonusStatus.WAITING
                referral.bonus_due_at = now + self.bonus_waiting
        if target in CLOSED:
            referral.closed_at = now
        await referral.save()
        await ReferralChange.create(
            referral=referral,
            from_status=old.value,
            to_status=target.value,
            actor=actor.name,
            source=actor.source,
            note=note[:500],
            occurred_at=now,
        )

    async def announce(
        self,
        referral: Referral,
        old: ReferralStatus | None,
        new: ReferralStatus,
        source: ReferralSource,
        reason: RejectionReason | None = None,
    ) -> None:
        """After the commit: tell the other domains that `referral` moved from `old` (None
        for a referral made a duplicate at once) to `new`, at its `updated_at`."""
        if new == S.SUBMITTED:
            await self.announce_submission(referral)
            return
        await self.events.publish(
            ReferralStatusChanged(
                referral_id=referral.id,
                employee_id=referral.referrer_id,
                job_id=referral.job_id,
                old_status=old,
                new_status=new,
                source=source,
                occurred_at=referral.updated_at,
                reason=reason if new == S.REJECTED else None,
            )
        )


REASON_NOTES = {
    RejectionReason.NOT_SELECTED: "not selected",
    RejectionReason.NOT_A_REAL_CANDIDATE: "not a real candidate",
}


def _check_reason(target: ReferralStatus, reason: RejectionReason | None) -> None:
    """A reason says why a referral was rejected: any other move refuses one."""
    if reason is not None and target != S.REJECTED:
        raise InvalidRejection("A reason is given only with a rejection.")


async def _locked(referral_id: int) -> Referral:
    """The referral, locked until the caller's transaction ends (one move at a time)."""
    return _found(await Referral.select_for_update().get_or_none(id=referral_id), referral_id)


def _found(referral: Referral | None, referral_id: int) -> Referral:
    if referral is None:
        raise ReferralNotFound(f"No referral with id {referral_id}.")
    return referral


def _with_reason(note: str, reason: RejectionReason | None) -> str:
    """The history's note of a rejection starts with its reason."""
    if reason is None:
        return note
    return f"{REASON_NOTES[reason]}: {note}" if note else REASON_NOTES[reason]


def _refusal(old: ReferralStatus, target: ReferralStatus) -> str:
    allowed = allowed_moves(old)
    if old == S.PENDING_CONSENT:
        return (
            "This referral waits for the candidate's consent; it enters the pipeline when "
            "they agree."
        )
    if old == S.DUPLICATE:
        return "This referral is a duplicate of an earlier one; move the earlier one instead."
    if not allowed:
        return f"This referral is {old.value.replace('_', ' ')}; its status can no longer change."
    names = ", ".join(s.value for s in allowed)
    return f"A referral in {old.value} cannot move to {target.value}; it can move to {names}."
