"""Broadcasts (pushes) as rows: a campaign, and one delivery per (recipient, channel).

A crashed sender resumes where it stopped: each delivery has a status and a lease, and
is never sent twice once recorded as sent.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class BroadcastKind(StrEnum):
    JOB = "job"
    NEWS = "news"
    DIGEST = "digest"  # the weekly personal summary
    ANNOUNCEMENT = "announcement"  # a text from the admins (monthly winners...)


class BroadcastStatus(StrEnum):
    SCHEDULED = "scheduled"  # waits for send_at
    SENDING = "sending"  # deliveries created, being sent
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class Broadcast(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(BroadcastKind, max_length=16)
    content_id = fields.IntField(null=True)  # the job or news post
    text = fields.TextField(default="")  # announcements
    # None: the content's own targeting; else an explicit list of employee ids.
    employee_ids: list[int] | None = fields.JSONField(null=True)  # type: ignore[assignment]
    # An announcement's recipients, chosen when it is sent (`broadcast.Recipients`):
    # {"departments": [...], "locations": [...], "languages": [...], "roles": [...]}.
    targeting: dict[str, list[str]] | None = fields.JSONField(null=True)  # type: ignore[assignment]
    send_at = fields.DatetimeField()
    status = fields.CharEnumField(BroadcastStatus, max_length=16)
    created_by = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    key = fields.CharField(max_length=120, null=True, unique=True)  # one campaign per key

    class Meta:
        table = "broadcast"
        indexes = (("status", "send_at"),)


class Delivery(Model):
    id = fields.BigIntField(primary_key=True)
    broadcast: fields.ForeignKeyRelation[Broadcast] = fields.ForeignKeyField(
        "portevoix.Broadcast", related_name="deliveries", on_delete=fields.CASCADE
    )
    employee_id = fields.IntField()
    identity_id = fields.IntField(null=True)
    platform = fields.CharField(max_length=16, default="")
    status = fields.CharEnumField(DeliveryStatus, max_length=16)
    reason = fields.CharField(max_length=64, default="")  # why skipped or failed
    attempts = fields.SmallIntField(default=0)
    not_before = fields.DatetimeField()  # quiet hours, backoff
    lease_until = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "delivery"
        unique_together = (("broadcast", "employee_id", "platform"),)
        # ("employee_id", "sent_at"): what each person got today, for the daily cap.
        indexes = (("status", "not_before"), ("employee_id", "sent_at"))
