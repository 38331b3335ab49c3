"""The mini app's JSON endpoints (`/app/api/...`): the signed-in employee's own data.

They use the session cookie, not bearer tokens, and call the same domain services as the
REST API, answering with its pydantic models where they fit. Every write needs the
session's CSRF token in the `X-CSRF-Token` header.
"""

from __future__ import annotations

import json
from typing import Any, Literal, TypeVar

from aiohttp import web
from babel.dates import format_date
from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    field_validator,
)

from app.gamification.standings import named_board
from app.http.bodies import read_json
from app.i18n import LANGUAGES, Language
from app.people.models import Employee
from app.people.schemas import EmployeeUpdate
from app.referrals.analytics import ClickQuery
from app.referrals.intake import CandidateDetails
from app.referrals.models import ReferralSource
from app.referrals.service import ReferralFilter
from app.web.api import validated
from app.web.apply import read_form
from app.web.challenges import ChallengeOut
from app.web.charts import bar_chart
from app.web.errors import ApiError
from app.web.keys import SERVICES
from app.web.points import leaderboard_out
from app.web.services import WebServices
from app.web.session_auth import CSRF_HEADER, Viewer, check_csrf, require_employee
from app.web.shop import RewardOut, redemption_out

M = TypeVar("M", bound=BaseModel)
CHART_DAYS = 30
REDEEM_REQUEST_SECONDS = 86_400  # how long a redemption request is remembered


