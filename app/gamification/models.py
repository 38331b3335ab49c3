"""The points economy: the ledger, badges, per-employee counters, rewards and challenges.

The ledger is append-only. Balances are derived from it and cached on the employee row,
updated in the same transaction as each entry.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from app.codes import RedemptionStatus  # defined below the events that carry it


class PointsEntry(Model):
    id = fields.BigIntField(primary_key=True)
    employee_id = fields.IntField()
    points = fields.IntField()  # negative for spending and corrections
    reason = fields.CharField(max_length=32)
    source = fields.CharField(max_length=120)  # what caused it: "click:<id>", "hire:<id>"...
    # The same event applied twice awards once: this key is unique.
    idempotency_key = fields.CharField(max_length=160, unique=True)
    note = fields.CharField(max_length=500, default="")  # an admin's reason, shown to the employee
    occurred_at = fields.DatetimeField()
    created_at = fields.DatetimeField()
    # Copied at award time (company time zone) so boards can be rebuilt with GROUP BYs.
    week = fields.CharField(max_length=8)  # 2026-W48
    month = fields.CharField(max_length=7)  # 2026-11
    quarter = fields.CharField(max_length=7)  # 2026-Q4
    department = fields.CharField(max_length=100, default="")
    location = fields.CharField(max_length=100, default="")
    counts_for_boards = fields.BooleanField(default=True)  # spending is not a ranking

    class Meta:
        table = "points_entry"
        indexes = (("employee_id", "occurred_at"),)


class Profile(Model):
    """Gamification state of one employee: counters the badge rules read, and settings."""

    employee_id = fields.IntField(primary_key=True, generated=False)
    shares = fields.IntField(default=0)
    unique_clicks = fields.IntField(default=0)
    referrals = fields.IntField(default=0)
    interviews = fields.IntField(default=0)
    hires = fields.IntField(default=0)
    streak_weeks = fields.IntField(default=0)
    last_share_week = fields.CharField(max_length=8, default="")
    level = fields.IntField(default=0)  # index in the levels of gamification.toml
    leaderboard_opt_out = fields.BooleanField(default=False)

    class Meta:
        table = "gamification_profile"


class BadgeAward(Model):
    id = fields.IntField(primary_key=True)
    employee_id = fields.IntField()
    badge = fields.CharField(max_length=64)
    awarded_at = fields.DatetimeField()

    class Meta:
        table = "badge_award"
        unique_together = (("employee_id", "badge"),)


class LimitPeriod(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    EVER = "ever"


class Reward(Model):
    id = fields.IntField(primary_key=True)
    name_en = fields.CharField(max_length=120)
    name_fr = fields.CharField(max_length=120)
    description_en = fields.TextField(default="")
    description_fr = fields.TextField(default="")
    image_url = fields.CharField(max_length=1000, default="")
    cost = fields.IntField()
    stock = fields.IntField(null=True)  # None = unlimited
    active = fields.BooleanField(default=True)
    requires_approval = fields.BooleanField(default=False)
    limit_per_employee = fields.IntField(null=True)
    limit_period = fields.CharEnumField(LimitPeriod, max_length=8, default=LimitPeriod.EVER)
    created_at = fields.DatetimeField()

    class Meta:
        table = "reward"


class Redemption(Model):
    id = fields.IntField(primary_key=True)
    reward: fields.ForeignKeyRelation[Reward] = fields.ForeignKeyField(
        "portevoix.Reward", related_name="redemptions", on_delete=fields.RESTRICT
    )
    employee_id = fields.IntField()
    cost = fields.IntField()
    status = fields.CharEnumField(RedemptionStatus, max_length=16)
    note = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)
    decided_by = fields.IntField(null=True)

    class Meta:
        table = "redemption"
        indexes = (("employee_id", "created_at"), ("status",))


class Challenge(Model):
    """A team target: e.g. 300 unique clicks for Engineering in November."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    department = fields.CharField(max_length=100)
    metric = fields.CharField(max_length=32)  # unique_clicks | points | shares
    target = fields.IntField()
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    bonus_points = fields.IntField(default=0)
    progress = fields.IntField(default=0)
    reached_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "challenge"
