"""Link previews: what LinkedIn, WhatsApp, Teams, Telegram and X read on a shared job or
news page (Open Graph and Twitter Card tags), and the card image they show."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from PIL import Image

from app.clock import FrozenClock
from app.jobs.schemas import JobCreate, JobUpdate, NewsCreate
from app.runtime import Runtime
from app.settings import Settings
from app.web.previews import excerpt, plain_text
from tests.helpers import make_open_job

FACTS = "Engineering · Paris · Hybrid · Full time"
DESCRIPTION = (
    "## About the team\n\n**We build** the [data platform](https://example.org/platform) "
    "behind <b>every</b> product.\n\n- Python and SQL\n- Kafka\n"
)


class MetaTags(HTMLParser):
    """The page's <meta> values by property or name, its canonical link and its lang."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.canonical = ""
        self.lang = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "meta" and "content" in found:
            self.values[found.get("property") or found.get("name", "")] = found["content"]
        elif tag == "link" and found.get("rel") == "canonical":
            self.canonical = found["href"]
        elif tag == "html":
            self.lang = found.get("lang", "")


async def tags_of(client: TestClient, path: str) -> MetaTags:
    response = await client.get(path)
    assert response.status == 200, path
    return MetaTags(await response.text())


async def engineer(runtime: Runtime, **fields: object) -> int:
    job = await make_open_job(
        runtime,
        "Data Engineer",
        description=DESCRIPTION,
        department="Engineering",
        location="Paris",
        workplace="hybrid",
        **fields,
    )
    return job.id


async def test_a_job_page_carries_every_preview_tag(client: TestClient, runtime: Runtime) -> None:
    job_id = await engineer(runtime)
    page = await tags_of(client, f"/jobs/{job_id}")
    tags = page.values
    summary = (
        f"{FACTS} — About the team We build the data platform "
        "behind every product. Python and SQL Kafka"
    )
    assert page.lang == "en"
    assert page.canonical == f"https://advocacy.test/jobs/{job_id}"
    assert {key: value for key, value in tags.items() if key != "og:image"} == {
        "viewport": "width=device-width, initial-scale=1",
        "color-scheme": "light dark",
        "description": summary,
        "og:type": "website",
        "og:site_name": "Porte-voix Demo",
        "og:title": "Data Engineer",
        "og:description": summary,
        "og:url": f"https://advocacy.test/jobs/{job_id}",
        "og:locale": "en_GB",
        "og:image:type": "image/png",
        "og:image:width": "1200",
        "og:image:height": "630",
        "og:image:alt": "Data Engineer — Porte-voix Demo — " + FACTS,
        "twitter:card": "summary_large_image",
        "twitter:title": "Data Engineer",
        "twitter:description": summary,
        "twitter:image": tags["og:image"],
        "twitter:image:alt": tags["og:image:alt"],
    }
    image = urlsplit(tags["og:image"])
    assert (image.scheme, image.netloc, image.path) == (
        "https",
        "advocacy.test",
        f"/jobs/{job_id}/preview.png",
    )
    assert image.query.startswith("v=")


async def test_a_french_job_previews_in_french(client: TestClient, runtime: Runtime) -> None:
    job = await make_open_job(
        runtime,
        "Développeur·se Frontend",
        description="Rejoignez *l'équipe* produit.",
        location="Lyon",
        workplace="remote",
        employment_type="internship",
        language="fr",
    )
    response = await client.get(f"/jobs/{job.id}")
    html = await response.text()
    page = MetaTags(html)
    assert page.lang == "fr"
    assert page.values["og:locale"] == "fr_FR"
    assert page.values["og:title"] == "Développeur·se Frontend"
    assert (
        page.values["og:description"] == "Lyon · Télétravail · Stage — Rejoignez l'équipe produit."
    )
    assert ">Postuler</a>" in html and "Nous recrutons" in html


async def test_a_job_without_description_is_described_by_its_facts(
    client: TestClient, runtime: Runtime
) -> None:
    job = await make_open_job(runtime, "Courier", workplace="on_site")
    tags = (await tags_of(client, f"/jobs/{job.id}")).values
    assert tags["og:description"] == "On site · Full time"  # no empty department or place


