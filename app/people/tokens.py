"""API tokens: who is calling the REST API, and with which role.

A token is shown once when issued and stored as its SHA-256. `ADMIN_TOKEN` from the
environment is a bootstrap admin token that needs no row. A token tied to an employee
acts with the lower of its own role and the employee's role read at each request, so a
demotion takes effect at once on every token they hold; one of someone who left opens
nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from app.clock import Clock
from app.people.errors import EmployeeHasLeft, RoleAboveEmployee
from app.people.models import ApiToken, Employee, EmployeeStatus, Role

ROLE_RANK = {Role.EMPLOYEE: 0, Role.RECRUITER: 1, Role.ADMIN: 2}


@dataclass(frozen=True)
class Principal:
    """Who a request acts for."""

    role: Role
    employee_id: int | None
    token_name: str

    def has_role(self, needed: Role) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[needed]

    def is_employee(self, employee_id: int) -> bool:
        return self.employee_id is not None and self.employee_id == employee_id


def lower_role(first: Role, second: Role) -> Role:
    return first if ROLE_RANK[first] <= ROLE_RANK[second] else second


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenService:
    def __init__(self, clock: Clock, admin_token: str) -> None:
        self.clock = clock
        self.admin_token = admin_token

    async def issue(self, role: Role, name: str, employee: Employee | None = None) -> str:
        """A new token. One tied to an employee never grants more than that employee's
        own role: an employee's token with the admin role would make them an admin."""
        if employee is not None and employee.status == EmployeeStatus.LEFT:
            raise EmployeeHasLeft(f"{employee.name} has left the company.")
        if employee is not None and ROLE_RANK[role] > ROLE_RANK[employee.role]:
            raise RoleAboveEmployee(
                f"{employee.email} is {employee.role.value}: their token cannot be "
                f"{role.value} (change their role first)"
            )
        token = "pv_" + secrets.token_urlsafe(32)
        await ApiToken.create(
            name=name,
            token_hash=hash_token(token),
            role=role,
            employee=employee,
            created_at=self.clock.now(),
        )
        return token

    async def authenticate(self, token: str) -> Principal | None:
        """The principal for a bearer token, or None if it is unknown or revoked.

        Raises EmployeeHasLeft for a token of an employee who left: a left employee can
        do nothing, and is told so.
        """
        if self.admin_token and hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return Principal(Role.ADMIN, None, "ADMIN_TOKEN")
        row = await ApiToken.get_or_none(token_hash=hash_token(token)).prefetch_related("employee")
        if row is None or row.revoked_at is not None:
            return None
        employee = row.employee
        if employee is None:  # a service token (an HR sync, a BI tool): its own role
            return Principal(row.role, None, row.name)
        if employee.status == EmployeeStatus.LEFT:
            raise EmployeeHasLeft("This account is closed.")
        return Principal(lower_role(row.role, employee.role), employee.id, row.name)
