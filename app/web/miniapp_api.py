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
    ValidationError,
    field_validator,
)

from app.gamification.leaderboards import Standing
from app.gamification.models import Redemption
from app.i18n import LANGUAGES, Language
from app.people.models import Employee
from app.people.schemas import EmployeeUpdate
from app.referrals.analytics import ClickQuery
from app.referrals.intake import CandidateDetails
from app.referrals.models import ContentType, ReferralSource, TrackedLink
from app.referrals.service import ReferralFilter
from app.runtime import Runtime
from app.web.api import within_range
from app.web.apply import read_form
from app.web.bodies import read_json
from app.web.challenges import ChallengeOut
from app.web.charts import bar_chart
from app.web.errors import ApiError, validation_error
from app.web.keys import RUNTIME
from app.web.points import Leaderboard, Row
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
    data = await read_json(request, empty={})
    try:
        body = model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, "body") from None
    return viewer, employee, within_range(body, "body")


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
    runtime = request.app[RUNTIME]
    game = runtime.gamification
    await employee.refresh_from_db()
    summary = await game.summary(employee)
    floor = game.rules.levels[summary.level].points
    mine = await game.my_standing(employee.id, "month", "company", "all")
    challenges = await runtime.challenges.for_department(employee.department)
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
    cvs = request.app[RUNTIME].referrals.cv_store
    try:
        values, cv_file = await read_form(request, REFER_FIELDS)
    except (ValueError, RuntimeError):  # broken multipart, a field too long or repeated
        raise ApiError(400, "bad_form", "This form could not be read; reload and retry.") from None
    try:
        try:
            ask = within_range(ReferAsk.model_validate(values), "body")
        except ValidationError as exc:
            raise validation_error(exc, "body") from None
        response = await _refer(request, employee, ask, cv_file)
        cv_file = ""  # kept: it belongs to the referral now
        return response
    finally:
        if cv_file:
            cvs.delete(cv_file)


async def _refer(
    request: web.Request, employee: Employee, ask: ReferAsk, cv_file: str
) -> web.Response:
    outcome = await request.app[RUNTIME].referrals.intake.refer(
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
    runtime = request.app[RUNTIME]
    period = runtime.figures.last_days(CHART_DAYS, runtime.clock.now())  # as on the dashboard
    by_day = await runtime.analytics.clicks(
        ClickQuery(
            by="day", start=period.start, end=period.end, employee_id=employee.id, limit=CHART_DAYS
        )
    )
    unique = {row["key"]["day"]: row["unique"] for row in by_day}
    days = [day.isoformat() for day in period.days]
    values = [unique.get(day, 0) for day in days]
    per_link = await runtime.analytics.clicks(
        ClickQuery(by="link", employee_id=employee.id, order="unique", limit=200)
    )
    counts = {row["key"]["link_id"]: row for row in per_link}
    links = await TrackedLink.filter(employee_id=employee.id).order_by("-created_at")
    titles = await _titles(runtime, links)
    rows = [
        {
            "code": link.code,
            "url": runtime.links.link_url(link.code),
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


async def _titles(runtime: Runtime, links: list[TrackedLink]) -> dict[tuple[str, int], str]:
    from app.jobs.models import JobOffer, NewsPost

    jobs = {link.content_id for link in links if link.content_type == ContentType.JOB}
    news = {link.content_id for link in links if link.content_type == ContentType.NEWS}
    titles: dict[tuple[str, int], str] = {}
    for i, t in await JobOffer.filter(id__in=jobs).values_list("id", "title"):
        titles[("job", i)] = t
    for i, t in await NewsPost.filter(id__in=news).values_list("id", "title"):
        titles[("news", i)] = t
    return titles


# -- my referrals --------------------------------------------------------------------------


async def my_referrals(request: web.Request) -> web.Response:
    _, employee = await require_employee(request)
    service = request.app[RUNTIME].referrals
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
    try:
        ask = BoardAsk.model_validate(dict(request.query))
    except ValidationError as exc:
        raise validation_error(exc, "query") from None
    game = request.app[RUNTIME].gamification
    scope_id = {"company": "all", "department": employee.department}.get(
        ask.scope, employee.location
    )
    if not scope_id:
        raise ApiError(422, "scope_required", f"Your profile has no {ask.scope}.")
    top = await game.leaderboard(ask.period, ask.scope, scope_id, 20)
    mine = await game.my_standing(employee.id, ask.period, ask.scope, scope_id)
    ids = [s.employee_id for s in top] + [s.employee_id for s in mine.neighbours] + [employee.id]
    people = {e.id: e for e in await Employee.filter(id__in=ids)}

    def row(standing: Standing) -> Row:
        who = people.get(standing.employee_id)
        return Row(
            rank=standing.rank,
            employee_id=standing.employee_id,
            name=who.name if who else "",
            department=who.department if who else "",
            points=standing.points,
            me=standing.employee_id == employee.id,
        )

    return answer(
        Leaderboard(
            period=ask.period,
            period_id=game.period_id(ask.period),
            scope=ask.scope,
            scope_id=scope_id,
            rows=[row(s) for s in top],
            me=row(mine.me) if mine.me else None,
            neighbours=[row(s) for s in mine.neighbours],
        )
    )


# -- shop ----------------------------------------------------------------------------------


async def shop(request: web.Request) -> web.Response:
    _, employee = await require_employee(request)
    runtime = request.app[RUNTIME]
    await employee.refresh_from_db(fields=["points_balance"])
    rewards = await runtime.shop.catalogue()
    mine = await runtime.shop.redemptions(employee.id, limit=50)
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
    runtime = request.app[RUNTIME]
    key = f"miniapp-redeem:{employee.id}:{ask.request_id}"
    if not await runtime.redis.set(key, "running", nx=True, ex=REDEEM_REQUEST_SECONDS):
        done = await runtime.redis.get(key)
        if done is None or not done.isdigit():
            raise ApiError(409, "redeem_in_progress", "This redemption is already on its way.")
        redemption = await Redemption.get(id=int(done), employee_id=employee.id)
    else:
        try:
            redemption = await runtime.shop.redeem(employee.id, ask.reward_id)
        except BaseException:
            await runtime.redis.delete(key)  # refused: the same request may be tried again
            raise
        await runtime.redis.set(key, str(redemption.id), ex=REDEEM_REQUEST_SECONDS)
    await redemption.fetch_related("reward")
    return answer(redemption_out(redemption))


async def cancel_redemption(request: web.Request) -> web.Response:
    _, employee, _body = await read_body(request, NoFields)
    redemption = await request.app[RUNTIME].shop.move(
        int(request.match_info["redemption_id"]),
        "cancel",
        by=employee.id,
        owner=employee.id,
    )
    await redemption.fetch_related("reward")
    return answer(redemption_out(redemption))


# -- settings ------------------------------------------------------------------------------


async def get_settings(request: web.Request) -> web.Response:
    _, employee = await require_employee(request)
    summary = await request.app[RUNTIME].gamification.summary(employee)
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
    runtime = request.app[RUNTIME]
    if ask.language is not None and ask.language != employee.language:
        await runtime.people.update(employee.id, EmployeeUpdate(language=ask.language))
    if ask.leaderboard_opt_out is not None:
        await runtime.gamification.set_opt_out(employee.id, ask.leaderboard_opt_out)
    await employee.refresh_from_db()
    return await get_settings(request)


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
