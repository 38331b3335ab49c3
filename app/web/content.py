"""REST resources for content: job offers, news posts, and each employee's feed."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.jobs.job_import import JobImportReport
from app.jobs.schemas import (
    ContentFilter,
    JobCreate,
    JobOut,
    JobPage,
    JobUpdate,
    NewsCreate,
    NewsOut,
    NewsPage,
    NewsUpdate,
)
from app.jobs.service import Audience
from app.people.models import Role
from app.web.api import Api, Call


class FeedQuery(BaseModel):
    employee_id: int | None = Field(default=None, description="Recruiters and admins only")


class Feed(BaseModel):
    jobs: list[JobOut]
    news: list[NewsOut]


class SkippedJob(BaseModel):
    position: int = Field(description="1 for the first job of the source")
    external_id: str | None
    reason: str


class JobImportOut(BaseModel):
    source: str
    entries: int
    created: int
    updated: int
    reopened: int
    unchanged: int
    closed: int
    skipped: list[SkippedJob]
    summary: str

    @classmethod
    def of(cls, report: JobImportReport) -> JobImportOut:
        return cls(
            source=report.source.value,
            entries=report.entries,
            created=report.created,
            updated=report.updated,
            reopened=report.reopened,
            unchanged=report.unchanged,
            closed=report.closed,
            skipped=[
                SkippedJob(position=s.position, external_id=s.external_id, reason=s.reason)
                for s in report.skipped
            ],
            summary=report.summary(),
        )


def register(api: Api) -> None:
    @api.operation(
        "GET",
        "/jobs",
        summary="List job offers",
        tag="Jobs",
        role=Role.RECRUITER,
        query=ContentFilter,
        response=JobPage,
    )
    async def list_jobs(call: Call) -> JobPage:
        items, total = await call.services.content.search_jobs(call.query)
        return JobPage(
            items=[JobOut.model_validate(j) for j in items],
            total=total,
            limit=call.query.limit,
            offset=call.query.offset,
        )

    @api.operation(
        "POST",
        "/jobs",
        summary="Create a job offer (draft)",
        tag="Jobs",
        role=Role.RECRUITER,
        body=JobCreate,
        response=JobOut,
        status=201,
    )
    async def create_job(call: Call) -> JobOut:
        return JobOut.model_validate(await call.services.content.create_job(call.body))

    @api.operation(
        "POST",
        "/jobs/import",
        summary="Import job offers from Greenhouse, Lever or an RSS/Atom feed",
        tag="Jobs",
        role=Role.RECRUITER,
        body=str,
        body_media="text/plain",
        response=JobImportOut,
        description="The body is the source's text as its API or feed serves it: a Greenhouse "
        'job board (`{"jobs": [...]}`), a Lever postings JSON array, or RSS/Atom XML. New '
        "jobs are opened, known ones updated, jobs the source no longer lists closed. A "
        "malformed source is refused with 422 and changes nothing.",
    )
    async def import_jobs(call: Call) -> JobImportOut:
        return JobImportOut.of(await call.services.job_import.run(call.body))

    @api.operation(
        "GET",
        r"/jobs/{job_id:\d+}",
        summary="Get a job offer",
        tag="Jobs",
        role=Role.RECRUITER,
        response=JobOut,
    )
    async def get_job(call: Call) -> JobOut:
        return JobOut.model_validate(await call.services.content.job(call.path["job_id"]))

    @api.operation(
        "PATCH",
        r"/jobs/{job_id:\d+}",
        summary="Update a job offer",
        tag="Jobs",
        role=Role.RECRUITER,
        body=JobUpdate,
        response=JobOut,
    )
    async def update_job(call: Call) -> JobOut:
        job = await call.services.content.update_job(call.path["job_id"], call.body)
        return JobOut.model_validate(job)

    @api.operation(
        "POST",
        r"/jobs/{job_id:\d+}/publish",
        summary="Open a job offer",
        tag="Jobs",
        role=Role.RECRUITER,
        response=JobOut,
        errors=(409,),
    )
    async def publish_job(call: Call) -> JobOut:
        return JobOut.model_validate(await call.services.content.publish_job(call.path["job_id"]))

    @api.operation(
        "POST",
        r"/jobs/{job_id:\d+}/close",
        summary="Close a job offer",
        tag="Jobs",
        role=Role.RECRUITER,
        response=JobOut,
        description="Its tracked links then answer 410 with a link to open jobs.",
    )
    async def close_job(call: Call) -> JobOut:
        return JobOut.model_validate(await call.services.content.close_job(call.path["job_id"]))

    @api.operation(
        "GET",
        "/news",
        summary="List news posts",
        tag="News",
        role=Role.RECRUITER,
        query=ContentFilter,
        response=NewsPage,
    )
    async def list_news(call: Call) -> NewsPage:
        items, total = await call.services.content.search_news(call.query)
        return NewsPage(
            items=[NewsOut.model_validate(n) for n in items],
            total=total,
            limit=call.query.limit,
            offset=call.query.offset,
        )

    @api.operation(
        "POST",
        "/news",
        summary="Create a news post (draft)",
        tag="News",
        role=Role.ADMIN,
        body=NewsCreate,
        response=NewsOut,
        status=201,
    )
    async def create_news(call: Call) -> NewsOut:
        return NewsOut.model_validate(await call.services.content.create_news(call.body))

    @api.operation(
        "GET",
        r"/news/{news_id:\d+}",
        summary="Get a news post",
        tag="News",
        role=Role.RECRUITER,
        response=NewsOut,
    )
    async def get_news(call: Call) -> NewsOut:
        return NewsOut.model_validate(await call.services.content.news(call.path["news_id"]))

    @api.operation(
        "PATCH",
        r"/news/{news_id:\d+}",
        summary="Update a news post",
        tag="News",
        role=Role.ADMIN,
        body=NewsUpdate,
        response=NewsOut,
    )
    async def update_news(call: Call) -> NewsOut:
        post = await call.services.content.update_news(call.path["news_id"], call.body)
        return NewsOut.model_validate(post)

    @api.operation(
        "POST",
        r"/news/{news_id:\d+}/publish",
        summary="Publish a news post",
        tag="News",
        role=Role.ADMIN,
        response=NewsOut,
        description="Visible at once, or from publish_at if that is later.",
    )
    async def publish_news(call: Call) -> NewsOut:
        post = await call.services.content.publish_news(call.path["news_id"])
        return NewsOut.model_validate(post)

    @api.operation(
        "POST",
        r"/news/{news_id:\d+}/close",
        summary="Archive a news post",
        tag="News",
        role=Role.ADMIN,
        response=NewsOut,
    )
    async def close_news(call: Call) -> NewsOut:
        post = await call.services.content.archive_news(call.path["news_id"])
        return NewsOut.model_validate(post)

    @api.operation(
        "GET",
        "/feed",
        summary="Open jobs and live news that target me",
        tag="Feed",
        role=Role.EMPLOYEE,
        query=FeedQuery,
        response=Feed,
    )
    async def my_feed(call: Call) -> Feed:
        employee = await call.acting_employee(call.query.employee_id)
        jobs, news = await call.services.content.feed(
            Audience(employee.department, employee.location, employee.language)
        )
        return Feed(
            jobs=[JobOut.model_validate(j) for j in jobs],
            news=[NewsOut.model_validate(n) for n in news],
        )
