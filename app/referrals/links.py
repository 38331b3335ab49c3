"""Tracked links: one per (employee, content, channel), with a short unguessable code.

Also builds what a share needs: the destination with UTM parameters merged in, the
caption in the sharer's language, and the URL that opens each network's share dialog.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from tortoise.exceptions import IntegrityError

from app.clock import Clock
from app.errors import Forbidden, Gone
from app.events import EventBus, ShareRecorded
from app.i18n import translator
from app.jobs.models import JobOffer, NewsPost
from app.jobs.service import ContentService
from app.people.errors import EmployeeHasLeft
from app.people.models import Employee, EmployeeStatus
from app.people.policy import PolicyService
from app.referrals.models import Channel, ContentType, TrackedLink

ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 10  # 62^10 ≈ 8e17: unguessable, still short in a tweet


class PolicyNotAccepted(Forbidden):
    code = "policy_not_accepted"


class ContentNotShareable(Gone):
    code = "content_not_shareable"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def merge_query(url: str, params: dict[str, str]) -> str:
    """`url` with `params` set in its query string; other parameters and the fragment stay."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query = urlencode(kept + list(params.items()))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))


def content_destination(content: JobOffer | NewsPost, public_base_url: str) -> str:
    if isinstance(content, JobOffer):
        return content.apply_url or f"{public_base_url}/jobs/{content.id}"
    return content.url or f"{public_base_url}/news/{content.id}"


def tracked_destination(link: TrackedLink, content: JobOffer | NewsPost, base_url: str) -> str:
    return merge_query(
        content_destination(content, base_url),
        {
            "utm_source": link.channel.value,
            "utm_medium": "employee_advocacy",
            "utm_campaign": content.slug,
            "ref": link.code,
        },
    )


@dataclass(frozen=True)
class Share:
    channel: Channel
    code: str
    url: str  # the tracked link
    caption: str
    share_url: str  # opens the network's share dialog; for "copy", the tracked link


def caption_for(content: JobOffer | NewsPost, channel: Channel, language: str) -> str:
    if isinstance(content, NewsPost):
        for network in (channel.value, "default"):
            by_language = content.captions.get(network, {})
            text = by_language.get(language) or by_language.get(content.language)
            if text:
                return text
        return content.title
    _ = translator(language)
    where = f" ({content.location})" if content.location else ""
    return _("We are hiring: {title}{where}. Apply or pass it on!").format(
        title=content.title, where=where
    )


def share_url(channel: Channel, url: str, caption: str, title: str) -> str:
    text = quote(caption, safe="")
    link = quote(url, safe="")
    match channel:
        case Channel.LINKEDIN:
            return f"https://www.linkedin.com/sharing/share-offsite/?url={link}"
        case Channel.X:
            return f"https://twitter.com/intent/tweet?text={text}&url={link}"
        case Channel.FACEBOOK:
            return f"https://www.facebook.com/sharer/sharer.php?u={link}"
        case Channel.WHATSAPP:
            return f"https://wa.me/?text={quote(f'{caption} {url}', safe='')}"
        case Channel.TELEGRAM:
            return f"https://t.me/share/url?url={link}&text={text}"
        case Channel.TEAMS:
            return f"https://teams.microsoft.com/share?href={link}&msgText={text}"
        case Channel.EMAIL:
            body = quote(f"{caption}\n\n{url}", safe="")
            return f"mailto:?subject={quote(title, safe='')}&body={body}"
        case Channel.COPY:
            return url


class LinkService:
    def __init__(
        self,
        clock: Clock,
        events: EventBus,
        content: ContentService,
        policy: PolicyService,
        public_base_url: str,
    ) -> None:
        self.clock = clock
        self.events = events
        self.content = content
        self.policy = policy
        self.public_base_url = public_base_url

    def link_url(self, code: str) -> str:
        return f"{self.public_base_url}/r/{code}"

    async def load_content(self, content_type: ContentType, content_id: int) -> JobOffer | NewsPost:
        if content_type == ContentType.JOB:
            return await self.content.job(content_id)
        return await self.content.news(content_id)

    def is_live(self, content: JobOffer | NewsPost) -> bool:
        if isinstance(content, JobOffer):
            return self.content.job_is_open(content)
        return self.content.news_is_live(content)

    async def link_for(
        self, employee: Employee, content_type: ContentType, content_id: int, channel: Channel
    ) -> TrackedLink:
        """The employee's link for this content and channel, the same one every time."""
        key: dict[str, Any] = {
            "employee_id": employee.id,
            "content_type": content_type,
            "content_id": content_id,
            "channel": channel,
        }
        existing = await TrackedLink.get_or_none(**key)
        if existing is not None:
            return existing
        for _attempt in range(3):
            try:
                link = await TrackedLink.create(**key, code=new_code(), created_at=self.clock.now())
            except IntegrityError:
                # Either another request made this link at the same moment, or the code
                # collided (about 1 in 10^17): look again, then retry with a new code.
                existing = await TrackedLink.get_or_none(**key)
                if existing is not None:
                    return existing
                continue
            return link
        raise RuntimeError("could not allocate a tracked link code")

    async def shares(
        self,
        employee: Employee,
        content_type: ContentType,
        content_id: int,
        channels: list[Channel] | None = None,
        *,
        record: bool = False,
    ) -> list[Share]:
        """Everything needed to share this content on each channel, in the sharer's words.

        `record`: the employee picked a network (not just looked at the options), so this
        counts as a share."""
        await self._may_share(employee)
        content = await self.load_content(content_type, content_id)
        if not self.is_live(content):
            raise ContentNotShareable("This content is no longer open for sharing.")
        result = []
        for channel in channels or list(Channel):
            link = await self.link_for(employee, content_type, content_id, channel)
            url = self.link_url(link.code)
            caption = caption_for(content, channel, employee.language)
            result.append(
                Share(
                    channel,
                    link.code,
                    url,
                    caption,
                    share_url(channel, url, caption, content.title),
                )
            )
            if record:
                await self._announce_share(employee, content_type, content_id, channel)
        return result

    async def record_share(
        self, employee: Employee, content_type: ContentType, content_id: int, channel: Channel
    ) -> None:
        """A share that happened elsewhere (a card inserted into a chat)."""
        await self._may_share(employee)
        await self.link_for(employee, content_type, content_id, channel)
        await self._announce_share(employee, content_type, content_id, channel)

    async def _announce_share(
        self, employee: Employee, content_type: ContentType, content_id: int, channel: Channel
    ) -> None:
        await self.events.publish(
            ShareRecorded(employee.id, content_type, content_id, channel, self.clock.now())
        )

    async def _may_share(self, employee: Employee) -> None:
        await employee.refresh_from_db(fields=["status"])
        if employee.status == EmployeeStatus.LEFT:
            raise EmployeeHasLeft("This account is closed.")
        if not await self.policy.has_accepted_current(employee):
            raise PolicyNotAccepted("Accept the social media policy before sharing.")

    async def links_of(self, employee_id: int) -> list[TrackedLink]:
        """Every tracked link of an employee, the newest first."""
        return list(await TrackedLink.filter(employee_id=employee_id).order_by("-created_at"))

    async def titles_of(self, links: list[TrackedLink]) -> dict[tuple[str, int], str]:
        """The title of the content of each link, by (content type, content id)."""
        return await self.content.titles(
            (link.content_id for link in links if link.content_type == ContentType.JOB),
            (link.content_id for link in links if link.content_type == ContentType.NEWS),
        )