class ReferAsk(BaseModel):
    """The bot's referral form (`bots/referring.py`): the same fields and limits."""

    model_config = ConfigDict(extra="forbid")

    job_id: int | None = Field(default=None, ge=1)
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    phone: str = Field(default="", max_length=40)
    linkedin_url: HttpUrl | None = Field(default=None, max_length=500)
    note: str = Field(default="", max_length=2000)

    @field_validator("job_id", "linkedin_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return value or None


REFER_FIELDS = ("job_id", "name", "email", "phone", "linkedin_url", "note")


class RedeemAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reward_id: int = Field(ge=1)
    # Made by the page when it asks for confirmation: the same request sent twice (a
    # double tap, a retried fetch) spends once.
    request_id: str = Field(pattern=r"^[A-Za-z0-9-]{16,64}$")


class SettingsAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Language | None = None
    leaderboard_opt_out: bool | None = None


class NoFields(BaseModel):
    """The body of a write that needs nothing but the CSRF check (`{}`)."""

    model_config = ConfigDict(extra="forbid")


class BoardAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: Literal["week", "month", "quarter", "all"] = "month"
    scope: Literal["company", "department", "location"] = "company"


async def read_body(request: web.Request, model: type[M]) -> tuple[Viewer, Employee, M]:
    """The signed-in employee and the validated JSON body of a write (CSRF-checked)."""
    viewer, employee = await require_employee(request)
    check_csrf(viewer, request.headers.get(CSRF_HEADER, ""))
    data = await read_json(request, request.app[SERVICES].settings, empty={})
    return viewer, employee, validated(model, data, "body")


def answer(data: Any) -> web.Response:
    if isinstance(data, BaseModel):
        text = data.model_dump_json()
    else:
        text = json.dumps(data, default=_plain)
    return web.Response(text=text, content_type="application/json")


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


# -- home ----------------------------------------------------------------------------------


async def home(request: web.Request) -> web.Response:
    _, employee = await require_employee(request)
    services = request.app[SERVICES]
    game = services.gamification
    summary = await game.summary(employee)
    floor = game.rules.levels[summary.level].points
    mine = await game.my_standing(employee.id, "month", "company", "all")
    challenges = await services.challenges.for_department(employee.department)
    earned = set(summary.badges)
    return answer(
        {
            "name": employee.name,
            "balance": summary.balance,
            "lifetime": summary.lifetime,
            "level": summary.level,
            "level_name": summary.level_name,
            "level_floor": floor,
            "next_level_points": summary.next_level_points,
            "streak_weeks": summary.streak_weeks,
            "counters": summary.counters,
            "rank": mine.me.rank if mine.me else None,
            "badges": [
                {"code": b.code, "en": b.en, "fr": b.fr, "earned": b.code in earned}
                for b in game.rules.badges
            ],
            "challenges": [ChallengeOut.model_validate(c) for c in challenges],
        }
    )


# -- referring (jobs, news and sharing: miniapp_jobs) ------------------------------------


async def refer(request: web.Request) -> web.Response:
    """Refer someone: JSON, or a multipart form when a CV comes with it. A CV refused for
    any reason, or left by a refused referral, is deleted."""
    if not request.content_type.startswith("multipart/form-data"):
        _, employee, ask = await read_body(request, ReferAsk)
        return await _refer(request, employee, ask, "")
    viewer, employee = await require_employee(request)
    check_csrf(viewer, request.headers.get(CSRF_HEADER, ""))
    cvs = request.app[SERVICES].referrals.cv_store
    try:
        values, cv_file = await read_form(request, REFER_FIELDS)
    except (ValueError, RuntimeError):  # broken multipart, a field too long or repeated
        raise ApiError(400, "bad_form", "This form could not be read; reload and retry.") from None
    try:
        ask = validated(ReferAsk, values, "body")
        response = await _refer(request, employee, ask, cv_file)
        cv_file = ""  # kept: it belongs to the referral now
        return response
    finally:
        if cv_file:
            cvs.delete(cv_file)


async def _refer(
    request: web.Request, employee: Employee, ask: ReferAsk, cv_file: str
) -> web.Response:
    outcome = await request.app[SERVICES].referrals.intake.refer(
        employee,
        ask.job_id,
        CandidateDetails(ask.name, str(ask.email), ask.phone, str(ask.linkedin_url or "")),
        ask.note,
        source=ReferralSource.BOT,  # the mini app is the bot's own screen: channel "chat"
        cv_file=cv_file,
    )
    return answer(
        {
            "referral_id": outcome.referral.id,
            "status": outcome.referral.status.value,
            "message": outcome.message,
        }
    )


# -- my links and clicks -------------------------------------------------------------------


async def my_links(request: web.Request) -> web.Response:
    _, employee = await require_employee(request)
    services = request.app[SERVICES]
    period = services.figures.last_days(CHART_DAYS, services.clock.now())  # as on the dashboard
    values = await services.figures.unique_clicks_per_day(period, employee.id)
    days = [day.isoformat() for day in period.days]
    per_link = await services.analytics.clicks(
        ClickQuery(by="link", employee_id=employee.id, order="unique", limit=200)
    )
    counts = {row["key"]["link_id"]: row for row in per_link}
    links = await services.links.links_of(employee.id)
    titles = await services.links.titles_of(links)
    rows = [
        {
            "code": link.code,
            "url": services.links.link_url(link.code),
            "channel": link.channel.value,
            "title": titles.get((link.content_type.value, link.content_id), ""),
            "raw": counts.get(link.id, {}).get("raw", 0),
            "unique": counts.get(link.id, {}).get("unique", 0),
        }
        for link in links
    ]
    rows.sort(key=lambda r: (-r["unique"], -r["raw"]))
    return answer(
        {
            "total_unique": sum(values),
            "chart": bar_chart(
                [format_date(day, "d MMM", locale=employee.language) for day in period.days],
                values,
                f"{format_date(period.days[0], locale=employee.language)} – "
                f"{format_date(period.days[-1], locale=employee.language)}",
                width=360,
                height=170,
            ),
            "days": dict(zip(days, values, strict=True)),
            "links": rows,
        }
    )


# -- my referrals --------------------------------------------------------------------------


async def my_referrals(request: web.Request) -> web.Response:
    _, employee = await require_employee(request)
    service = request.app[SERVICES].referrals
    rows, _total = await service.search(
        ReferralFilter(referrer_id=employee.id, limit=200), recruiter=False
    )
    candidates = await service.candidates_of(rows)
    titles = await service.job_titles(rows)
    result = []
    for r in rows:
        history = await service.pipeline.history(r.id)
        result.append(
            {
                "id": r.id,
                "candidate": candidates[r.candidate_id].name,  # type: ignore[attr-defined]
                "job_title": titles.get(r.job_id) if r.job_id else None,
                "status": r.status.value,
                "created_at": r.created_at,
                # Statuses and dates only: a recruiter's note is not the referrer's to read.
                "history": [{"status": c.to_status, "at": c.occurred_at} for c in history],
            }
        )
    return answer(result)


# -- leaderboard ---------------------------------------------------------------------------


async def leaderboard(request: web.Request) -> web.Response:
    _, employee = await require_employee(request)
    ask = validated(BoardAsk, dict(request.query), "query")
    game = request.app[SERVICES].gamification
    scope_id = {"company": "all", "department": employee.department}.get(
        ask.scope, employee.location
    )
    if not scope_id:
        raise ApiError(422, "scope_required", f"Your profile has no {ask.scope}.")
    board = await named_board(
        game, request.app[SERVICES].people, ask.period, ask.scope, scope_id, 20, employee.id
    )
    return answer(leaderboard_out(board, employee.id))


# -- shop ----------------------------------------------------------------------------------


async def shop(request: web.Request) -> web.Response:
    _, employee = await require_employee(request)
    services = request.app[SERVICES]
    rewards = await services.shop.catalogue()
    mine = await services.shop.redemptions(employee.id, limit=50)
    return answer(
        {
            "balance": employee.points_balance,
            "rewards": [RewardOut.model_validate(r) for r in rewards],
            "redemptions": [redemption_out(r) for r in mine],
        }
    )


async def redeem(request: web.Request) -> web.Response:
    """Spend points on a reward, once per `request_id`: a repeat of a request already
    served answers with the same redemption; one still running is a 409."""
    _, employee, ask = await read_body(request, RedeemAsk)
    services = request.app[SERVICES]
    key = f"miniapp-redeem:{employee.id}:{ask.request_id}"
    if not await services.redis.set(key, "running", nx=True, ex=REDEEM_REQUEST_SECONDS):
        done = await services.redis.get(key)
        if done is None or not done.isdigit():
            raise ApiError(409, "redeem_in_progress", "This redemption is already on its way.")
        redemption_id = int(done)
    else:
        try:
            redemption_id = (await services.shop.redeem(employee.id, ask.reward_id)).id
        except BaseException:
            await services.redis.delete(key)  # refused: the same request may be tried again
            raise
        await services.redis.set(key, str(redemption_id), ex=REDEEM_REQUEST_SECONDS)
    return answer(redemption_out(await services.shop.redemption_of(employee.id, redemption_id)))


async def cancel_redemption(request: web.Request) -> web.Response:
    _, employee, _body = await read_body(request, NoFields)
    redemption = await request.app[SERVICES].shop.move(
        int(request.match_info["redemption_id"]),
        "cancel",
        by=employee.id,
        owner=employee.id,
    )
    return answer(redemption_out(await request.app[SERVICES].shop.with_reward(redemption)))


# -- settings ------------------------------------------------------------------------------


async def get_settings(request: web.Request) -> web.Response:
    _, employee = await require_employee(request)
    return await _settings_of(request.app[SERVICES], employee)


async def _settings_of(services: WebServices, employee: Employee) -> web.Response:
    summary = await services.gamification.summary(employee)
    return answer(
        {
            "language": employee.language,
            "languages": [{"code": code, "name": name} for code, name in LANGUAGES.items()],
            "leaderboard_opt_out": summary.leaderboard_opt_out,
            "name": employee.name,
            "email": employee.email,
            "department": employee.department,
        }
    )


async def save_settings(request: web.Request) -> web.Response:
    _, employee, ask = await read_body(request, SettingsAsk)
    services = request.app[SERVICES]
    if ask.language is not None and ask.language != employee.language:
        await services.people.update(employee.id, EmployeeUpdate(language=ask.language))
    if ask.leaderboard_opt_out is not None:
        await services.gamification.set_opt_out(employee.id, ask.leaderboard_opt_out)
    return await _settings_of(services, await services.people.get(employee.id))


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/app/api/home", home)
    router.add_post("/app/api/referrals", refer)
    router.add_get("/app/api/referrals", my_referrals)
    router.add_get("/app/api/links", my_links)
    router.add_get("/app/api/leaderboard", leaderboard)
    router.add_get("/app/api/shop", shop)
    router.add_post("/app/api/redemptions", redeem)
    router.add_post(r"/app/api/redemptions/{redemption_id:[0-9]{1,9}}/cancel", cancel_redemption)
    router.add_get("/app/api/settings", get_settings)
    router.add_post("/app/api/settings", save_settings)
