"""Joining without an invite: a chat account linked by the e-mail its directory vouches for.

Teams tells the bot a member's e-mail / user principal name from the company's Entra ID
roster. When that tenant is the one we serve (TEAMS_TENANT_ID), the address is as good
as an invite: the account is linked to the employee with that e-mail, who becomes
active (EmployeeJoined) exactly as if they had redeemed an invite. Nobody who left is
linked, and an account already linked is left alone.
"""

from __future__ import annotations

import logging
from typing import Any

from app.db import transaction
from app.events import EmployeeJoined
from app.people.models import ChatIdentity, Employee, EmployeeStatus, Platform
from app.runtime import Runtime

log = logging.getLogger(__name__)


async def link_by_email(
    runtime: Runtime,
    platform: Platform,
    platform_user_id: str,
    email: str,
    conversation_reference: dict[str, Any] | None,
) -> Employee | None:
    """The employee now behind this chat account, or None if the e-mail is not theirs."""
    employee = await runtime.people.find_by_email(email) if email else None
    if employee is None or employee.status == EmployeeStatus.LEFT or employee.erased_at:
        return None
    now = runtime.clock.now()
    async with transaction():
        identity = await ChatIdentity.filter(
            platform=platform, platform_user_id=platform_user_id
        ).first()
        if identity is None:
            await ChatIdentity.create(
                employee=employee,
                platform=platform,
                platform_user_id=platform_user_id,
                conversation_reference=conversation_reference,
                created_at=now,
                last_seen_at=now,
            )
        elif identity.employee_id != employee.id:  # type: ignore[attr-defined]
            # Linked to someone else (an invite used by another person, say): the
            # directory is the authority on who this account is.
            log.warning(
                "%s account %s moves to employee %s by directory e-mail",
                platform.value,
                platform_user_id,
                employee.id,
            )
        changes: dict[str, Any] = {"employee_id": employee.id, "active": True, "last_seen_at": now}
        if conversation_reference:  # a search from a group chat has none: keep the old one
            changes["conversation_reference"] = conversation_reference
        await ChatIdentity.filter(platform=platform, platform_user_id=platform_user_id).update(
            **changes
        )
        joined = employee.status == EmployeeStatus.INVITED
        if joined:
            employee.status = EmployeeStatus.ACTIVE
            employee.updated_at = now
            await employee.save(update_fields=["status", "updated_at"])
    if joined:
        await runtime.events.publish(EmployeeJoined(employee.id))
    return employee
