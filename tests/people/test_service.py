"""Invites and chat identities: linking a Telegram or Teams account to an employee."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.clock import FrozenClock
from app.people.errors import EmployeeHasLeft, InviteAlreadyUsed, InviteExpired, InviteNotFound
from app.people.models import ChatIdentity, EmployeeStatus, Platform
from app.runtime import Runtime
from tests.helpers import make_employee


async def test_redeeming_an_invite_links_the_chat_account_and_activates(runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    link = await runtime.people.invite(ada.id)
    employee = await runtime.people.redeem_invite(
        link.invite.code, Platform.TELEGRAM, "555", chat_id="555"
    )
    assert employee.status == EmployeeStatus.ACTIVE
    found = await runtime.people.employee_for_chat(Platform.TELEGRAM, "555")
    assert found is not None and found.id == ada.id


async def test_an_invite_works_once(runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    link = await runtime.people.invite(ada.id)
    await runtime.people.redeem_invite(link.invite.code, Platform.TELEGRAM, "555")
    with pytest.raises(InviteAlreadyUsed):
        await runtime.people.redeem_invite(link.invite.code, Platform.TELEGRAM, "666")
    assert await runtime.people.employee_for_chat(Platform.TELEGRAM, "666") is None


async def test_an_expired_invite_is_refused(runtime: Runtime, clock: FrozenClock) -> None:
    ada = await make_employee(runtime)
    link = await runtime.people.invite(ada.id)
    clock.advance(timedelta(days=runtime.settings.invite_valid_days, seconds=1))
    with pytest.raises(InviteExpired):
        await runtime.people.redeem_invite(link.invite.code, Platform.TEAMS, "aad-1")
    assert await ChatIdentity.all().count() == 0


async def test_an_unknown_code_is_refused(runtime: Runtime) -> None:
    with pytest.raises(InviteNotFound):
        await runtime.people.redeem_invite("nope", Platform.TELEGRAM, "555")


async def test_a_left_employee_cannot_be_invited_or_redeem(runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    link = await runtime.people.invite(ada.id)
    await runtime.people.deactivate(ada.id)
    with pytest.raises(InviteNotFound):  # pending invites die with the departure
        await runtime.people.redeem_invite(link.invite.code, Platform.TELEGRAM, "555")
    with pytest.raises(EmployeeHasLeft):
        await runtime.people.invite(ada.id)


async def test_a_new_invite_moves_the_chat_account(runtime: Runtime) -> None:
    ada = await make_employee(runtime, telegram_id="555")
    bob = await make_employee(runtime, "bob@example.com", "Bob")
    link = await runtime.people.invite(bob.id)
    await runtime.people.redeem_invite(link.invite.code, Platform.TELEGRAM, "555")
    found = await runtime.people.employee_for_chat(Platform.TELEGRAM, "555")
    assert found is not None and found.id == bob.id
    assert await ChatIdentity.filter(employee_id=ada.id).count() == 0


async def test_teams_keeps_the_conversation_reference(runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    link = await runtime.people.invite(ada.id)
    reference = {"serviceUrl": "https://smba.example/", "conversation": {"id": "a:1"}}
    await runtime.people.redeem_invite(
        link.invite.code, Platform.TEAMS, "aad-1", conversation_reference=reference
    )
    identity = await ChatIdentity.get(platform=Platform.TEAMS, platform_user_id="aad-1")
    assert identity.conversation_reference == reference


async def test_invite_messages_speak_the_employee_language(runtime: Runtime) -> None:
    ada = await make_employee(runtime, language="fr")
    link = await runtime.people.invite(ada.id)
    message = link.message("Acme")
    assert message.startswith("Bonjour Ada Lovelace")
    assert link.invite.code in message  # the Telegram link: tests/people/test_invite_links.py


async def test_names_by_id_gives_each_known_employee_once(runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    bob = await make_employee(runtime, "bob@example.com", "Bob Marley")
    names = runtime.people.names_by_id
    assert await names([ada.id, bob.id, ada.id, 999_999]) == {
        ada.id: "Ada Lovelace",
        bob.id: "Bob Marley",
    }
    assert await names([]) == {}
    assert await names(iter([bob.id])) == {bob.id: "Bob Marley"}  # any iterable, read once


async def test_names_by_id_reads_many_ids_by_their_range_and_keeps_only_those_asked(
    runtime: Runtime,
) -> None:
    from app.people.service import NAMES_IN_LIST

    ada = await make_employee(runtime)
    bob = await make_employee(runtime, "bob@example.com", "Bob Marley")
    cyd = await make_employee(runtime, "cyd@example.com", "Cyd Charisse")
    asked = [ada.id, cyd.id, *range(cyd.id + 1, cyd.id + NAMES_IN_LIST + 1)]
    assert await runtime.people.names_by_id(asked) == {
        ada.id: "Ada Lovelace",
        cyd.id: "Cyd Charisse",
    }
    assert bob.id not in asked
