"""The pushes an employee was sent (or skipped for), in their GDPR export; their erasure
takes their name out of broadcasts that named them (an announcement's text, its author).
Imports no Runtime: the composition root registers it."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q

from app.broadcasts.models import Broadcast, Delivery
from app.people.gdpr import ErasedPerson


async def export(employee_id: int) -> list[dict[str, Any]]:
    deliveries = (
        await Delivery.filter(employee_id=employee_id).prefetch_related("broadcast").order_by("id")
    )
    return [
        {
            "broadcast": d.broadcast.id,
            "kind": d.broadcast.kind.value,
            "content_id": d.broadcast.content_id,
            "platform": d.platform,
            "status": d.status.value,
            "reason": d.reason,
            "sent_at": d.sent_at.isoformat() if d.sent_at else None,
        }
        for d in deliveries
    ]


async def erase(person: ErasedPerson) -> None:
    named = Q()
    for value in person.values:
        named |= Q(text__icontains=value) | Q(created_by__icontains=value)
    for broadcast in await Broadcast.filter(named):
        await Broadcast.filter(id=broadcast.id).update(
            text=person.scrub(broadcast.text), created_by=person.scrub(broadcast.created_by)
        )
