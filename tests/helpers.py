"""Small helpers shared by tests: make people through the real services, and wait for
what happens in the background (`eventually`) without guessing a sleep."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp.test_utils import TestServer
from aiohttp.web_runner import BaseRunner

from app.gamification.ledger import Award
from app.jobs.models import JobOffer
from app.jobs.schemas import JobCreate
from app.people.models import Employee, Platform, Role
from app.people.schemas import EmployeeCreate
from app.runtime import Runtime
from app.web.redirect import DoorRunner

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T] | T],
    within: float = 10.0,
    every: float = 0.02,
    what: str = "",
) -> T:
    """Call `probe` (a function, or a coroutine function) until it returns something
    truthy without raising AssertionError, and return that. After `within` seconds, fail
    saying what it was waiting for and what it saw last (its value, or its assertion).

    For what happens in the background (a worker, a webhook answered before its work is
    done); to prove that something does NOT happen, read the fakes' logs after the work
    is known to be over, never wait and see."""
    deadline = time.monotonic() + within
    name = what or getattr(probe, "__qualname__", repr(probe))
    while True:
        try:
            result = probe()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result  # type: ignore[return-value]
            seen = f"it gave {result!r}"
            failure: AssertionError | None = None
        except AssertionError as exc:
            seen, failure = f"it failed: {exc}", exc
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}: not true after {within:g} s; last, {seen}") from failure
        await asyncio.sleep(every)


async def make_employee(
    runtime: Runtime,
    email: str = "ada@example.com",
    name: str = "Ada Lovelace",
    *,
    role: Role = Role.EMPLOYEE,
    department: str = "Engineering",
    language: str = "en",
    telegram_id: str | None = None,
) -> Employee:
    """An employee; with `telegram_id`, one who redeemed an invite from Telegram."""
    employee = await runtime.people.create(
        EmployeeCreate(email=email, name=name, role=role, department=department, language=language)
    )
    if telegram_id is None:
        return employee
    link = await runtime.people.invite(employee.id)
    return await runtime.people.redeem_invite(
        link.invite.code, Platform.TELEGRAM, telegram_id, chat_id=telegram_id
    )


async def bearer(runtime: Runtime, role: Role, employee: Employee | None = None) -> dict[str, str]:
    token = await runtime.tokens.issue(role, f"test-{role.value}", employee)
    return {"Authorization": f"Bearer {token}"}


async def give(runtime: Runtime, employee_id: int, points: int, key: str) -> None:
    """Points for an employee, straight into the ledger (an adjustment keyed `key`)."""
    await runtime.gamification.ledger.award(
        Award(employee_id, points, "adjustment", "test", key, runtime.clock.now(), note="t")
    )


async def make_sharer(
    runtime: Runtime, email: str = "ada@example.com", **kwargs: object
) -> Employee:
    """An employee who accepted the social media policy, so they may share."""
    employee = await make_employee(runtime, email, **kwargs)  # type: ignore[arg-type]
    await runtime.policy.accept(employee, "telegram")
    return employee


async def make_open_job(
    runtime: Runtime, title: str = "Data Engineer", **fields: object
) -> JobOffer:
    job = await runtime.content.create_job(JobCreate(title=title, **fields))  # type: ignore[arg-type]
    return await runtime.content.publish_job(job.id)


async def someone_opens(runtime: Runtime, code: str, visitor: str = "a-reader") -> None:
    """A visitor opens the tracked link `code`: its click stored and classified as the
    worker does it (a browser, so a unique visit the first time)."""
    from app.referrals.clicks import ClickFacts, agent_of, new_click_id
    from app.referrals.models import TrackedLink

    link = await TrackedLink.get(code=code)
    browser = agent_of("Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0")
    now = runtime.clock.now()
    facts = ClickFacts(new_click_id(), link.id, now, visitor, browser, "", False, "")
    await runtime.click_writer.store([facts])


class AppServer(TestServer):
    """Serves the application as `portevoix run` does: through the redirect's front door
    (`DoorRunner`), which answers `/r/{code}` before the router."""

    async def _make_runner(self, **kwargs: Any) -> BaseRunner:
        return DoorRunner(self.app, **kwargs)
