"""Fuzzing Teams' `POST /api/messages`: activities of any shape, with no Bot Framework
token, a forged one or one for another bot, are refused with a 4xx and do nothing (no
reply reaches the connector, no chat account is linked); signed ones of any shape never
get a 5xx. Uses the Teams tests' fake connector and signing keys."""

from __future__ import annotations

import json
from typing import Any

import hypothesis
from hypothesis import strategies as st

from app.people.models import ChatIdentity
from app.runtime import Runtime
from tests.bots.teams_support import TeamsWorld
from tests.fakes.jwt_keys import SigningKey
from tests.fakes.teams_connector import APP_ID, FakeConnector, TeamsUser
from tests.helpers import make_employee
from tests.security.support import run_beside_loop
from tests.security.test_webhook_fuzz import FUZZ, Post, body_of, header_text, json_values, mutated

ADA = TeamsUser()


def message(fake: FakeConnector) -> dict[str, Any]:
    return fake.activity(
        "message",
        **{"from": ADA.account()},
        conversation=ADA.conversation(),
        channelData=ADA.channel_data(),
        text="help",
    )


async def test_activities_without_a_valid_token_do_nothing(
    teams: TeamsWorld, runtime: Runtime
) -> None:
    client, fake = teams.client, teams.fake
    await make_employee(runtime)
    fake.members[ADA.id] = fake.member(ADA)
    forger = SigningKey(key_id=fake.key.key_id)
    statuses: list[int] = []

    async def post(body: bytes, authorization: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        async with client.post("/api/messages", data=body, headers=headers) as response:
            return response.status

    def search(on_loop: Post) -> None:
        @FUZZ
        @hypothesis.given(
            activity=mutated(message(fake)) | json_values,
            authorization=st.none()
            | header_text
            | header_text.map(lambda s: "Bearer " + s)
            | st.sampled_from(
                [
                    "Bearer " + forger.token(APP_ID, fake.url),
                    "Bearer " + SigningKey().token(APP_ID, fake.url),
                    "Bearer " + fake.key.token("another-bot", fake.url),
                    "Bearer " + fake.key.token(APP_ID, fake.url, lifetime=60, issued_ago=3600),
                ]
            ),
        )
        def check(activity: Any, authorization: str | None) -> None:
            status = on_loop(post(body_of(activity), authorization))
            assert 400 <= status < 500, (status, activity)
            statuses.append(status)

        check()

    await run_beside_loop(search)
    assert 401 in statuses
    assert fake.sent == []
    assert await ChatIdentity.all().count() == 0


async def test_signed_activities_of_any_shape_never_get_a_5xx(
    teams: TeamsWorld, runtime: Runtime
) -> None:
    client, fake = teams.client, teams.fake
    await make_employee(runtime)
    fake.members[ADA.id] = fake.member(ADA)
    base = message(fake)
    card = base | {"value": {"action": "refer:form", "name": "x", "email": "y"}}

    async def post(activity: Any) -> tuple[int, str]:
        if isinstance(activity, dict):  # replies go to the fake connector, never elsewhere
            activity["serviceUrl"] = fake.url
        token = fake.key.token(APP_ID, fake.url)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        async with client.post("/api/messages", data=json.dumps(activity), headers=headers) as r:
            return r.status, await r.text()

    def search(on_loop: Post) -> None:
        @FUZZ
        @hypothesis.given(activity=mutated(base) | mutated(card) | json_values)
        def check(activity: Any) -> None:
            status, text = on_loop(post(activity))
            assert status < 500, (status, text, activity)

        check()

    await run_beside_loop(search)
