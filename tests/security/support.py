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
from app.runtime import Runtime
from tests.conftest import ADMIN_TOKEN
from tests.helpers import make_employee

T = TypeVar("T")

PERSONAS = ("anonymous", "employee", "recruiter", "admin", "left")


@dataclass
class Company:
    """One person per role, each with an API token tied to them, and someone who left
    (whose token was issued before they left, and who was then marked left by HR)."""

    employee: Employee
    recruiter: Employee
    admin: Employee
    left: Employee
    tokens: dict[str, str]

    def headers(self, persona: str) -> dict[str, str]:
        token = self.tokens.get(persona)
        return {"Authorization": f"Bearer {token}"} if token else {}


async def make_company(runtime: Runtime) -> Company:
    employee = await make_employee(runtime, "emma@example.com", "Emma Employee")
    recruiter = await make_employee(
        runtime, "rita@example.com", "Rita Recruiter", role=Role.RECRUITER
    )
    admin = await make_employee(runtime, "adam@example.com", "Adam Admin", role=Role.ADMIN)
    left = await make_employee(runtime, "lena@example.com", "Lena Left", role=Role.ADMIN)
    tokens = {
        "employee": await runtime.tokens.issue(Role.EMPLOYEE, "matrix", employee),
        "recruiter": await runtime.tokens.issue(Role.RECRUITER, "matrix", recruiter),
        "admin": await runtime.tokens.issue(Role.ADMIN, "matrix", admin),
        "left": await runtime.tokens.issue(Role.ADMIN, "matrix", left),
        "bootstrap": ADMIN_TOKEN,
    }
    # Marked left behind the service's back (an HR sync writing the row), so the token
    # still exists and it is the role check that must refuse it.
    await Employee.filter(id=left.id).update(status=EmployeeStatus.LEFT)
    return Company(employee, recruiter, admin, left, tokens)


async def run_beside_loop(search: Callable[[Callable[[Awaitable[T]], T]], None]) -> None:
    """Run `search(on_loop)` in a thread; `on_loop(coro)` runs `coro` on this loop and
    returns its result to the thread."""
    loop = asyncio.get_running_loop()

    def on_loop(coro: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=30)  # type: ignore[arg-type]

    await asyncio.to_thread(search, on_loop)
