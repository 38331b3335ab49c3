"""The Teams bot end to end, shared by the `test_teams_*` modules: Bot Framework activities
posted to /api/messages, signed with a local key checked against the fake connector's OpenID
metadata, through botbuilder's real CloudAdapter; replies and proactive messages land on the
fake connector (`serviceUrl`). The `teams` fixture that builds a `TeamsWorld` is in
tests/channel_fixtures.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient

from app.people.models import Employee
from app.runtime import Runtime
from tests.fakes.teams_connector import APP_ID, FakeConnector, TeamsUser
from tests.helpers import make_employee

ADA = TeamsUser()
RITA = TeamsUser(
    id="29:rita-user",
    aad_object_id="00000000-0000-0000-0000-0000000000b2",
    name="Rita Recruiter",
    email="rita@example.com",
)
STRANGER = TeamsUser(
    id="29:stranger", aad_object_id="00000000-0000-0000-0000-0000000000c3", tenant="other-tenant"
)
SIGNED = "signed"


@dataclass
class TeamsWorld:
    fake: FakeConnector
    client: TestClient
    runtime: Runtime

    async def post(self, activity: dict[str, Any], token: str | None = SIGNED) -> int:
        headers = {}
        if token == SIGNED:
            token = self.fake.key.token(APP_ID, activity["serviceUrl"])
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.client.post("/api/messages", json=activity, headers=headers)
        self.last_body = await response.text()
        return response.status

    async def invoke(self, activity: dict[str, Any]) -> dict[str, Any]:
        assert await self.post(activity) == 200, self.last_body
        body: dict[str, Any] = json.loads(self.last_body)
        return body

    def message(self, user: TeamsUser, text: str = "", value: Any = None) -> dict[str, Any]:
        fields: dict[str, Any] = {"text": text} if text else {"text": None}
        if value is not None:
            fields["value"] = value
        return self.fake.activity(
            "message",
            **{"from": user.account()},
            conversation=user.conversation(),
            channelData=user.channel_data(),
            **fields,
        )

    def click(
        self, user: TeamsUser, action: str, on: str | None = None, **inputs: Any
    ) -> dict[str, Any]:
        """An Action.Submit pressed on one of our cards (the message `on`, if known)."""
        activity = self.message(user, value={"action": action, **inputs})
        if on is not None:
            activity["replyToId"] = on
        return activity

    def install(self, user: TeamsUser) -> dict[str, Any]:
        return self.fake.activity(
            "conversation_update",
            **{"from": {"id": user.id, "aadObjectId": user.aad_object_id}},
            conversation=user.conversation(),
            channelData=user.channel_data(),
        )

    def sent_to(self, user: TeamsUser) -> list[str]:
        return self.fake.texts(user.conversation_id)


async def joined(world: TeamsWorld, user: TeamsUser = ADA, **kwargs: Any) -> Employee:
    """An employee whose Teams account is linked and who accepted the policy."""
    employee = await make_employee(world.runtime, user.email, user.name, **kwargs)
    world.fake.members[user.id] = world.fake.member(user)
    assert await world.post(world.install(user)) == 200
    await world.runtime.policy.accept(employee, "teams")
    world.fake.sent.clear()
    return employee


def submits(world: TeamsWorld, user: TeamsUser) -> list[str]:
    return [
        a["data"]["action"]
        for sent in world.fake.to(user.conversation_id)
        for a in sent.actions()
        if a["type"] == "Action.Submit"
    ]


def _bots_key() -> Any:
    """The app key of the running bots (their notifier speaks first through Teams)."""
    from app.server import BOTS

    return BOTS
