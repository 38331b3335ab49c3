"""The demo company a newcomer sees on first `make run`."""

from __future__ import annotations

from app import demo
from app.people.models import ChatIdentity, Employee, EmployeeStatus, PolicyAcceptance, Role
from app.runtime import Runtime


async def test_the_demo_seeds_a_living_company_once(runtime: Runtime) -> None:
    steps: list[tuple[str, int, int]] = []
    assert await demo.is_empty(runtime)
    await demo.seed(runtime, lambda step, done, total: steps.append((step, done, total)))
    employees = await Employee.all()
    assert len(employees) == demo.EMPLOYEE_COUNT
    assert {e.language for e in employees} == {"fr", "en"}
    assert len({e.department for e in employees}) == 6
    assert {e.role for e in employees} == {Role.ADMIN, Role.RECRUITER, Role.EMPLOYEE}
    statuses = {s: sum(e.status == s for e in employees) for s in EmployeeStatus}
    assert statuses[EmployeeStatus.LEFT] == 2 and statuses[EmployeeStatus.INVITED] > 0
    assert await ChatIdentity.filter(active=True).count() == statuses[EmployeeStatus.ACTIVE]
    assert await PolicyAcceptance.all().count() >= statuses[EmployeeStatus.ACTIVE]
    assert steps[-1] == ("employees", demo.EMPLOYEE_COUNT, demo.EMPLOYEE_COUNT)

    await demo.seed(runtime, lambda *a: None)
    assert await Employee.all().count() == demo.EMPLOYEE_COUNT
    assert not await demo.is_empty(runtime)
