"""The content service's lookups and the dashboard form's one-transaction save
(`ContentService.find_job`, `titles`, `save`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.clock import FrozenClock
from app.events import ContentPublished
from app.jobs.models import JobOffer, JobStatus, NewsStatus
from app.jobs.schemas import JobCreate, JobUpdate, NewsCreate
from app.jobs.service import InvalidTransition
from app.runtime import Runtime
from tests.helpers import make_open_job


async def test_titles_are_keyed_by_kind_and_id(runtime: Runtime) -> None:
    job = await make_open_job(runtime, "Data Engineer")
    post = await runtime.content.create_news(NewsCreate(title="We moved", body="To Lyon."))
    titles = await runtime.content.titles([job.id, 424_242], [post.id])
    assert titles == {("job", job.id): "Data Engineer", ("news", post.id): "We moved"}
    assert await runtime.content.titles([], []) == {}


async def test_find_job_is_none_for_an_unknown_id(runtime: Runtime) -> None:
    job = await make_open_job(runtime)
    assert (await runtime.content.find_job(job.id)).title == "Data Engineer"  # type: ignore[union-attr]
    assert await runtime.content.find_job(424_242) is None


async def test_save_creates_and_publishes_and_announces_once(runtime: Runtime) -> None:
    published: list[ContentPublished] = []

    async def seen(event: ContentPublished) -> None:
        published.append(event)

    runtime.events.subscribe(ContentPublished, seen)
    job = await runtime.content.save(None, JobCreate(title="Nurse"), publish=True)
    assert isinstance(job, JobOffer) and job.status == JobStatus.OPEN
    assert [(e.content_type, e.content_id) for e in published] == [("job", job.id)]
    draft = await runtime.content.save(None, NewsCreate(title="Hello", body="…"), publish=False)
    assert draft.status == NewsStatus.DRAFT and len(published) == 1  # a draft is not told


async def test_save_updates_an_existing_job(runtime: Runtime) -> None:
    job = await runtime.content.save(None, JobCreate(title="Nurse"), publish=False)
    changed = await runtime.content.save(job.id, JobUpdate(title="Head nurse"), publish=False)
    assert (changed.id, changed.title) == (job.id, "Head nurse")


async def test_a_refused_publication_leaves_nothing_written(
    runtime: Runtime, clock: FrozenClock
) -> None:
    closes = clock.now() + timedelta(days=1)
    job = await runtime.content.save(
        None, JobCreate(title="Nurse", closes_at=closes), publish=False
    )
    clock.advance(timedelta(days=2))  # its closing date has passed: it cannot be opened
    with pytest.raises(InvalidTransition):
        await runtime.content.save(job.id, JobUpdate(title="Head nurse"), publish=True)
    stored = await runtime.content.job(job.id)
    assert (stored.title, stored.status) == ("Nurse", JobStatus.DRAFT)  # the edit rolled back
