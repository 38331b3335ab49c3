"""Tracked links and the clicks they bring.

A `Click` row is written for every 302 served by `/r/{code}`, classified once by the
click pipeline. The sharer, content, channel, department and local day are copied onto
the click so that analytics are plain GROUP BYs on one table.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ContentType(StrEnum):
    JOB = "job"
    NEWS = "news"


class Channel(StrEnum):
    LINKEDIN = "linkedin"
    X = "x"
    FACEBOOK = "facebook"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    TEAMS = "teams"
    EMAIL = "email"
    COPY = "copy"


class ClickClass(StrEnum):
    UNIQUE = "unique"
    REPEAT = "repeat"
    BOT = "bot"
    SELF = "self"
    RATE_LIMITED = "rate_limited"


class TrackedLink(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)
    employee_id = fields.IntField()
    content_type = fields.CharEnumField(ContentType, max_length=8)
    content_id = fields.IntField()
    channel = fields.CharEnumField(Channel, max_length=16)
    created_at = fields.DatetimeField()

    class Meta:
        table = "tracked_link"
        unique_together = (("employee_id", "content_type", "content_id", "channel"),)


class Click(Model):
    id = fields.BigIntField(primary_key=True)
    # Made by the web process when it serves the 302: a replayed stream entry carries
    # the same id, so it can never become a second row.
    click_id = fields.CharField(max_length=32, unique=True)
    link: fields.ForeignKeyRelation[TrackedLink] = fields.ForeignKeyField(
        "portevoix.TrackedLink", related_name="clicks", on_delete=fields.CASCADE
    )
    occurred_at = fields.DatetimeField()
    day = fields.DateField()  # in the company's time zone
    classification = fields.CharEnumField(ClickClass, max_length=16)
    visitor_hash = fields.CharField(max_length=32)
    ua_family = fields.CharField(max_length=32, default="")
    referrer_host = fields.CharField(max_length=255, default="")
    country = fields.CharField(max_length=2, default="")
    employee_id = fields.IntField()
    department = fields.CharField(max_length=100, default="")
    content_type = fields.CharEnumField(ContentType, max_length=8)
    content_id = fields.IntField()
    channel = fields.CharEnumField(Channel, max_length=16)

    class Meta:
        table = "click"
        indexes = (
            ("link_id", "visitor_hash", "occurred_at"),
            ("employee_id", "day"),
            ("content_type", "content_id", "day"),
            ("day",),
        )