async def test_a_news_post_with_its_own_image_shares_that_image(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    post = await runtime.content.create_news(
        NewsCreate(
            title="Nous ouvrons à Lyon",
            body="Une **nouvelle** équipe.",
            image_url="https://cdn.example.org/lyon.jpg",  # type: ignore[arg-type]
            language="fr",
        )
    )
    clock.advance(timedelta(hours=3))  # published later than written
    await runtime.content.publish_news(post.id)
    clock.advance(timedelta(days=1))  # and read the day after
    page = await tags_of(client, f"/news/{post.id}")
    tags = page.values
    assert page.canonical == tags["og:url"] == f"https://advocacy.test/news/{post.id}"
    assert tags["og:type"] == "article"
    assert tags["og:locale"] == "fr_FR"
    assert tags["og:description"] == "Une nouvelle équipe."
    assert tags["og:image"] == tags["twitter:image"] == "https://cdn.example.org/lyon.jpg"
    assert tags["og:image:alt"] == "Nous ouvrons à Lyon"
    assert "og:image:width" not in tags  # we do not know its size, and do not fetch it
    published = datetime.fromisoformat(tags["article:published_time"])
    assert published == clock.now() - timedelta(days=1)  # when it was published, with its offset
    assert tags["twitter:card"] == "summary_large_image"


async def test_a_news_post_without_image_gets_a_card(client: TestClient, runtime: Runtime) -> None:
    post = await runtime.content.create_news(NewsCreate(title="Our new office", body=""))
    await runtime.content.publish_news(post.id)
    tags = (await tags_of(client, f"/news/{post.id}")).values
    assert tags["og:description"] == "Our new office"
    assert urlsplit(tags["og:image"]).path == f"/news/{post.id}/preview.png"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    card = await client.get(urlsplit(tags["og:image"]).path)
    assert card.status == 200 and card.content_type == "image/png"


async def card_of(client: TestClient, image_url: str) -> aiohttp.ClientResponse:
    parts = urlsplit(image_url)
    return await client.get(f"{parts.path}?{parts.query}")


async def test_the_card_is_a_1200_by_630_png_light_enough_for_whatsapp(
    client: TestClient, runtime: Runtime
) -> None:
    job_id = await engineer(runtime)
    tags = (await tags_of(client, f"/jobs/{job_id}")).values
    response = await card_of(client, tags["og:image"])
    assert response.status == 200
    assert response.content_type == "image/png"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    body = await response.read()
    assert len(body) < 300_000  # WhatsApp shows no preview image above about 300 KB
    image = Image.open(io.BytesIO(body))
    assert (image.format, image.size) == ("PNG", (1200, 630))
    assert (
        len(image.getcolors(maxcolors=100_000) or []) > 10
    )  # text was drawn, not a plain rectangle


async def test_a_card_is_drawn_once_then_served_from_the_cache(
    client: TestClient, runtime: Runtime, settings: Settings
) -> None:
    job_id = await engineer(runtime)
    tags = (await tags_of(client, f"/jobs/{job_id}")).values
    first = await card_of(client, tags["og:image"])
    etag = first.headers["ETag"]
    [kept] = cards(settings)
    kept.write_bytes(b"the cached copy")
    again = await card_of(client, tags["og:image"])
    assert await again.read() == b"the cached copy"  # not drawn again
    unchanged = await client.get(urlsplit(tags["og:image"]).path, headers={"If-None-Match": etag})
    assert unchanged.status == 304


async def test_a_new_title_or_company_name_is_a_new_card_at_a_new_url(
    client: TestClient, runtime: Runtime, settings: Settings
) -> None:
    job_id = await engineer(runtime)
    before = (await tags_of(client, f"/jobs/{job_id}")).values["og:image"]
    await card_of(client, before)
    await runtime.content.update_job(job_id, JobUpdate(title="Senior Data Engineer"))
    retitled = (await tags_of(client, f"/jobs/{job_id}")).values["og:image"]
    assert retitled != before
    new_card = await card_of(client, retitled)
    assert new_card.status == 200
    assert [path.name for path in cards(settings)] == [
        f"job-{job_id}-{urlsplit(retitled).query.removeprefix('v=')}.png"
    ]  # the older version is deleted
    settings.company_name = "Acme"
    renamed = (await tags_of(client, f"/jobs/{job_id}")).values
    assert renamed["og:image"] != retitled and renamed["og:site_name"] == "Acme"


async def test_concurrent_asks_for_a_new_card_share_one_drawing(
    client: TestClient, runtime: Runtime, settings: Settings
) -> None:
    job_id = await engineer(runtime)
    image = (await tags_of(client, f"/jobs/{job_id}")).values["og:image"]
    answers = await asyncio.gather(*(card_of(client, image) for _ in range(6)))
    bodies = {await answer.read() for answer in answers}
    assert len(bodies) == 1 and len(cards(settings)) == 1


async def test_no_card_for_content_that_is_not_public(
    client: TestClient, runtime: Runtime, settings: Settings
) -> None:
    closed = await engineer(runtime)
    await runtime.content.close_job(closed)
    draft = await runtime.content.create_job(JobCreate(title="Secret reorganisation"))
    scheduled = await runtime.content.create_news(
        NewsCreate(title="Not yet", publish_at=runtime.clock.now().replace(year=2099))
    )
    await runtime.content.publish_news(scheduled.id)
    archived = await runtime.content.create_news(NewsCreate(title="Old news"))
    await runtime.content.publish_news(archived.id)
    await runtime.content.archive_news(archived.id)
    expected = {
        f"/jobs/{closed}": 410,
        f"/jobs/{draft.id}": 404,
        "/jobs/99999": 404,
        f"/news/{scheduled.id}": 404,
        f"/news/{archived.id}": 410,
        "/news/99999": 404,
    }
    for page, status in expected.items():
        for path in (page, f"{page}/preview.png"):
            response = await client.get(path)
            assert response.status == status, path
            text = await response.text()
            assert "Secret reorganisation" not in text and "og:title" not in text
    assert cards(settings) == []


async def test_the_public_pages_speak_the_visitors_language_when_content_is_missing(
    client: TestClient,
) -> None:
    french = await client.get("/jobs/99999", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "Page introuvable" in await french.text()
    english = await client.get("/jobs/99999", headers={"Accept-Language": "en-GB"})
    assert "Page not found" in await english.text()


async def test_the_jobs_list_shows_only_the_facts_that_are_set(
    client: TestClient, runtime: Runtime
) -> None:
    await make_open_job(runtime, "Courier")  # no department, no place
    await engineer(runtime)
    english = await (await client.get("/jobs", headers={"Accept-Language": "en"})).text()
    assert '<span class="facts">On site · Full time</span>' in english
    assert '<span class="facts">Engineering · Paris · Hybrid · Full time</span>' in english
    assert "> · " not in english
    french = await (await client.get("/jobs", headers={"Accept-Language": "fr"})).text()
    assert "<h1>Offres ouvertes</h1>" in french
    assert '<span class="facts">Sur site · Temps plein</span>' in french


def cards(settings: Settings) -> list[Path]:
    return sorted((settings.data_dir / "previews").glob("*.png"))


def test_an_excerpt_is_plain_text_cut_at_a_word() -> None:
    assert plain_text(DESCRIPTION) == (
        "About the team We build the data platform behind every product. Python and SQL Kafka"
    )
    assert plain_text("![logo](https://x/y.png)\n1. First\n> quoted `code` ~~old~~ 2. no") == (
        "logo First quoted code old 2. no"
    )
    long = "word " * 100
    cut = excerpt(long, 50)
    assert cut == "word " * 9 + "word…" and len(cut) <= 50
    assert excerpt("short") == "short"


async def test_a_card_that_cannot_be_kept_is_served_all_the_same(
    client: TestClient, runtime: Runtime, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "previews").write_text("not a directory")  # as a full disk would
    job_id = await engineer(runtime)
    image = (await tags_of(client, f"/jobs/{job_id}")).values["og:image"]
    response = await card_of(client, image)
    assert response.status == 200 and response.content_type == "image/png"
    assert "not kept" in caplog.text
