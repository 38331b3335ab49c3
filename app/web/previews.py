"""Link previews: the Open Graph and Twitter Card tags of the public job and news pages,
and the card image they point to when the content has no image of its own.

A shared link is read by the network's crawler (LinkedInBot, facebookexternalhit,
WhatsApp, TelegramBot, Teams' SkypeUriPreview, Twitterbot) after it follows `/r/{code}`:
what these tags say is what people see under the post. Every value is plain text in the
content's language; URLs are absolute, built on PUBLIC_BASE_URL, without the tracked
link's UTM parameters. The card (`app.web.cards`) is served only while the page is
(an open job, a live news post): a closed job's card is a 410 like its page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web

from app.i18n.formats import CONTRACTS, LOCALES, WORKPLACES
from app.jobs.models import JobOffer, NewsPost
from app.settings import Settings
from app.web.cards import HEIGHT, WIDTH, Card, CardCache

Translate = Callable[[str], str]
EXCERPT_CHARACTERS = 200  # what LinkedIn and WhatsApp show before they cut
EXCERPT_SOURCE = 4000  # characters of markup read to make one
CARD_CACHE_SECONDS = 3600  # a closed job's card leaves shared caches within the hour
CARDS = web.AppKey("preview_cards", CardCache)

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # [text](url) -> text; ![alt](src) -> alt
_TAG = re.compile(r"<[^>]*>")
_LINE_MARK = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`|~~)(?=\S)(.+?)(?<=\S)\1")


@dataclass(frozen=True)
class Preview:
    """The values of one page's preview tags."""

    title: str
    description: str
    url: str  # canonical
    site_name: str
    locale: str
    type: str  # "website" or "article"
    image: str
    image_alt: str
    image_size: tuple[int, int] | None  # known for our cards, not for a post's own image
    published_time: str = ""


def plain_text(markup: str, read: int = EXCERPT_SOURCE) -> str:
    """The first `read` characters of Markdown or HTML reduced to their words on one
    line: link texts kept, marks dropped. An excerpt needs only the start, and a page
    view should not pay for a 50,000-character description."""
    text = _TAG.sub(" ", _LINK.sub(r"\1", markup[:read]))
    text = _EMPHASIS.sub(r"\2", _LINE_MARK.sub("", text))
    return " ".join(text.split())


def excerpt(markup: str, limit: int = EXCERPT_CHARACTERS) -> str:
    """The text's first `limit` characters, cut at a word, with an ellipsis if cut."""
    return shorten(plain_text(markup), limit)


def shorten(text: str, limit: int = EXCERPT_CHARACTERS) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut:  # not at the end of a word: drop its start
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:—-") + "…"


def job_facts(job: JobOffer, _: Translate) -> list[str]:
    """Department, place, workplace and contract, those that are set, for people."""
    return [fact[:1].upper() + fact[1:] for fact in (job.department, job.location) if fact] + [
        _(WORKPLACES[job.workplace]),
        _(CONTRACTS[job.employment_type]),
    ]


def card_for(content: JobOffer | NewsPost, settings: Settings, _: Translate) -> Card:
    """What the content's card says, in its language: a job's facts, a post's title alone."""
    job = isinstance(content, JobOffer)
    return Card(
        kind="job" if job else "news",
        content_id=content.id,
        company=settings.company_name,
        kicker=_("We're hiring") if job else _("News"),
        title=content.title,
        details=" · ".join(job_facts(content, _)) if isinstance(content, JobOffer) else "",
        footer=_host(settings),
    )


def _host(settings: Settings) -> str:
    return urlsplit(settings.public_base_url).netloc


def job_preview(job: JobOffer, settings: Settings, _: Translate) -> Preview:
    base = settings.public_base_url
    card = card_for(job, settings, _)
    facts = card.details
    summary = shorten(" — ".join(part for part in (facts, plain_text(job.description)) if part))
    return Preview(
        title=job.title,
        description=summary,
        url=f"{base}/jobs/{job.id}",
        site_name=settings.company_name,
        locale=LOCALES.get(job.language, LOCALES["en"]),
        type="website",
        image=f"{base}/jobs/{job.id}/preview.png?v={card.version}",
        image_alt=f"{job.title} — {settings.company_name} — {facts}",
        image_size=(WIDTH, HEIGHT),
    )


def news_preview(post: NewsPost, settings: Settings, _: Translate) -> Preview:
    base = settings.public_base_url
    card = card_for(post, settings, _)
    own_image = post.image_url
    return Preview(
        title=post.title,
        description=excerpt(post.body) or post.title,
        url=f"{base}/news/{post.id}",
        site_name=settings.company_name,
        locale=LOCALES.get(post.language, LOCALES["en"]),
        type="article",
        image=own_image or f"{base}/news/{post.id}/preview.png?v={card.version}",
        image_alt=post.title if own_image else f"{post.title} — {settings.company_name}",
        image_size=None if own_image else (WIDTH, HEIGHT),
        published_time=post.published_at.isoformat() if post.published_at else "",
    )


async def card_response(request: web.Request, card: Card) -> web.Response:
    """The card's PNG, cacheable by anyone for an hour, revalidated by its ETag."""
    headers = {"Cache-Control": f"public, max-age={CARD_CACHE_SECONDS}"}
    if any(tag.value == card.version for tag in request.if_none_match or ()):
        response = web.Response(status=304, headers=headers)
    else:
        png = await request.app[CARDS].png(card)
        response = web.Response(body=png, content_type="image/png", headers=headers)
    response.etag = card.version
    return response


def install(app: web.Application, settings: Settings) -> None:
    """The card cache, under the data directory (shared by replicas that share it)."""
    app[CARDS] = CardCache(settings.data_dir / "previews")
