"""The content service: job offers and news posts, their life cycle and who they target."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from app.clock import Clock
from app.codes import ContentType
from app.db import given_changes, transaction
from app.errors import InvalidTransition, NotFound
from app.events import ContentPublished, EventBus
from app.jobs.models import JobOffer, JobStatus, NewsPost, NewsStatus, Targeted
from app.jobs.schemas import ContentFilter, JobCreate, JobUpdate, NewsCreate, NewsUpdate


class ContentNotFound(NotFound):
    code = "content_not_found"


@dataclass(frozen=True)
class Audience:
    """The attributes of an employee that targeting looks at."""

    department: str
    location: str
    language: str


Content = TypeVar("Content", JobOffer, NewsPost)


class TargetLists(Protocol):
    """What targeting looks at: content (`Targeted`) or a broadcast's recipients."""

    @property
    def target_departments(self) -> Sequence[str]: ...
    @property
    def target_locations(self) -> Sequence[str]: ...
    @property
    def target_languages(self) -> Sequence[str]: ...


def targets(content: TargetLists, audience: Audience) -> bool:
    """Is this content for this person? An empty list does not restrict."""
    return (
        _matches(content.target_departments, audience.department)
        and _matches(content.target_locations, audience.location)
        and _matches(content.target_languages, audience.language)
    )


def _matches(allowed: Sequence[str], value: str) -> bool:
    return not allowed or value.casefold() in {a.casefold() for a in allowed}


