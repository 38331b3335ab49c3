"""Tracked links and the clicks they bring.

A `Click` row is written for every 302 served by `/r/{code}`, classified once by the
click pipeline. The sharer, content, channel, department and local day are copied onto
the click so that analytics are plain GROUP BYs on one table.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

# The codes of links, clicks and referrals are defined in app/codes.py, below the events
# that carry them; they are the domain's, and read from here as before.
from app.codes import (
    Channel,
    ClickClass,
    ContentType,
    ReferralSource,
    ReferralStatus,
)
from app.codes import RejectionReason as RejectionReason


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


# -- referrals: candidates, the pipeline and its history (issue #4) -------------------------


class BonusStatus(StrEnum):
    NONE = "none"
    WAITING = "waiting"  # hired, waiting period running
    DUE = "due"
    PAID = "paid"
    FORFEITED = "forfeited"  # the referrer left before the waiting period ended


class Candidate(Model):
    """A person someone referred or who applied, identified by normalised e-mail.

    Erasing a candidate empties the personal fields and keeps the row, so the funnel of
    their referrals stays true."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True, null=True)
    name = fields.CharField(max_length=200, default="")
    phone = fields.CharField(max_length=40, default="")
    linkedin_url = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField()
    erased_at = fields.DatetimeField(null=True)

    class Meta:
        table = "candidate"


class Referral(Model):
    """One candidate brought for one job (or a general referral) by one employee, or
    a direct application (no referrer)."""

    id = fields.IntField(primary_key=True)
    candidate: fields.ForeignKeyRelation[Candidate] = fields.ForeignKeyField(
        "portevoix.Candidate", related_name="referrals", on_delete=fields.RESTRICT
    )
    job_id = fields.IntField(null=True)  # None: a general referral
    referrer_id = fields.IntField(null=True)  # None: the candidate applied directly
    link_id = fields.IntField(null=True)
    # Copied at creation so that the funnel is GROUP BYs on one table.
    department = fields.CharField(max_length=100, default="")
    channel = fields.CharField(max_length=16, default="")
    source = fields.CharEnumField(ReferralSource, max_length=8)
    status = fields.CharEnumField(ReferralStatus, max_length=16)
    duplicate_of_id = fields.IntField(null=True)
    prior_applicant = fields.BooleanField(default=False)
    note = fields.TextField(default="")  # how the referrer knows them / the cover message
    cv_file = fields.CharField(max_length=64, default="")  # a random name under data_dir/cv
    consent_token = fields.CharField(max_length=64, unique=True, null=True)
    consented_at = fields.DatetimeField(null=True)
    ats_application_id = fields.CharField(max_length=200, unique=True, null=True)
    created_at = fields.DatetimeField()
    submitted_at = fields.DatetimeField(null=True)
    # When each funnel stage was first reached (None: not reached).
    interview_at = fields.DatetimeField(null=True)
    offer_at = fields.DatetimeField(null=True)
    hired_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField()
    bonus_status = fields.CharEnumField(BonusStatus, max_length=16, default=BonusStatus.NONE)
    bonus_due_at = fields.DatetimeField(null=True)
    bonus_paid_at = fields.DatetimeField(null=True)

    class Meta:
        table = "referral"
        indexes = (
            ("status",),
            ("job_id", "status"),
            ("referrer_id", "status"),
            ("bonus_status",),
        )


class ReferralChange(Model):
    """The history of a referral: every status it went through, who moved it, from where."""

    id = fields.IntField(primary_key=True)
    referral: fields.ForeignKeyRelation[Referral] = fields.ForeignKeyField(
        "portevoix.Referral", related_name="changes", on_delete=fields.CASCADE
    )
    from_status = fields.CharField(max_length=16, default="")
    to_status = fields.CharField(max_length=16)
    actor = fields.CharField(max_length=64)  # "employee:12", "candidate", "ats", "system"
    source = fields.CharEnumField(ReferralSource, max_length=8)
    note = fields.CharField(max_length=500, default="")
    occurred_at = fields.DatetimeField()

    class Meta:
        table = "referral_change"


class AtsDelivery(Model):
    """An ATS webhook event already applied: a replay of the same id changes nothing."""

    id = fields.IntField(primary_key=True)
    event_id = fields.CharField(max_length=200, unique=True)
    event_type = fields.CharField(max_length=64)
    received_at = fields.DatetimeField()

    class Meta:
        table = "ats_delivery"


# -- the click roll-ups (issue 16) ----------------------------------------------------------


class Grain(StrEnum):
    """A roll-up row counts one local day, or one whole month (its `day` is the 1st)."""

    DAY = "d"
    MONTH = "m"


class ClickRollup(Model):
    """Raw and unique clicks of one day (or month) per a few dimensions, kept by the click
    writer in the transaction that stores the clicks (app/referrals/rollup.py). Each
    subclass is a narrow roll-up for the questions it answers; a click counts in each."""

    grain = fields.CharEnumField(Grain, max_length=1)
    day = fields.DateField()  # the local day, or the first day of the month
    raw_clicks = fields.IntField()
    unique_clicks = fields.IntField()

    class Meta:
        abstract = True


class ClickByChannel(ClickRollup):
    """The overview: reach, unique clicks and their lines per channel, job clicks."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharEnumField(Channel, max_length=16)
    content_type = fields.CharEnumField(ContentType, max_length=8)

    class Meta:
        table = "click_by_channel"
        unique_together = (("grain", "day", "channel", "content_type"),)


class ClickByDepartment(ClickRollup):
    """Clicks per department (and channel): the funnel's and the API's departments."""

    id = fields.IntField(primary_key=True)
    department = fields.CharField(max_length=100)
    channel = fields.CharEnumField(Channel, max_length=16)
    content_type = fields.CharEnumField(ContentType, max_length=8)

    class Meta:
        table = "click_by_department"
        unique_together = (("grain", "day", "department", "channel", "content_type"),)


class ClickByContent(ClickRollup):
    """Top content, the funnel per job, a content's clicks per channel."""

    id = fields.IntField(primary_key=True)
    content_type = fields.CharEnumField(ContentType, max_length=8)
    content_id = fields.IntField()
    channel = fields.CharEnumField(Channel, max_length=16)

    class Meta:
        table = "click_by_content"
        unique_together = (("grain", "day", "content_type", "content_id", "channel"),)
        indexes = (("content_id", "grain", "day"),)


class ClickByEmployee(ClickRollup):
    """Top advocates, the funnel per employee, a person's clicks per day."""

    id = fields.IntField(primary_key=True)
    employee_id = fields.IntField()
    department = fields.CharField(max_length=100)
    content_type = fields.CharEnumField(ContentType, max_length=8)

    class Meta:
        table = "click_by_employee"
        unique_together = (("grain", "day", "employee_id", "department", "content_type"),)
        indexes = (("employee_id", "grain", "day"),)
