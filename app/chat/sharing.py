"""Jobs and news in the chat: browse what targets me, share with my own links, inline.

The buttons' payloads are those of app/chat/buttons.py (`JOBS`, `JOB`, `SHARE`...).
"""

from __future__ import annotations

from app.chat.buttons import (
    JOB,
    JOBS,
    NETWORK,
    NEWS,
    POST,
    REFER_JOB,
    SHARE,
    SHARE_NETWORKS,
    Press,
)
from app.chat.replies import Button, InlineResult, Reply
from app.chat.turn import Turn
from app.i18n.formats import Formats, formats_for
from app.jobs.models import JobOffer, NewsPost
from app.jobs.service import Audience
from app.parsing import whole_number
from app.referrals.links import caption_for
from app.referrals.models import Channel, ContentType

PAGE = 5


def _formats(turn: Turn) -> Formats:
    return formats_for(turn.language, turn.services.settings.company_timezone)


async def feed(turn: Turn) -> tuple[list[JobOffer], list[NewsPost]]:
    me = turn.me()
    return await turn.services.content.feed(Audience(me.department, me.location, me.language))


def _pager(press: Press, page: int, total: int, turn: Turn) -> list[Button]:
    buttons = []
    if page > 0:
        buttons.append(Button(turn._("◀ Previous"), action=press(page - 1)))
    if (page + 1) * PAGE < total:
        buttons.append(Button(turn._("Next ▶"), action=press(page + 1)))
    return buttons


async def list_jobs(turn: Turn, page: int = 0) -> list[Reply]:
    _ = turn._
    jobs, _news = await feed(turn)
    if not jobs:
        return [Reply(_("No open jobs for you right now."))]
    shown = jobs[page * PAGE : (page + 1) * PAGE]
    rows = [
        [
            Button(
                f"{job.title} · {job.location}" if job.location else job.title,
                action=JOB(job.id),
            )
        ]
        for job in shown
    ]
    pager = _pager(JOBS, page, len(jobs), turn)
    text = _("Open jobs ({count}). Pick one to see it, share it or refer someone:").format(
        count=len(jobs)
    )
    return [Reply(text, buttons=rows + ([pager] if pager else []), edit=page > 0)]


async def list_news(turn: Turn, page: int = 0) -> list[Reply]:
    _ = turn._
    _jobs, posts = await feed(turn)
    if not posts:
        return [Reply(_("No news to share right now."))]
    shown = posts[page * PAGE : (page + 1) * PAGE]
    rows = [[Button(post.title, action=POST(post.id))] for post in shown]
    pager = _pager(NEWS, page, len(posts), turn)
    return [
        Reply(_("Company news to share:"), buttons=rows + ([pager] if pager else []), edit=page > 0)
    ]


async def job_details(turn: Turn, job_id: int) -> list[Reply]:
    _ = turn._
    job = await turn.services.content.job(job_id)
    formats = _formats(turn)
    facts = (job.department, job.location, formats.workplace(job.workplace))
    meta = " · ".join([*(x for x in facts if x), formats.contract(job.employment_type)])
    text = f"{job.title}\n{meta}\n\n{_short(job.description, 900)}"
    return [
        Reply(
            text,
            title=job.title,
            buttons=[
                [
                    Button(_("Share"), action=SHARE("job", job.id)),
                    Button(_("Refer a friend"), action=REFER_JOB(job.id)),
                ],
                [Button(_("Share in a Telegram chat"), switch_inline=f"job {job.id}")]
                if turn.can.inline_share
                else [],
            ],
        )
    ]


async def news_details(turn: Turn, news_id: int) -> list[Reply]:
    _ = turn._
    post = await turn.services.content.news(news_id)
    return [
        Reply(
            f"{post.title}\n\n{_short(post.body, 900)}",
            title=post.title,
            image_url=post.image_url,
            buttons=[
                [Button(_("Share"), action=SHARE("news", post.id))],
            ],
        )
    ]


async def choose_network(turn: Turn, content_type: str, content_id: int) -> list[Reply]:
    _ = turn._
    formats = _formats(turn)
    networks = [
        Button(formats.share_on(c), action=NETWORK(content_type, content_id, c.value))
        for c in SHARE_NETWORKS
    ]
    rows = [networks[i : i + 3] for i in range(0, len(networks), 3)]
    if turn.can.inline_share:
        rows.append(
            [Button(_("Share in a Telegram chat"), switch_inline=f"{content_type} {content_id}")]
        )
    return [Reply(_("Where do you want to share it?"), buttons=rows)]


async def share_on(turn: Turn, content_type: str, content_id: int, channel: str) -> list[Reply]:
    """My personal link and caption for one network, as a button opening its dialog."""
    _ = turn._
    [share] = await turn.services.links.shares(
        turn.me(), ContentType(content_type), content_id, [Channel(channel)], record=True
    )
    text = _(
        "Your caption (edit it as you like):\n\n{caption}\n\nYour personal link: {url}"
    ).format(caption=share.caption, url=share.url)
    points = await turn.services.gamification.share_points_to_come(
        turn.me().id, content_type, content_id
    )
    if points:  # the truth about when they come: with a visitor, not with this message
        text += "\n\n" + _("+{points} points for this share once someone opens your link.").format(
            points=points
        )
    if share.channel == Channel.COPY:
        return [Reply(text)]
    label = _("Open {network}").format(network=_formats(turn).share_on(share.channel))
    return [Reply(text, buttons=[[Button(label, url=share.share_url)]])]


async def inline_results(turn: Turn, query: str) -> list[InlineResult]:
    """Open jobs and news matching the words typed after @bot, each with my chat's link."""
    jobs, posts = await feed(turn)
    words = query.lower().split()
    wanted: tuple[str, int] | None = None
    number = whole_number(words[1]) if len(words) == 2 else None
    if number is not None and words[0] in ("job", "news"):
        wanted = (words[0], number)
        words = []
    items: list[JobOffer | NewsPost] = [*jobs, *posts]
    results = []
    for item in items:
        kind = "job" if isinstance(item, JobOffer) else "news"
        haystack = f"{item.title} {getattr(item, 'location', '')}".lower()
        if wanted and wanted != (kind, item.id):
            continue
        if words and not all(word in haystack for word in words):
            continue
        [share] = await turn.services.links.shares(
            turn.me(), ContentType(kind), item.id, [_inline_channel(turn)]
        )
        caption = caption_for(item, _inline_channel(turn), turn.language)
        results.append(
            InlineResult(
                id=f"{kind}:{item.id}",
                title=item.title,
                description=getattr(item, "location", "") or caption[:80],
                text=f"{caption}\n{share.url}",
                url=share.url,
                buttons=[[Button(turn._("Open"), url=share.url)]],
            )
        )
        if len(results) == 20:
            break
    return results


async def inline_chosen(turn: Turn, result_id: str) -> None:
    """The card went into a chat: its link exists already; make sure the share counts."""
    kind, _sep, raw_id = result_id.partition(":")
    content_id = whole_number(raw_id)
    if kind in ("job", "news") and content_id is not None:
        await turn.services.links.record_share(
            turn.me(), ContentType(kind), content_id, _inline_channel(turn)
        )


def _inline_channel(turn: Turn) -> Channel:
    """A card inserted by an inline search carries a link of the channel it was inserted
    from (a Teams link from Teams' compose box), as that channel declares."""
    return Channel(turn.can.inline_channel or Channel.TELEGRAM.value)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
