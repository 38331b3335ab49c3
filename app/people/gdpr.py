"""GDPR: export everything held about an employee, or erase them.

Erasing removes personal data (name, e-mail, HR id, chat accounts, invites, tokens) and
keeps the anonymised row, so that aggregates (clicks per department, points totals,
funnels) stay true. Other domains add their part of an export, and anonymise their own
rows, through `register_exporter` and the `EmployeeErased` event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app.clock import Clock
from app.db import transaction
from app.events import EmployeeErased, EventBus
from app.people.models import (
    ApiToken,
    ChatIdentity,
    Employee,
    EmployeeStatus,
    Invite,
    PolicyAcceptance,
)
from app.people.schemas import EmployeeOut
from app.people.service import PeopleService

Exporter = Callable[[int], Awaitable[Any]]


class PrivacyService:
    def __init__(self, clock: Clock, events: EventBus, people: PeopleService) -> None:
        self.clock = clock
        self.events = events
        self.people = people
        self._exporters: dict[str, Exporter] = {}

    def register_exporter(self, section: str, exporter: Exporter) -> None:
        self._exporters[section] = exporter

    async def export(self, employee_id: int) -> dict[str, Any]:
        employee = await self.people.get(employee_id)
        identities = await ChatIdentity.filter(employee_id=employee_id).order_by("id")
        acceptances = (
            await PolicyAcceptance.filter(employee_id=employee_id)
            .prefetch_related("policy")
            .order_by("id")
        )
        tokens = await ApiToken.filter(employee_id=employee_id).order_by("id")
        data: dict[str, Any] = {
            "exported_at": self.clock.now().isoformat(),
            "employee": EmployeeOut.model_validate(employee).model_dump(mode="json"),
            "chat_identities": [
                {
                    "platform": i.platform.value,
                    "platform_user_id": i.platform_user_id,
                    "active": i.active,
                    "linked_at": i.created_at.isoformat(),
                    "last_seen_at": i.last_seen_at.isoformat(),
                }
                for i in identities
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
                {"name": t.name, "role": t.role.value, "created_at": t.created_at.isoformat()}
                for t in tokens
            ],
        }
        for section, exporter in self._exporters.items():
            data[section] = await exporter(employee_id)
        return data

    async def erase(self, employee_id: int) -> Employee:
        now = self.clock.now()
        async with transaction():
            employee = await self.people.get(employee_id)
            employee.name = f"Former employee #{employee.id}"
            employee.email = f"erased-{employee.id}@erased.invalid"
            employee.external_id = None
            employee.status = EmployeeStatus.LEFT
            employee.left_at = employee.left_at or now
            employee.erased_at = now
            employee.updated_at = now
            await employee.save()
            await ChatIdentity.filter(employee_id=employee_id).delete()
            await Invite.filter(employee_id=employee_id).delete()
            await ApiToken.filter(employee_id=employee_id).delete()
        await self.events.publish(EmployeeErased(employee_id))
        return employee
