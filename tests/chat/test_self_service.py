"""Joining from the chat with a work e-mail and a one-time code (SMTP configured)."""

from __future__ import annotations

import re

import pytest

from app.chat.conversation import Conversation
from app.chat.replies import ChatUser, Intent
from app.people.models import ChatIdentity, Employee, EmployeeStatus
from app.runtime import Runtime
from tests.helpers import make_employee
from tests.referrals.test_consent import Inbox, smtp_inbox  # noqa: F401  (fixture)

USER = ChatUser("telegram", "7777", chat_id="7777", name="Ada L.", language="en")


async def say(runtime: Runtime, text: str) -> str:
    replies = await Conversation(runtime).handle(USER, Intent("text", args=text))
    return "\n".join(r.text for r in replies)


@pytest.fixture
def self_service(runtime: Runtime, smtp_inbox: Inbox) -> Inbox:  # noqa: F811
    runtime.settings.self_service_domains = "example.com, example.org"
    return smtp_inbox


def code_in(inbox: Inbox) -> str:
    body = inbox.messages[-1].get_payload(decode=True).decode()  # type: ignore[union-attr]
    match = re.search(r"\b(\d{6})\b", body)
    assert match
    return match.group(1)


async def test_a_work_address_gets_a_code_that_links_the_account(
    runtime: Runtime, self_service: Inbox
) -> None:
    ada = await make_employee(runtime)
    assert "work e-mail" in await say(runtime, "/start")
    assert "I sent a 6-digit code to ada@example.com" in await say(runtime, "ada@example.com")
    [mail] = self_service.messages
    assert mail["To"] == "ada@example.com"
    answer = await say(runtime, code_in(self_service))
    assert answer.startswith("# Social media policy")  # joined; the policy comes first
    identity = await ChatIdentity.get(platform_user_id="7777")
    assert identity.employee_id == ada.id  # type: ignore[attr-defined]
    assert (await Employee.get(id=ada.id)).status == EmployeeStatus.ACTIVE


async def test_other_domains_and_unknown_people_are_refused(
    runtime: Runtime, self_service: Inbox
) -> None:
    assert "work e-mail" in await say(runtime, "ada@gmail.com")
    assert self_service.messages == []
    await say(runtime, "nobody@example.com")
    assert "not on the employee list" in await say(runtime, code_in(self_service))
    assert await ChatIdentity.all().count() == 0


async def test_five_wrong_codes_lock_the_chat_account(
    runtime: Runtime, self_service: Inbox
) -> None:
    await make_employee(runtime)
    await say(runtime, "ada@example.com")
    right = code_in(self_service)
    wrong = "000000" if right != "000000" else "111111"
    answers = [await say(runtime, wrong) for _ in range(5)]
    assert answers[0] == "That code is not right. Try again."
    assert "Too many wrong codes" in answers[-1]
    assert "Too many wrong codes" in await say(runtime, "ada@example.com")
    assert await ChatIdentity.all().count() == 0


async def test_with_creation_allowed_a_new_address_becomes_an_employee(
    runtime: Runtime, self_service: Inbox
) -> None:
    runtime.settings.self_service_create = True
    await say(runtime, "newcomer@example.org")
    await say(runtime, code_in(self_service))
    employee = await Employee.get(email="newcomer@example.org")
    assert (employee.name, employee.status) == ("Ada L.", EmployeeStatus.ACTIVE)
