"""What the security suites share: a small company with one person per role, and a way
to run a synchronous Hypothesis search beside the app's event loop.

Hypothesis runs `@given` functions synchronously; the app under test lives on pytest's
event loop. `run_beside_loop` runs the search in a worker thread and lets its examples
hand coroutines back to the loop, so every request goes through the real aiohttp stack
of the `client` fixture and the real storage backends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from app.people.models import Employee, EmployeeStatus, Role
from app.people.schemas import EmployeeUpdate
from app.runtime import Runtime
from tests.conftest import ADMIN_TOKEN
from tests.helpers import make_employee

T = TypeVar("T")

PERSONAS = ("anonymous", "employee", "recruiter", "admin", "left", "demoted")
# Telegram user ids of the personas' chat accounts (linked before anyone left or was
# demoted); "anonymous" is a Telegram user the bot does not know.
TELEGRAM_IDS = {p: str(7000 + n) for n, p in enumerate(PERSONAS)}


@dataclass
class Company:
    """One person per role, each with an API token and a Telegram account tied to them;
    someone who left (their token issued before they left, then marked left by HR); and
    a recruiter demoted to employee after their recruiter token was issued. Everyone
    accepted the social media policy. `demoted` is the row as it was before the
    demotion (a session opened then still says recruiter)."""

    employee: Employee
    recruiter: Employee
    admin: Employee
    left: Employee
    demoted: Employee
    tokens: dict[str, str]

    def headers(self, persona: str) -> dict[str, str]:
        token = self.tokens.get(persona)
        return {"Authorization": f"Bearer {token}"} if token else {}


async def make_company(runtime: Runtime) -> Company:
    people = [
        ("employee", "emma@example.com", "Emma Employee", Role.EMPLOYEE),
        ("recruiter", "rita@example.com", "Rita Recruiter", Role.RECRUITER),
        ("admin", "adam@example.com", "Adam Admin", Role.ADMIN),
        ("left", "lena@example.com", "Lena Left", Role.ADMIN),
        ("demoted", "dora@example.com", "Dora Demoted", Role.RECRUITER),
    ]
    staff: dict[str, Employee] = {}
    tokens = {"bootstrap": ADMIN_TOKEN}
    for persona, email, name, role in people:
        employee = await make_employee(
            runtime, email, name, role=role, telegram_id=TELEGRAM_IDS[persona]
        )
        await runtime.policy.accept(employee, "telegram")
        staff[persona] = employee
        tokens[persona] = await runtime.tokens.issue(role, "matrix", employee)
    # Marked left behind the service's back (an HR sync writing the row), so the token
    # and the chat account still exist and it is the role check that must refuse them.
    await Employee.filter(id=staff["left"].id).update(status=EmployeeStatus.LEFT)
    await runtime.people.update(staff["demoted"].id, EmployeeUpdate(role=Role.EMPLOYEE))
    return Company(tokens=tokens, **staff)


async def run_beside_loop(search: Callable[[Callable[[Awaitable[T]], T]], None]) -> None:
    """Run `search(on_loop)` in a thread; `on_loop(coro)` runs `coro` on this loop and
    returns its result to the thread."""
    loop = asyncio.get_running_loop()

    def on_loop(coro: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=30)  # type: ignore[arg-type]

    await asyncio.to_thread(search, on_loop)
