"""What a push says to one employee: a job, a news post, the weekly digest, an
announcement — in their language, with the buttons to act on it.

`Renderings` is the broadcast sender's `Rendering` (`app/broadcasts/deliveries.py`):
the broadcast domain carries the message without knowing it is a chat `Reply`."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Protocol

from app.broadcasts.models import Broadcast, BroadcastKind
from app.chat.buttons import JOB, JOBS, ME, REFER_JOB, SHARE
from app.chat.replies import Button, Reply
from app.clock import Clock
from app.gamification.service import GamificationService
from app.i18n import translator
from app.jobs.service import Audience, ContentService
from app.people.models import Employee
from app.referrals.figures import Figures


class PushSources(Protocol):
    """What a push is made of (the composition root provides it)."""

    @property
    def clock(self) -> Clock: ...
    @property
    def content(self) -> ContentService: ...
    @property
    def figures(self) -> Figures: ...
    @property
    def gamification(self) -> GamificationService: ...


async def render(sources: PushSources, broadcast: Broadcast, employee: Employee) -> Reply | None:
    """The message, or None when there is nothing to say (content closed meanwhile)."""
    _ = translator(employee.language)
    if broadcast.kind == BroadcastKind.JOB and broadcast.content_id is not None:
        job = await sources.content.job(broadcast.content_id)
        if not sources.content.job_is_open(job):
            return None
        where = f" · {job.location}" if job.location else ""
        return Reply(
            _("New job: {title}{where}").format(title=job.title, where=where),
            buttons=[
                [
                    Button(_("Share"), action=SHARE("job", job.id)),
                    Button(_("Refer a friend"), action=REFER_JOB(job.id)),
                ],
                [Button(_("Details"), action=JOB(job.id))],
            ],
        )
    if broadcast.kind == BroadcastKind.NEWS and broadcast.content_id is not None:
        post = await sources.content.news(broadcast.content_id)
        if not sources.content.news_is_live(post):
            return None
        return Reply(
            f"{post.title}\n\n{post.body[:600]}",
            buttons=[[Button(_("Share"), action=SHARE("news", post.id))]],
        )
    if broadcast.kind == BroadcastKind.DIGEST:
        return Reply(
            await digest(sources, employee),
            buttons=[[Button(_("Jobs"), action=JOBS(0)), Button(_("My points"), action=ME())]],
        )
    return Reply(broadcast.text) if broadcast.text else None


class Renderings:
    """The messages of one sending batch. A campaign says the same to everyone who reads
    its language, so it is rendered once per (broadcast, language) instead of once per
    recipient (a job's lookup and translation each time); the digest is personal and is
    rendered for each. Short-lived on purpose: a job closed meanwhile is noticed by the
    next batch."""

    def __init__(self, sources: PushSources) -> None:
        self.sources = sources
        self._made: dict[tuple[int, str], asyncio.Future[Reply | None]] = {}

    async def message(self, broadcast: Broadcast, employee: Employee) -> Reply | None:
        if broadcast.kind == BroadcastKind.DIGEST:
            return await render(self.sources, broadcast, employee)
        key = (broadcast.id, employee.language)
        made = self._made.get(key)
        if made is None:  # the first asker renders; the others wait for the same result
            made = asyncio.ensure_future(render(self.sources, broadcast, employee))
            self._made[key] = made
        return await asyncio.shield(made)


async def digest(sources: PushSources, employee: Employee) -> str:
    """The weekly personal summary: my clicks, points and rank, and new jobs for me."""
    _ = translator(employee.language)
    game = sources.gamification
    now = sources.clock.now()
    week = sources.figures.last_days(7, now)
    unique = await sources.figures.unique_clicks_of(employee.id, week)
    entries = await game.ledger_of(employee.id, 500, 0)
    earned = sum(
        e.points for e in entries if e.occurred_at >= now - timedelta(days=7) and e.points > 0
    )
    standing = await game.my_standing(employee.id, "month", "company", "all")
    rank = (
        _("#{rank} this month").format(rank=standing.me.rank)
        if standing.me
        else _("not ranked yet")
    )
    jobs, _news = await sources.content.feed(
        Audience(employee.department, employee.location, employee.language)
    )
    fresh = [j.title for j in jobs if j.published_at and j.published_at >= now - timedelta(days=7)]
    lines = [
        _("Your week on Porte-voix:"),
        _("· {clicks} unique clicks on your links").format(clicks=unique),
        _("· {points} points earned").format(points=earned),
        _("· rank: {rank}").format(rank=rank),
    ]
    if fresh:
        lines.append(_("New jobs for you: {titles}").format(titles=", ".join(fresh[:5])))
    return "\n".join(lines)
