"""The links a batch of clicks is for, with each sharer's department, kept briefly.

At a steady 1,000 clicks a second the worker sees the same few hundred links batch after
batch; reading them and their sharers' departments again for each batch was two queries
and hundreds of ORM objects per batch. A link never changes what a click copies from it
(sharer, content, channel); a sharer's department can, and a click stored within
`seconds` of the change still carries the previous one (`LINK_CACHE_SECONDS`, the same
staleness the redirect accepts for a closed job).
"""

from __future__ import annotations

import time

from app.people.models import Employee
from app.referrals.models import TrackedLink


class SharerLinks:
    def __init__(self, seconds: float, max_entries: int = 50_000) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._cache: dict[int, tuple[float, TrackedLink, str]] = {}

    async def load(self, link_ids: set[int]) -> dict[int, tuple[TrackedLink, str]]:
        """{link id: (link, its sharer's department)}; an unknown link is left out."""
        now = time.monotonic()
        found = {
            link_id: (hit[1], hit[2])
            for link_id in link_ids
            if (hit := self._cache.get(link_id)) is not None and hit[0] > now
        }
        missing = link_ids - found.keys()
        if missing:
            found |= await self._read(missing)
        return found

    async def _read(self, link_ids: set[int]) -> dict[int, tuple[TrackedLink, str]]:
        links = await TrackedLink.filter(id__in=link_ids)
        departments = dict(
            await Employee.filter(id__in={link.employee_id for link in links}).values_list(
                "id", "department"
            )
        )
        if len(self._cache) + len(links) > self.max_entries:
            self._cache.clear()  # crude but bounded; a miss costs two queries
        expires = time.monotonic() + self.seconds
        read = {}
        for link in links:
            department = str(departments.get(link.employee_id, ""))
            self._cache[link.id] = (expires, link, department)
            read[link.id] = (link, department)
        return read
