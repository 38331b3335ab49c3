"""The mini app's jobs and news (`/app/api/feed`, `/app/api/jobs/{id}`) and sharing them:
the share options of a content (`/app/api/shares`, a share recorded when the employee
picks a network) and a message prepared for a Telegram chat (`/app/api/telegram/share`).

Sharing into Telegram: the page sends the content and its current Telegram `initData`;
the server checks Telegram's signature (as at sign-in) and that this Telegram account is
the signed-in employee's, records the share on the employee's own `telegram` link, and
stores the message with `savePreparedInlineMessage`; the page passes the id to Telegram.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from app.chat.prepared import Article, PreparedMessageRefused, SavePreparedMessage
from app.i18n import translator
from app.jobs.models import JobOffer, NewsPost
from app.jobs.schemas import JobOut, NewsOut
from app.jobs.service import Audience
from app.people.models import Employee, Platform
from app.referrals.models import Channel, ContentType
from app.web.auth_pages import telegram_user
from app.web.errors import ApiError
from app.web.keys import SERVICES
from app.web.links import share_out
from app.web.miniapp_api import NoFields, answer, read_body
from app.web.services import WebServices
from app.web.session_auth import require_employee

MAX_INIT_DATA = 4096
# Stores a Telegram share (`savePreparedInlineMessage`): given by the composition root.
PREPARED_MESSAGES = web.AppKey("prepared_messages", SavePreparedMessage)


class ShareAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: ContentType
    content_id: int = Field(ge=1)
    # Given: the employee picked this network, so the share is recorded (and only this
    # network's option is answered). Absent: the options, nothing recorded.
    channel: Channel | None = None


class TelegramShareAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: ContentType
    content_id: int = Field(ge=1)
    init_data: str = Field(min_length=1, max_length=MAX_INIT_DATA)


async def _feed(services: WebServices, employee: Employee) -> tuple[list[JobOffer], list[NewsPost]]:
    return await services.content.feed(
        Audience(employee.department, employee.location, employee.language)
    )


async def feed(request: web.Request) -> web.Response:
    _, employee = await require_employee(request)
    services = request.app[SERVICES]
    jobs, news = await _feed(services, employee)
    hire = services.gamification.stage_points
    return answer(
        {
            "policy_accepted": await services.policy.has_accepted_current(employee),
            "jobs": [
                {**JobOut.model_validate(j).model_dump(mode="json"),
                 "hire_points": hire("hire", j.referral_points)}
                for j in jobs
            ],
            "news": [NewsOut.model_validate(n) for n in news],
        }
    )  # fmt: skip


async def job(request: web.Request) -> web.Response:
    """One job of the employee's feed (open and meant for them), with its points on offer."""
    _, employee = await require_employee(request)
    services = request.app[SERVICES]
    job_id = int(request.match_info["job_id"])
    jobs, _news = await _feed(services, employee)
    found = next((j for j in jobs if j.id == job_id), None)
    if found is None:
        raise ApiError(404, "job_not_found", "This job is not open for you any more.")
    return answer(
        {
            "job": JobOut.model_validate(found),
            "points": await services.gamification.points_on_offer(found.id),
            "policy_accepted": await services.policy.has_accepted_current(employee),
        }
    )


async def accept_policy(request: web.Request) -> web.Response:
    _, employee, _body = await read_body(request, NoFields)
    await request.app[SERVICES].policy.accept(employee, "miniapp")
    return answer({"policy_accepted": True})


async def policy_text(request: web.Request) -> web.Response:
    _, employee = await require_employee(request)
    policy = await request.app[SERVICES].policy.current()
    text = policy.text_fr if employee.language == "fr" else policy.text_en
    return answer({"version": policy.version, "text": text})


async def shares(request: web.Request) -> web.Response:
    _, employee, ask = await read_body(request, ShareAsk)
    found = await request.app[SERVICES].links.shares(
        employee,
        ask.content_type,
        ask.content_id,
        [ask.channel] if ask.channel else None,
        record=ask.channel is not None,
    )
    return answer([share_out(s) for s in found])


async def telegram_share(request: web.Request) -> web.Response:
    """A message with the employee's own Telegram link, prepared for them to send."""
    _, employee, ask = await read_body(request, TelegramShareAsk)
    services = request.app[SERVICES]
    user = telegram_user(services, ask.init_data)
    owner = await services.people.employee_for_chat(Platform.TELEGRAM, str(user.id))
    if owner is None or owner.id != employee.id:
        raise ApiError(403, "not_your_telegram", "This Telegram account is not yours.")
    links = services.links
    [share] = await links.shares(
        employee, ask.content_type, ask.content_id, [Channel.TELEGRAM], record=True
    )
    content = await links.load_content(ask.content_type, ask.content_id)
    _ = translator(employee.language)
    article = Article(
        id=f"{ask.content_type.value}:{ask.content_id}",
        title=content.title,
        description=getattr(content, "location", "") or share.caption[:80],
        text=f"{share.caption}\n{share.url}",
        button=_("Open"),
        url=share.url,
    )
    try:
        prepared = await request.app[PREPARED_MESSAGES](services.settings, user.id, article)
    except PreparedMessageRefused as exc:
        raise ApiError(502, "telegram_unavailable", str(exc)) from None
    return answer({"id": prepared.id, "expiration_date": prepared.expiration_date})


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/app/api/feed", feed)
    router.add_get(r"/app/api/jobs/{job_id:[0-9]{1,9}}", job)
    router.add_get("/app/api/policy", policy_text)
    router.add_post("/app/api/policy/accept", accept_policy)
    router.add_post("/app/api/shares", shares)
    router.add_post("/app/api/telegram/share", telegram_share)
