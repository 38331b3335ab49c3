"""An employee's tracked links and the titles of what they point to
(`LinkService.links_of`, `titles_of`): the mini app's "my links"."""

from __future__ import annotations

from datetime import timedelta

from app.clock import FrozenClock
from app.jobs.schemas import NewsCreate
from app.referrals.models import Channel, ContentType
from app.runtime import Runtime
from tests.helpers import make_open_job, make_sharer


async def test_my_links_newest_first_with_their_titles(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_sharer(runtime, "ada@example.com")
    bob = await make_sharer(runtime, "bob@example.com")
    job = await make_open_job(runtime, "Data Engineer")
    post = await runtime.content.create_news(NewsCreate(title="We moved", body="To Lyon."))
    await runtime.content.publish_news(post.id)
    await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.LINKEDIN])
    clock.advance(timedelta(minutes=1))
    await runtime.links.shares(ada, ContentType.NEWS, post.id, [Channel.EMAIL])
    await runtime.links.shares(bob, ContentType.JOB, job.id, [Channel.LINKEDIN])
    links = await runtime.links.links_of(ada.id)
    assert [(link.content_type, link.channel) for link in links] == [
        (ContentType.NEWS, Channel.EMAIL),
        (ContentType.JOB, Channel.LINKEDIN),
    ]
    assert await runtime.links.titles_of(links) == {
        ("job", job.id): "Data Engineer",
        ("news", post.id): "We moved",
    }