def slugify(text: str, max_length: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "content"


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    """URLs validated by pydantic become plain strings; None URLs become empty."""
    for key in ("apply_url", "url", "image_url"):
        if key in fields:
            fields[key] = str(fields[key]) if fields[key] is not None else ""
    return fields


# Jobs have a department and a site of their own; news posts only target.
_OWN_PLACE: dict[type[Targeted], tuple[str, ...]] = {
    JobOffer: ("department", "location"),
    NewsPost: (),
}


class ContentService:
    def __init__(self, clock: Clock, events: EventBus | None = None) -> None:
        self.clock = clock
        self.events = events or EventBus()

    # -- jobs ----------------------------------------------------------------------------

    async def job(self, job_id: int) -> JobOffer:
        job = await JobOffer.get_or_none(id=job_id)
        if job is None:
            raise ContentNotFound(f"No job offer with id {job_id}.")
        return job

    async def create_job(self, draft: JobCreate, **origin: Any) -> JobOffer:
        now = self.clock.now()
        fields = _plain(draft.model_dump())
        return await JobOffer.create(
            **fields, **origin, slug=slugify(draft.title), created_at=now, updated_at=now
        )

    async def update_job(self, job_id: int, changes: JobUpdate) -> JobOffer:
        return await self._change(await self.job(job_id), changes)

    async def publish_job(self, job_id: int, *, push: bool = True) -> JobOffer:
        """Open the job; the first time, `ContentPublished` (its push, unless `push` is
        False: seeded content)."""
        job = await self.job(job_id)
        if job.status == JobStatus.OPEN:
            return job
        now = self.clock.now()
        if job.closes_at is not None and job.closes_at <= now:
            raise InvalidTransition("This job's closing date has passed; change it first.")
        job.status = JobStatus.OPEN
        first_time = job.published_at is None
        job.published_at = job.published_at or now
        job.updated_at = now
        await job.save()
        if first_time:
            await self.events.publish(
                ContentPublished(ContentType.JOB, job.id, job.published_at, push=push)
            )
        return job

    async def close_job(self, job_id: int) -> JobOffer:
        return await self._set_status(await self.job(job_id), JobStatus.CLOSED)

    async def search_jobs(self, where: ContentFilter) -> tuple[list[JobOffer], int]:
        query = JobOffer.all()
        if where.status:  # news words mean the same for jobs
            status = {"published": "open", "archived": "closed"}.get(where.status, where.status)
            query = query.filter(status=JobStatus(status))
        if where.department:
            query = query.filter(department=where.department)
        if where.location:
            query = query.filter(location=where.location)
        if where.q:
            query = query.filter(Q(title__icontains=where.q) | Q(description__icontains=where.q))
        return await _page(query, where)

    async def referral_points(self, job_id: int) -> int | None:
        """The job's own points for a hire, overriding the rules file; None if unset."""
        values = await JobOffer.filter(id=job_id).values_list("referral_points", flat=True)
        return values[0] if values else None  # type: ignore[return-value]

    async def open_jobs(self, limit: int = 500) -> list[JobOffer]:
        """The jobs open now (not closed, closing date not passed), newest first: what the
        public `/jobs` page lists and the landing page counts."""
        now = self.clock.now()
        return (
            await JobOffer.filter(status=JobStatus.OPEN)
            .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
            .order_by("-published_at", "-id")
            .limit(limit)
        )

    def job_is_open(self, job: JobOffer) -> bool:
        return job.status == JobStatus.OPEN and (
            job.closes_at is None or job.closes_at > self.clock.now()
        )

    # -- news ----------------------------------------------------------------------------

    async def news(self, news_id: int) -> NewsPost:
        post = await NewsPost.get_or_none(id=news_id)
        if post is None:
            raise ContentNotFound(f"No news post with id {news_id}.")
        return post

    async def create_news(self, draft: NewsCreate) -> NewsPost:
        now = self.clock.now()
        fields = _plain(draft.model_dump())
        return await NewsPost.create(
            **fields, slug=slugify(draft.title), created_at=now, updated_at=now
        )

    async def update_news(self, news_id: int, changes: NewsUpdate) -> NewsPost:
        return await self._change(await self.news(news_id), changes)

    async def _change(self, item: Content, changes: JobUpdate | NewsUpdate) -> Content:
        """Apply the fields given (a new title makes a new slug)."""
        fields = _plain(given_changes(type(item), changes.model_dump(exclude_unset=True)))
        if "title" in fields:
            fields["slug"] = slugify(fields["title"])
        item.update_from_dict({**fields, "updated_at": self.clock.now()})
        await item.save()
        return item

    async def publish_news(self, news_id: int, *, push: bool = True) -> NewsPost:
        """Published now, or at `publish_at` if that is later: it shows (and its push
        goes) from then on."""
        post = await self.news(news_id)
        now = self.clock.now()
        first_time = post.published_at is None
        post.status = NewsStatus.PUBLISHED
        post.published_at = max(post.publish_at or now, now)
        post.updated_at = now
        await post.save()
        if first_time:
            await self.events.publish(
                ContentPublished(ContentType.NEWS, post.id, post.published_at, push=push)
            )
        return post

    async def archive_news(self, news_id: int) -> NewsPost:
        return await self._set_status(await self.news(news_id), NewsStatus.ARCHIVED)

    async def _set_status(self, item: Content, status: JobStatus | NewsStatus) -> Content:
        item.status = status  # type: ignore[assignment]
        item.updated_at = self.clock.now()
        await item.save()
        return item

    async def search_news(self, where: ContentFilter) -> tuple[list[NewsPost], int]:
        query = NewsPost.all()
        if where.status:  # job words mean the same for news
            status = {"open": "published", "closed": "archived"}.get(where.status, where.status)
            query = query.filter(status=NewsStatus(status))
        if where.q:
            query = query.filter(Q(title__icontains=where.q) | Q(body__icontains=where.q))
        return await _page(query, where)

    def news_is_live(self, post: NewsPost) -> bool:
        return (
            post.status == NewsStatus.PUBLISHED
            and post.published_at is not None
            and post.published_at <= self.clock.now()
        )

    async def places(self) -> tuple[set[str], set[str]]:
        """The departments and sites that content names (its own or in its targeting),
        for the dashboard's targeting choices."""
        departments: set[str] = set()
        locations: set[str] = set()
        for model in (JobOffer, NewsPost):
            for row in await model.all().values(
                "target_departments", "target_locations", *_OWN_PLACE[model]
            ):
                departments.update(row["target_departments"] or ())
                locations.update(row["target_locations"] or ())
                departments.add(row.get("department") or "")
                locations.add(row.get("location") or "")
        return departments - {""}, locations - {""}

    # -- what an employee sees -----------------------------------------------------------

    async def feed(self, audience: Audience) -> tuple[list[JobOffer], list[NewsPost]]:
        """Open jobs and live news that target this person, newest first."""
        jobs = await JobOffer.filter(status=JobStatus.OPEN).order_by("-published_at", "-id")
        posts = await NewsPost.filter(
            status=NewsStatus.PUBLISHED, published_at__lte=self.clock.now()
        ).order_by("-published_at", "-id")
        return (
            [j for j in jobs if self.job_is_open(j) and targets(j, audience)],
            [p for p in posts if targets(p, audience)],
        )

    async def find_job(self, job_id: int) -> JobOffer | None:
        """The job, or None when there is none with this id (`job` raises)."""
        return await JobOffer.get_or_none(id=job_id)

    async def titles(
        self, job_ids: Iterable[int], news_ids: Iterable[int]
    ) -> dict[tuple[str, int], str]:
        """The titles of these jobs and news posts, by ("job" | "news", id)."""
        found: dict[tuple[str, int], str] = {}
        for kind, model, ids in (
            ("job", JobOffer, set(job_ids)),
            ("news", NewsPost, set(news_ids)),
        ):
            if ids:
                for item_id, title in await model.filter(id__in=ids).values_list("id", "title"):
                    found[(kind, item_id)] = title
        return found

    async def save(
        self,
        item_id: int | None,
        draft: JobCreate | JobUpdate | NewsCreate | NewsUpdate,
        *,
        publish: bool,
    ) -> JobOffer | NewsPost:
        """Creates (a `...Create` draft) or updates (`item_id` and an `...Update` draft) a
        job or news post and, if `publish`, publishes it, in one transaction: its push is
        announced only once it commits (the dashboard's content form)."""
        async with self.events.held(), transaction():
            if isinstance(draft, JobCreate | JobUpdate):
                job = await (
                    self.create_job(draft)
                    if isinstance(draft, JobCreate)
                    else self.update_job(_given(item_id), draft)
                )
                return await self.publish_job(job.id) if publish else job
            post = await (
                self.create_news(draft)
                if isinstance(draft, NewsCreate)
                else self.update_news(_given(item_id), draft)
            )
            return await self.publish_news(post.id) if publish else post


def _given(item_id: int | None) -> int:
    if item_id is None:
        raise ValueError("an update names the item it changes")
    return item_id


async def _page(query: QuerySet[Content], where: ContentFilter) -> tuple[list[Content], int]:
    """The page of `where` (newest first) and how many there are in all."""
    total = await query.count()
    rows = await query.order_by("-published_at", "-id").offset(where.offset).limit(where.limit)
    return list(rows), total
