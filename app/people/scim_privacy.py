"""The identity provider's account of a person (`ScimAccount`) in their GDPR export, and
its end when they are erased (the provider gets 404 for them from then on)."""

from __future__ import annotations

from typing import Any

from app.people.gdpr import ErasedPerson
from app.people.models import ScimAccount


async def export(employee_id: int) -> dict[str, Any]:
    account = await ScimAccount.get_or_none(employee_id=employee_id)
    if account is None:
        return {}
    return {
        "user_name": account.user_name,
        "external_id": account.external_id,
        "created_at": account.created_at.isoformat(),
    }


async def erase(person: ErasedPerson) -> None:
    await ScimAccount.filter(employee_id=person.employee_id).delete()
