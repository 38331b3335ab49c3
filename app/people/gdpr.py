"""GDPR: export everything held about an employee, or erase them.

Erasing removes personal data (name, e-mail, HR id, chat accounts, invites, tokens,
reports, sessions) and keeps the anonymised row, so that aggregates (clicks per
department, points totals, funnels) stay true. Each other domain adds its part of an
export, and removes the person's values from its own rows inside the same transaction,
through `register` (the composition root wires them).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q

from app.clock import Clock
from app.db import transaction
from app.people.models import (
    ApiToken,
    ChatIdentity,
    Employee,
    EmployeeStatus,
    Invite,
    PolicyAcceptance,
    Report,
)
from app.people.schemas import EmployeeOut
from app.people.service import PeopleService
from app.people.sessions import SessionStore

Exporter = Callable[[int], Awaitable[Any]]


@dataclass(frozen=True)
class ErasedPerson:
    """Who is being erased: their id, the values that identified them (name, e-mail, HR
    id, chat accounts), and the name that replaces theirs wherever free text held one."""

    employee_id: int
    values: tuple[str, ...]
    replacement: str

    def scrub(self, text: str) -> str:
        """`text` with each of the person's values replaced (any case)."""
        for value in self.values:
            text = re.sub(re.escape(value), self.replacement, text, flags=re.IGNORECASE)
        return text


Eraser = Callable[[ErasedPerson], Awaitable[None]]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class PrivacyService:
    def __init__(self, clock: Clock, people: PeopleService, sessions: SessionStore) -> None:
        self.clock = clock
        self.people = people
        self.sessions = sessions
        self._exporters: dict[str, Exporter] = {}
        self._erasers: list[Eraser] = []

    def register_exporter(self, section: str, exporter: Exporter) -> None:
        self._exporters[section] = exporter

    def register(self, section: str, exporter: Exporter, eraser: Eraser) -> None:
        """A domain's part of the export (under `section`) and of the erasure."""
        self._exporters[section] = exporter
        self._erasers.append(eraser)

    async def export(self, employee_id: int) -> dict[str, Any]:
        employee = await self.people.get(employee_id)
        data: dict[str, Any] = {
            "exported_at": self.clock.now().isoformat(),
            "employee": {
                **EmployeeOut.model_validate(employee).model_dump(mode="json"),
                "language_chosen": employee.language_chosen,
                "notifications_enabled": employee.notifications_enabled,
                "push": {
                    "jobs": employee.push_jobs,
                    "news": employee.push_news,
                    "digests": employee.push_digests,
                    "quiet_hours": [employee.quiet_start, employee.quiet_end],
                },
                "updated_at": _iso(employee.updated_at),
                "erased_at": _iso(employee.erased_at),
            },
            **await self._people_rows(employee_id),
            "sessions": [
                {"expires_in_seconds": ttl} for ttl in await self.sessions.lifetimes(employee_id)
            ],
        }
        for section, exporter in self._exporters.items():
            data[section] = await exporter(employee_id)
        return data

    async def _people_rows(self, employee_id: int) -> dict[str, list[dict[str, Any]]]:
        identities = await ChatIdentity.filter(employee_id=employee_id).order_by("id")
        acceptances = (
            await PolicyAcceptance.filter(employee_id=employee_id)
            .prefetch_related("policy")
            .order_by("id")
        )
        return {
            "chat_identities": [
                {
                    "platform": i.platform.value,
                    "platform_user_id": i.platform_user_id,
                    "chat_id": i.chat_id,
                    "conversation_reference": i.conversation_reference,
                    "active": i.active,
                    "linked_at": i.created_at.isoformat(),
                    "last_seen_at": i.last_seen_at.isoformat(),
                }
                for i in identities
            ],
            "invites": [
                {
                    "created_at": i.created_at.isoformat(),
                    "expires_at": i.expires_at.isoformat(),
                    "used_at": _iso(i.used_at),
                }
                for i in await Invite.filter(employee_id=employee_id).order_by("id")
            ],
            "policy_acceptances": [
                {
                    "version": a.policy.version,
                    "accepted_at": a.accepted_at.isoformat(),
                    "channel": a.channel,
                }
                for a in acceptances
            ],
            "api_tokens": [
                {
                    "name": t.name,
                    "role": t.role.value,
                    "created_at": t.created_at.isoformat(),
                    "revoked_at": _iso(t.revoked_at),
                }
                for t in await ApiToken.filter(employee_id=employee_id).order_by("id")
            ],
            "reports": [
                {
                    "kind": r.kind.value,
                    "text": r.text,
                    "platform": r.platform,
                    "created_at": r.created_at.isoformat(),
                    "handled_at": _iso(r.handled_at),
                }
                for r in await Report.filter(
                    _reports_of(employee_id, [i.platform_user_id for i in identities])
                ).order_by("id")
            ],
        }

    async def erase(self, employee_id: int) -> Employee:
        now = self.clock.now()
        async with transaction():
            employee = await self.people.get(employee_id)
            identities = await ChatIdentity.filter(employee_id=employee_id)
            person = ErasedPerson(
                employee_id,
                _identifying_values(employee, identities),
                f"Former employee #{employee.id}",
            )
            employee.name = person.replacement
            employee.email = f"erased-{employee.id}@erased.invalid"
            employee.external_id = None
            employee.status = EmployeeStatus.LEFT
            employee.left_at = employee.left_at or now
            employee.erased_at = now
            employee.updated_at = now
            await employee.save()
            accounts = [i.platform_user_id for i in identities]
            await Report.filter(_reports_of(employee_id, accounts)).delete()
            await ChatIdentity.filter(employee_id=employee_id).delete()
            await Invite.filter(employee_id=employee_id).delete()
            await ApiToken.filter(employee_id=employee_id).delete()
            for eraser in self._erasers:
                await eraser(person)
        await self.sessions.close_all(employee_id)
        return employee


def _reports_of(employee_id: int, platform_user_ids: list[str]) -> Q:
    """Their reports, and the access requests their chat accounts made before joining."""
    return Q(employee_id=employee_id) | Q(
        employee_id=None, platform_user_id__in=platform_user_ids or [""], platform__not=""
    )


def _identifying_values(employee: Employee, identities: list[ChatIdentity]) -> tuple[str, ...]:
    values = [employee.name, employee.email, employee.external_id or ""]
    for identity in identities:
        values += [identity.platform_user_id, identity.chat_id or ""]
        user = (identity.conversation_reference or {}).get("user") or {}
        values += [
            str(user.get(key) or "") for key in ("id", "name", "aadObjectId", "aad_object_id")
        ]
    # Longest first, so a full name is replaced before the shorter values inside it.
    return tuple(sorted({v for v in values if len(v) >= 3}, key=len, reverse=True))
