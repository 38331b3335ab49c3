"""Turning clicks into `Click` rows: classify, store once, tell the other domains.

Used by the stream worker (batches) and by the redirect when Redis is down (one click).
A click id that is already stored is skipped, so a replayed entry never makes a second
row and never emits a second `ClickRecorded`. The click roll-ups count the rows actually
inserted, in the same transaction (app/referrals/rollup.py).
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from app.db import transaction
from app.events import ClickRecorded, EventBus
from app.people.sessions import SessionStore
from app.referrals.clicks import (
    ClickFacts,
    ClickLimits,
    DatabaseRecentClicks,
    RecentClicks,
    plain_class,
)
from app.referrals.models import Click, ClickClass, TrackedLink
from app.referrals.rollup import store_clicks
from app.referrals.sharer_links import SharerLinks

log = logging.getLogger(__name__)


class ClickWriter:
    def __init__(
        self,
        events: EventBus,
        sessions: SessionStore,
        recent: RecentClicks,
        limits: ClickLimits,
        company_timezone: str,
        links: SharerLinks,
    ) -> None:
        self.events = events
        self.sessions = sessions
        self.recent = recent
        self.limits = limits
        self.zone = ZoneInfo(company_timezone)
        self.links = links

    async def store(self, batch: list[ClickFacts]) -> list[Click]:
        """Store the clicks of a batch that are not stored yet; returns the new rows."""
        stored = set(
            await Click.filter(click_id__in=[f.click_id for f in batch]).values_list(
                "click_id", flat=True
            )
        )
        fresh = [
            f for f in dict((f.click_id, f) for f in batch).values() if f.click_id not in stored
        ]
        if not fresh:
            return []
        owners = await self._session_owners(fresh)
        return await self._save(await self._rows(fresh, owners, self.recent))

    async def store_direct(self, facts: ClickFacts) -> None:
        """Redis is unreachable: classify from the database and store at once."""
        await self._save(await self._rows([facts], {}, DatabaseRecentClicks()))

    async def _save(self, rows: list[Click]) -> list[Click]:
        """Insert the rows and count them in the roll-ups, together; announce the rows
        inserted (one stored meanwhile by another worker is neither counted nor told)."""
        async with transaction() as connection:
            inserted = await store_clicks(connection, rows)
        await self._announce(inserted)
        return inserted

    async def _session_owners(self, batch: list[ClickFacts]) -> dict[str, int]:
        return await self.sessions.employee_ids([f.session_id for f in batch if f.session_id])

    async def _classify(
        self,
        batch: list[ClickFacts],
        links: dict[int, TrackedLink],
        owners: dict[str, int],
        recent: RecentClicks,
    ) -> list[ClickClass]:
        """Bots and self-clicks first; the others through the windows, in one go."""
        classes = [
            plain_class(f, links[f.link_id].employee_id, owners.get(f.session_id)) for f in batch
        ]
        windowed = [f for f, found in zip(batch, classes, strict=True) if found is None]
        sharers = [links[f.link_id].employee_id for f in windowed]
        answers = iter(await recent.window_classes(windowed, sharers, self.limits))
        return [found if found is not None else next(answers) for found in classes]

    async def _rows(
        self, batch: list[ClickFacts], owners: dict[str, int], recent: RecentClicks
    ) -> list[Click]:
        sharer_links = await self.links.load({f.link_id for f in batch})
        links = {link_id: link for link_id, (link, _) in sharer_links.items()}
        known = []
        for facts in sorted(batch, key=lambda f: f.at):
            if facts.link_id in links:
                known.append(facts)
            else:
                log.warning(
                    "click %s is for unknown link %s: dropped", facts.click_id, facts.link_id
                )
        classes = await self._classify(known, links, owners, recent)
        rows = []
        for facts, classification in zip(known, classes, strict=True):
            link = links[facts.link_id]
            rows.append(
                Click(
                    click_id=facts.click_id,
                    link_id=link.id,
                    occurred_at=facts.at,
                    day=facts.at.astimezone(self.zone).date(),
                    classification=classification,
                    visitor_hash=facts.visitor_hash,
                    ua_family=facts.agent.family,
                    referrer_host=facts.referrer_host[:255],
                    country=facts.country[:2],
                    employee_id=link.employee_id,
                    department=sharer_links[link.id][1],
                    content_type=link.content_type,
                    content_id=link.content_id,
                    channel=link.channel,
                )
            )
        return rows

    async def _announce(self, rows: list[Click]) -> None:
        # One publish for the whole batch, so that a subscriber can handle it in one go
        # (gamification awards a batch of clicks in one ledger transaction).
        await self.events.publish_many(recorded(rows))


class StoredClicks:
    """The stored clicks as other domains may read them: as `ClickRecorded` events, by
    click row id (gamification's catch-up of lost click points reads them this way)."""

    async def highest_id(self) -> int:
        last = await Click.all().order_by("-id").only("id").first()
        return last.id if last is not None else 0

    async def unique_after(
        self, first: int, last: int, limit: int
    ) -> list[tuple[int, ClickRecorded]]:
        """The unique clicks with a row id in (first, last], the `limit` first ones,
        each with its row id."""
        rows = (
            await Click.filter(id__gt=first, id__lte=last, classification=ClickClass.UNIQUE)
            .order_by("id")
            .limit(limit)
        )
        return list(zip([row.id for row in rows], recorded(rows), strict=True))


def recorded(rows: list[Click]) -> list[ClickRecorded]:
    """The `ClickRecorded` event of each stored click."""
    return [
        ClickRecorded(
            click_id=row.click_id,
            link_id=row.link_id,  # type: ignore[attr-defined]
            employee_id=row.employee_id,
            content_type=row.content_type,
            content_id=row.content_id,
            channel=row.channel,
            classification=row.classification,
            occurred_at=row.occurred_at,
        )
        for row in rows
    ]
