"""Shapes of job offers and news posts in the API (validation and OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.i18n import Language
from app.jobs.models import EmploymentType, JobStatus, NewsStatus, Workplace

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Url = Annotated[AnyHttpUrl, Field(description="An http(s) URL")]
# In an update, "" removes the address (null leaves it as it is).
ClearableUrl = Annotated[
    AnyHttpUrl | Literal[""], Field(description='An http(s) URL, or "" for none')
]
NETWORKS = ("default", "linkedin", "x", "facebook", "whatsapp", "telegram", "teams", "email")


def _known_networks(value: dict[str, dict[str, str]] | None) -> dict[str, dict[str, str]] | None:
    unknown = set(value or {}) - set(NETWORKS)
    if unknown:
        raise ValueError(f"unknown network(s) {sorted(unknown)}; use {', '.join(NETWORKS)}")
    return value


class Targeting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_departments: list[Label] = Field(default_factory=list, max_length=50)
    target_locations: list[Label] = Field(default_factory=list, max_length=50)
    target_languages: list[Language] = Field(default_factory=list)


class JobCreate(Targeting):
    title: Title
    description: Annotated[str, StringConstraints(max_length=50_000)] = ""
    department: Label = ""
    location: Label = ""
    workplace: Workplace = Workplace.ON_SITE
    employment_type: EmploymentType = EmploymentType.FULL_TIME
    language: Language = "en"
    apply_url: Url | None = Field(
        default=None, description="An external ATS page; empty = Porte-voix's apply page"
    )
    referral_points: int | None = Field(default=None, ge=0, le=100_000)
    closes_at: datetime | None = None


class JobUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    description: Annotated[str, StringConstraints(max_length=50_000)] | None = None
    department: Label | None = None
    location: Label | None = None
    workplace: Workplace | None = None
    employment_type: EmploymentType | None = None
    language: Language | None = None
    apply_url: ClearableUrl | None = None
    referral_points: int | None = Field(default=None, ge=0, le=100_000)
    closes_at: datetime | None = None
    target_departments: list[Label] | None = None
    target_locations: list[Label] | None = None
    target_languages: list[Language] | None = None


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    slug: str
    description: str
    department: str
    location: str
    workplace: Workplace
    employment_type: EmploymentType
    language: str
    apply_url: str
    status: JobStatus
    source: str
    external_id: str | None
    referral_points: int | None
    published_at: datetime | None
    closes_at: datetime | None
    target_departments: list[str]
    target_locations: list[str]
    target_languages: list[str]


Caption = Annotated[str, StringConstraints(strip_whitespace=True, max_length=3000)]


class NewsCreate(Targeting):
    title: Title
    body: Annotated[str, StringConstraints(max_length=50_000)] = ""
    url: Url | None = None
    image_url: Url | None = None
    language: Language = "en"
    publish_at: datetime | None = None
    captions: dict[str, dict[Language, Caption]] = Field(
        default_factory=dict,
        description="Suggested captions per network and language, e.g. "
        '{"linkedin": {"en": "...", "fr": "..."}, "x": {...}, "default": {...}}',
    )

    _networks = field_validator("captions")(classmethod(lambda cls, v: _known_networks(v)))


class NewsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: Annotated[str, StringConstraints(max_length=50_000)] | None = None
    url: ClearableUrl | None = None
    image_url: ClearableUrl | None = None
    language: Language | None = None
    publish_at: datetime | None = None
    captions: dict[str, dict[Language, Caption]] | None = None
    target_departments: list[Label] | None = None
    target_locations: list[Label] | None = None
    target_languages: list[Language] | None = None

    _networks = field_validator("captions")(classmethod(lambda cls, v: _known_networks(v)))


class NewsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    slug: str
    body: str
    url: str
    image_url: str
    language: str
    status: NewsStatus
    publish_at: datetime | None
    published_at: datetime | None
    captions: dict[str, dict[str, str]]
    target_departments: list[str]
    target_locations: list[str]
    target_languages: list[str]


class ContentFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["draft", "open", "published", "closed", "archived"] | None = Field(
        default=None, description="draft, open/published, closed/archived"
    )
    department: Label | None = None
    location: Label | None = None
    q: Annotated[str, StringConstraints(max_length=100)] | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class JobPage(BaseModel):
    items: list[JobOut]
    total: int
    limit: int
    offset: int


class NewsPage(BaseModel):
    items: list[NewsOut]
    total: int
    limit: int
    offset: int
