"""The shapes in which employees come in and go out (API bodies, HR file rows, exports).

One declaration validates an API body, a row of an HR export and feeds the OpenAPI
document, so the three can never disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from app.i18n import Language
from app.people.models import EmployeeStatus, Role

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


def _known_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


TimeZone = Annotated[str, AfterValidator(_known_timezone)]


class EmployeeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    name: Name
    department: Label = ""
    location: Label = ""
    language: Language | None = Field(
        default=None,
        description="Unset: the person's chat client language when they join "
        "(DEFAULT_LANGUAGE until then)",
    )
    timezone: TimeZone = "Europe/Paris"
    role: Role = Role.EMPLOYEE
    external_id: Label | None = None


class EmployeeUpdate(BaseModel):
    """Only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = None
    name: Name | None = None
    department: Label | None = None
    location: Label | None = None
    language: Language | None = None
    timezone: TimeZone | None = None
    role: Role | None = None
    external_id: Label | None = None


class EmployeeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    department: str
    location: str
    language: str
    timezone: str
    role: Role
    status: EmployeeStatus
    points_balance: int
    lifetime_points: int
    external_id: str | None
    created_at: datetime
    left_at: datetime | None


class InviteOut(BaseModel):
    employee_id: int
    email: str
    name: str
    code: str
    telegram_link: str | None = Field(
        description="t.me/<bot>?start=<code>; null when the bot's name is unknown"
    )
    telegram_link_missing: str | None = Field(
        default=None, description="Why there is no telegram_link, and which setting to set"
    )
    expires_at: datetime


class EmployeePage(BaseModel):
    items: list[EmployeeOut]
    total: int
    limit: int
    offset: int


class EmployeeFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: EmployeeStatus | None = None
    role: Role | None = None
    department: Label | None = None
    q: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, description="Part of a name or e-mail"
    )
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)
