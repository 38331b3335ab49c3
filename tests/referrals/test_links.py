"""Tracked links: stable unguessable codes, UTM destinations, captions and share intents."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from app.jobs.schemas import NewsCreate
from app.people.errors import EmployeeHasLeft
from app.referrals.links import (
    ContentNotShareable,
    PolicyNotAccepted,
    merge_query,
    new_code,
)
from app.referrals.models import Channel, ContentType, TrackedLink
from app.runtime import Runtime
from tests.helpers import make_employee, make_open_job, make_sharer


def test_codes_are_long_random_and_url_safe() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) >= 8 and code.isalnum() for code in codes)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.io/jobs/1", "https://x.io/jobs/1?utm_source=x&ref=abc"),
        ("https://x.io/jobs?id=7&lang=fr", "https://x.io/jobs?id=7&lang=fr&utm_source=x&ref=abc"),
        (
            "https://x.io/p?utm_source=old&a=1#apply",
            "https://x.io/p?a=1&utm_source=x&ref=abc#apply",
        ),
        ("https://x.io", "https://x.io/?utm_source=x&ref=abc"),
        ("https://x.io/a?q=a%20b&empty=", "https://x.io/a?q=a+b&empty=&utm_source=x&ref=abc"),
    ],
)
def test_utm_parameters_merge_into_existing_queries_and_keep_fragments(
    url: str, expected: str
) -> None:
    assert merge_query(url, {"utm_source": "x", "ref": "abc"}) == expected


async def test_the_same_triple_always_gives_the_same_link(runtime: Runtime) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime)
    first = await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.LINKEDIN])
    again = await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.LINKEDIN])
    assert first[0].code == again[0].code
    assert await TrackedLink.all().count() == 1
    every = await runtime.links.shares(ada, ContentType.JOB, job.id)
    assert len({share.code for share in every}) == len(Channel)


async def test_two_employees_get_different_links(runtime: Runtime) -> None:
    ada = await make_sharer(runtime)
    bob = await make_sharer(runtime, "bob@example.com")
    job = await make_open_job(runtime)
    [a] = await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.X])
    [b] = await runtime.links.shares(bob, ContentType.JOB, job.id, [Channel.X])
    assert a.code != b.code


async def test_share_intents_open_each_network_with_my_link(runtime: Runtime) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime, location="Paris")
    shares = {s.channel: s for s in await runtime.links.shares(ada, ContentType.JOB, job.id)}
    link = shares[Channel.X].url
    assert link == f"https://advocacy.test/r/{shares[Channel.X].code}"
    x = urlsplit(shares[Channel.X].share_url)
    assert (x.netloc, x.path) == ("twitter.com", "/intent/tweet")
    assert parse_qs(x.query)["url"] == [link]
    assert parse_qs(x.query)["text"] == [
        "We are hiring: Data Engineer (Paris). Apply or pass it on!"
    ]
    linkedin = urlsplit(shares[Channel.LINKEDIN].share_url)
    assert parse_qs(linkedin.query)["url"] == [shares[Channel.LINKEDIN].url]
    facebook = urlsplit(shares[Channel.FACEBOOK].share_url)
    assert parse_qs(facebook.query)["u"] == [shares[Channel.FACEBOOK].url]
    whatsapp = urlsplit(shares[Channel.WHATSAPP].share_url)
    assert whatsapp.netloc == "wa.me"
    assert parse_qs(whatsapp.query)["text"][0].endswith(shares[Channel.WHATSAPP].url)
    telegram = urlsplit(shares[Channel.TELEGRAM].share_url)
    assert (telegram.netloc, telegram.path) == ("t.me", "/share/url")
    mail = shares[Channel.EMAIL].share_url
    assert mail.startswith("mailto:?subject=Data%20Engineer&body=")
    assert shares[Channel.COPY].share_url == shares[Channel.COPY].url


async def test_captions_follow_the_sharer_language(runtime: Runtime) -> None:
    camille = await make_sharer(runtime, "camille@example.com", language="fr")
    post = await runtime.content.create_news(
        NewsCreate(
            title="Nous ouvrons Lyon",
            url="https://blog.example.com/lyon",  # type: ignore[arg-type]
            captions={
                "linkedin": {"en": "We open in Lyon!", "fr": "Nous ouvrons à Lyon !"},
                "default": {"en": "Lyon office", "fr": "Bureau de Lyon"},
            },
        )
    )
    await runtime.content.publish_news(post.id)
    shares = {s.channel: s for s in await runtime.links.shares(camille, ContentType.NEWS, post.id)}
    assert shares[Channel.LINKEDIN].caption == "Nous ouvrons à Lyon !"
    assert shares[Channel.X].caption == "Bureau de Lyon"  # falls back to the default caption
    job = await make_open_job(runtime, "Développeuse", location="Lyon")
    [job_share] = await runtime.links.shares(camille, ContentType.JOB, job.id, [Channel.COPY])
    assert job_share.caption == "On recrute : Développeuse (Lyon). Postulez ou faites passer !"


async def test_nobody_shares_before_accepting_the_policy(runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    job = await make_open_job(runtime)
    with pytest.raises(PolicyNotAccepted):
        await runtime.links.shares(ada, ContentType.JOB, job.id)
    assert await TrackedLink.all().count() == 0


async def test_a_left_employee_cannot_share(runtime: Runtime) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime)
    await runtime.people.deactivate(ada.id)
    with pytest.raises(EmployeeHasLeft):
        await runtime.links.shares(ada, ContentType.JOB, job.id)


async def test_closed_or_draft_content_cannot_be_shared(runtime: Runtime) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime)
    await runtime.content.close_job(job.id)
    with pytest.raises(ContentNotShareable):
        await runtime.links.shares(ada, ContentType.JOB, job.id)
    draft = await runtime.content.create_news(NewsCreate(title="Soon"))
    with pytest.raises(ContentNotShareable):
        await runtime.links.shares(ada, ContentType.NEWS, draft.id)
