"""Content that employees share: job offers and company news.

Targeting is three lists (departments, locations, languages); an empty list means
everyone. Models stay inside this package; others use `app.jobs.service`.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Workplace(StrEnum):
    ON_SITE = "on_site"
    HYBRID = "hybrid"
    REMOTE = "remote"


class EmploymentType(StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    CONTRACT = "contract"
    INTERNSHIP = "internship"
    TEMPORARY = "temporary"


class JobStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class NewsStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ContentSource(StrEnum):
    MANUAL = "manual"
    GREENHOUSE = "greenhouse"
    LEVER = "lever"
    FEED = "feed"


class Targeted(Model):
    """Who a piece of content is for. Empty list = no restriction on that axis."""

    target_departments: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    target_locations: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    target_languages: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]

    class Meta:
        abstract = True


class JobOffer(Targeted):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    slug = fields.CharField(max_length=80)
    description = fields.TextField(default="")  # Markdown
    department = fields.CharField(max_length=100, default="")
    location = fields.CharField(max_length=100, default="")
    workplace = fields.CharEnumField(Workplace, max_length=16, default=Workplace.ON_SITE)
    employment_type = fields.CharEnumField(
        EmploymentType, max_length=16, default=EmploymentType.FULL_TIME
    )
    language = fields.CharField(max_length=5, default="en")
    # Empty: candidates apply on our own page; otherwise the ATS's page, reached through
    # the tracked link with ref=<code> so the ATS can report the candidate back.
    apply_url = fields.CharField(max_length=1000, default="")
    status = fields.CharEnumField(JobStatus, max_length=16, default=JobStatus.DRAFT)
    source = fields.CharEnumField(ContentSource, max_length=16, default=ContentSource.MANUAL)
    external_id = fields.CharField(max_length=200, null=True)
    referral_points = fields.IntField(null=True)
    published_at = fields.DatetimeField(null=True)
    closes_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "job_offer"
        unique_together = (("source", "external_id"),)
        indexes = (("status",),)


class NewsPost(Targeted):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    slug = fields.CharField(max_length=80)
    body = fields.TextField(default="")
    url = fields.CharField(max_length=1000, default="")
    image_url = fields.CharField(max_length=1000, default="")
    language = fields.CharField(max_length=5, default="en")
    status = fields.CharEnumField(NewsStatus, max_length=16, default=NewsStatus.DRAFT)
    # Shown from this time on once published (None = at once): scheduling without a job.
    publish_at = fields.DatetimeField(null=True)
    published_at = fields.DatetimeField(null=True)
    # {"linkedin": {"en": "...", "fr": "..."}, "x": {...}, "default": {...}}
    captions: dict[str, dict[str, str]] = fields.JSONField(default=dict)  # type: ignore[assignment]
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "news_post"
        indexes = (("status",),)
