"""What the dashboard's content and broadcast forms share: targeting chosen from what
exists, the publish-or-schedule choice in the company's time zone, and refusals shown
next to the field they concern, in the viewer's language.

The rules stay where the API has them (`JobCreate`, `NewsCreate`, `BroadcastCreate`
and the domain services): this module turns form text into their input and their
refusals into messages. It adds only what a form has and a JSON body has not: a value
that was not among the choices offered, a date typed wrong, a schedule in the past.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date
from pydantic import ValidationError

from app.i18n import LANGUAGES
from app.people.models import Role
from app.web.dashboard import form_of
from app.web.errors import ApiError
from app.web.services import WebServices
from app.web.session_auth import Viewer

Errors = dict[str, str]  # form field name -> what is wrong with it
Translate = Callable[[str], str]
ROLE_WORDS = {"employee": "Employees", "recruiter": "Recruiters", "admin": "Admins"}
TARGET_FIELDS = ("target_departments", "target_locations", "target_languages")
CSRF_REFUSED = "This form came from an old or another page: nothing was saved. Reload the page."


@dataclass(frozen=True)
class TargetingChoices:
    """The departments, sites, languages (and roles) a form offers: those that exist."""

    departments: list[str]
    locations: list[str]
    languages: list[tuple[str, str]]  # (code, name)
    roles: list[str]

    def pairs(self, field: str, _: Translate = str) -> list[tuple[str, str]]:
        """(value, what the box says) for a field's boxes."""
        if field == "target_languages":
            return self.languages
        values = {
            "target_departments": self.departments,
            "target_locations": self.locations,
            "roles": self.roles,
        }[field]
        return [(value, _(ROLE_WORDS.get(value, value))) for value in values]

    def offered(self, field: str) -> set[str]:
        return {value for value, _ in self.pairs(field)}


async def targeting_choices(services: WebServices) -> TargetingChoices:
    """Where people work and what content already names, so that editing keeps a
    target nobody works in any more."""
    people_departments, people_sites = await services.people.places()
    content_departments, content_sites = await services.content.places()
    return TargetingChoices(
        departments=sorted(people_departments | content_departments, key=str.casefold),
        locations=sorted(people_sites | content_sites, key=str.casefold),
        languages=[(code, LANGUAGES.get(code, code)) for code in LANGUAGES],
        roles=[role.value for role in Role],
    )


def chosen(
    form: Any, choices: TargetingChoices, fields: tuple[str, ...], errors: Errors, _: Translate
) -> dict[str, list[str]]:
    """The boxes ticked per field; a value the form did not offer is refused."""
    picked = {field: [str(v) for v in form.getall(field, [])] for field in fields}
    for field, values in picked.items():
        unknown = [v for v in values if v not in choices.offered(field)]
        if unknown:
            errors[field] = _("Not among the choices: {values}.").format(values=", ".join(unknown))
    return picked


def audience_text(lists: dict[str, list[str]], _: Translate) -> str:
    """Whom content or an announcement is for, in one line: `Sales · Lyon · FR`."""
    parts = [
        *lists.get("departments", ()),
        *lists.get("locations", ()),
        *(LANGUAGES.get(code, code) for code in lists.get("languages", ())),
        *(_(ROLE_WORDS.get(role, role)) for role in lists.get("roles", ())),
    ]
    return " · ".join(parts) if parts else _("everyone")


def content_audience(item: Any, _: Translate) -> str:
    return audience_text(
        {
            "departments": item.target_departments,
            "locations": item.target_locations,
            "languages": item.target_languages,
        },
        _,
    )


# -- when: draft, now, or at a time in the company's zone ----------------------------------


@dataclass(frozen=True)
class Timing:
    when: str  # "draft" | "now" | "later"
    at: datetime | None = None  # aware, for "later"


def timing_of(
    form: Any, allowed: tuple[str, ...], zone: str, now: datetime, errors: Errors, _: Translate
) -> Timing:
    """The `when` radio and its `at` field: a time that is not a time, or is past, is
    refused next to the field (a scheduled past is not what anyone means)."""
    when = str(form.get("when", ""))
    if when not in allowed:
        errors["when"] = _("Choose when.")
        return Timing("draft")
    if when != "later":
        return Timing(when)
    raw = str(form.get("at", "")).strip()
    if not raw:
        errors["at"] = _("Give the date and time.")
        return Timing(when)
    at = local_datetime(raw, zone)
    if at is None:
        errors["at"] = _("Not a date and time (YYYY-MM-DD HH:MM).")
    elif at <= now:
        errors["at"] = _("This time has passed: pick a later one, or choose now.")
    return Timing(when, at)


def local_datetime(raw: str, zone: str) -> datetime | None:
    """A `datetime-local` value read in the company's zone; None if it is not one."""
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        return None
    return parsed.replace(tzinfo=ZoneInfo(zone))


def closing_day(raw: str, zone: str) -> datetime | None:
    """A closing date: the job stays open through that whole day, company time; None
    if it is not a date."""
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=1), time(), ZoneInfo(zone))


def closing_day_value(closes_at: datetime | None, zone: str) -> str:
    """The date field's value for a stored closing time (the last open day)."""
    if closes_at is None:
        return ""
    return (closes_at.astimezone(ZoneInfo(zone)) - timedelta(microseconds=1)).date().isoformat()


def at_value(moment: datetime | None, zone: str) -> str:
    """The `datetime-local` field's value for a stored time, in the company's zone."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def local_text(moment: datetime | None, zone: str, language: str) -> str:
    """A time as people of that language write it (no 11/08 ambiguity), company time."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{format_date(local.date(), 'medium', locale=language)}, {local:%H:%M}"


def zone_label(zone: str, now: datetime) -> str:
    """`Europe/Paris, UTC+01:00`: the zone named beside every time field."""
    offset = now.astimezone(ZoneInfo(zone)).strftime("%z")
    return f"{zone}, UTC{offset[:3]}:{offset[3:]}"


# -- refusals ------------------------------------------------------------------------------


def field_errors(exc: ValidationError, _: Translate) -> Errors:
    """The schema's refusals by form field (named as the schema's fields; a caption's
    as `captions.<network>.<language>`), in words for people: the first one per field."""
    errors: Errors = {}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]] or [""]
        name = ".".join(loc[:3]) if loc[0] == "captions" else loc[0]
        errors.setdefault(name, _message(error, _))
    return errors


def _message(error: Any, _: Translate) -> str:
    kind, context = error["type"], error.get("ctx") or {}
    if kind in ("missing", "string_too_short"):
        return _("Required.")
    if kind == "string_too_long":
        return _("At most {n} characters.").format(n=context.get("max_length"))
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("A whole number.")
    if kind == "greater_than_equal":
        return _("At least {n}.").format(n=context.get("ge"))
    if kind == "less_than_equal":
        return _("At most {n}.").format(n=context.get("le"))
    if kind.startswith("url"):
        return _("A web address starting with https://")
    if kind in ("literal_error", "enum"):
        return _("Not among the choices.")
    if kind == "too_long":
        return _("Too many choices.")
    return str(error["msg"]).removeprefix("Value error, ")


def typed(form: Any) -> dict[str, list[str]]:
    """What the form carried, field by field, to show it again when it is refused."""
    return {key: [str(v) for v in form.getall(key)] for key in set(form.keys()) - {"csrf"}}


async def posted(request: web.Request, viewer: Viewer) -> Any | None:
    """The posted form; None when its CSRF token is not this session's (the page then
    says so, with nothing changed)."""
    try:
        return await form_of(request, viewer)
    except ApiError as exc:
        if exc.code != "csrf":
            raise
        return None
