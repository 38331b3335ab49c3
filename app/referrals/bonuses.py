"""Referral bonuses: a hire's bonus is due after the waiting period if the referrer is
still employed, then HR exports the due bonuses and marks them paid."""

from __future__ import annotations

from collections.abc import Iterator

from app.clock import Clock
from app.csv_export import Cell, csv_lines
from app.db import transaction
from app.people.models import Employee, EmployeeStatus
from app.referrals.errors import BonusNotDue, ReferralNotFound
from app.referrals.models import BonusStatus, Referral


class Bonuses:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def settle(self) -> int:
        """Waiting bonuses whose period is over become due, or forfeited if the referrer
        left before the end. Returns how many changed. Safe to run at any time."""
        now = self.clock.now()
        changed = 0
        async with transaction():
            waiting = await Referral.select_for_update().filter(
                bonus_status=BonusStatus.WAITING, bonus_due_at__lte=now
            )
            referrer_ids = {r.referrer_id for r in waiting}
            left = {
                e.id: e.left_at
                for e in await Employee.filter(id__in=referrer_ids, status=EmployeeStatus.LEFT)
            }
            for referral in waiting:
                assert referral.bonus_due_at is not None
                left_at = left.get(referral.referrer_id or 0)
                gone = referral.referrer_id in left and (
                    left_at is None or left_at < referral.bonus_due_at
                )
                referral.bonus_status = BonusStatus.FORFEITED if gone else BonusStatus.DUE
                referral.updated_at = now
                await referral.save(update_fields=["bonus_status", "updated_at"])
                changed += 1
        return changed

    async def listing(self, status: BonusStatus | None = None) -> list[Referral]:
        await self.settle()
        query = Referral.exclude(bonus_status=BonusStatus.NONE)
        if status is not None:
            query = query.filter(bonus_status=status)
        return list(await query.order_by("bonus_due_at", "id"))

    async def mark_paid(self, referral_id: int) -> Referral:
        await self.settle()
        async with transaction():
            referral = await Referral.select_for_update().get_or_none(id=referral_id)
            if referral is None:
                raise ReferralNotFound(f"No referral with id {referral_id}.")
            if referral.bonus_status == BonusStatus.PAID:
                return referral
            if referral.bonus_status != BonusStatus.DUE:
                raise BonusNotDue(_not_due(referral))
            now = self.clock.now()
            referral.bonus_status = BonusStatus.PAID
            referral.bonus_paid_at = referral.updated_at = now
            await referral.save()
        return referral

    async def due_csv(self) -> Iterator[str]:
        """The bonuses to pay: one CSV line per hire, with the referrer HR pays."""
        due = await self.listing(BonusStatus.DUE)
        people = {
            e.id: e
            for e in await Employee.filter(id__in=[r.referrer_id for r in due if r.referrer_id])
        }
        header = [
            "referral_id", "employee_id", "employee_external_id", "employee_name",
            "employee_email", "department", "job_id", "hired_at", "bonus_due_at",
        ]  # fmt: skip

        def row(r: Referral) -> list[Cell]:
            e = people.get(r.referrer_id or 0)
            return [
                r.id,
                r.referrer_id,
                e.external_id if e else None,
                e.name if e else None,
                e.email if e else None,
                r.department,
                r.job_id,
                r.hired_at.isoformat() if r.hired_at else None,
                r.bonus_due_at.isoformat() if r.bonus_due_at else None,
            ]

        return csv_lines(header, (row(r) for r in due))


def _not_due(referral: Referral) -> str:
    match referral.bonus_status:
        case BonusStatus.WAITING:
            assert referral.bonus_due_at is not None
            return f"This bonus is due on {referral.bonus_due_at.date().isoformat()}, not yet."
        case BonusStatus.FORFEITED:
            return "No bonus: the referrer left before the waiting period ended."
        case _:
            return "This referral has no bonus: the candidate was not hired."
