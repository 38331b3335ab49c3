"""One turn of a conversation: who speaks, in which language, and their form in progress.

Multi-step forms (refer a friend, post a job) keep their state in Redis with an expiry,
keyed by platform and user, so any replica can take the next message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.chat.replies import Capabilities, ChatUser
from app.chat.services import ChatServices
from app.i18n import translator
from app.people.models import Employee, Role
from app.people.tokens import ROLE_RANK

FORM_TTL_SECONDS = 1800


@dataclass
class Form:
    name: str  # "refer", "post_job", "report"...
    step: str
    data: dict[str, Any] = field(default_factory=dict)


class FormStore:
    def __init__(self, services: ChatServices, user: ChatUser) -> None:
        self.redis = services.redis
        self.key = f"conv:{user.platform}:{user.user_id}"

    async def get(self) -> Form | None:
        raw = await self.redis.get(self.key)
        if raw is None:
            return None
        data = json.loads(raw)
        return Form(data["name"], data["step"], data.get("data", {}))

    async def put(self, form: Form) -> None:
        payload = json.dumps({"name": form.name, "step": form.step, "data": form.data})
        await self.redis.set(self.key, payload, ex=FORM_TTL_SECONDS)

    async def clear(self) -> None:
        await self.redis.delete(self.key)


@dataclass
class Turn:
    services: ChatServices
    user: ChatUser
    employee: Employee | None
    language: str
    forms: FormStore

    @property
    def can(self) -> Capabilities:
        """What the speaker's channel can show."""
        return self.user.can

    @property
    def _(self) -> Callable[[str], str]:
        return translator(self.language)

    def me(self) -> Employee:
        assert self.employee is not None, "this step needs a known employee"
        return self.employee

    def is_at_least(self, role: Role) -> bool:
        return self.employee is not None and ROLE_RANK[self.employee.role] >= ROLE_RANK[role]
