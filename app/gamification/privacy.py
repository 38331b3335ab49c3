"""An employee's part of the points economy in their GDPR export (profile, every ledger
entry, badges, redemptions), and their erasure: the rows stay (totals and boards stay
true, the ledger stays append-only), free-text notes lose the person's values."""

from __future__ import annotations

from typing import Any

from app.gamification.models import BadgeAward, PointsEntry, Profile, Redemption
from app.people.gdpr import ErasedPerson


async def export(employee_id: int) -> dict[str, Any]:
    profile = await Profile.get_or_none(employee_id=employee_id)
    entries = await PointsEntry.filter(employee_id=employee_id).order_by("id")
    badges = await BadgeAward.filter(employee_id=employee_id).order_by("id")
    redemptions = (
        await Redemption.filter(employee_id=employee_id).prefetch_related("reward").order_by("id")
    )
    return {
        "profile": None
        if profile is None
        else {
            "shares": profile.shares,
            "unique_clicks": profile.unique_clicks,
            "referrals": profile.referrals,
            "interviews": profile.interviews,
            "hires": profile.hires,
            "streak_weeks": profile.streak_weeks,
            "level": profile.level,
            "leaderboard_opt_out": profile.leaderboard_opt_out,
        },
        "ledger": [
            {
                "points": e.points,
                "reason": e.reason,
                "source": e.source,
                "note": e.note,
                "occurred_at": e.occurred_at.isoformat(),
            }
            for e in entries
        ],
        "badges": [{"badge": b.badge, "awarded_at": b.awarded_at.isoformat()} for b in badges],
        "redemptions": [
            {
                "reward": r.reward.name_en,
                "cost": r.cost,
                "status": r.status.value,
                "note": r.note,
                "created_at": r.created_at.isoformat(),
                "decided_at": r.decided_at.isoformat() if r.decided_at else None,
            }
            for r in redemptions
        ],
    }


async def erase(person: ErasedPerson) -> None:
    for model in (PointsEntry, Redemption):
        for row in await model.filter(employee_id=person.employee_id).exclude(note=""):
            scrubbed = person.scrub(row.note)
            if scrubbed != row.note:
                await model.filter(id=row.id).update(note=scrubbed)
