"""Who a single sign-on names, and with which role: the identity side of OpenID Connect
(`oidc`) and of the Teams tab (`teams_sso`), once their tokens are verified.

- **OpenID Connect**: the e-mail claim (OIDC_EMAIL_CLAIM) names the employee, through the
  normalised address (`normalise_email`), so `Ada.Lovelace@Example.com` finds
  `ada.lovelace@example.com`. A token saying `email_verified: false` proves nothing.
- **Roles from groups** (OIDC_ROLE_GROUPS, read from OIDC_GROUPS_CLAIM): the highest role
  of the person's groups, employee when none matches. By default it only lowers: the
  session is capped there, below the employee's own role, which Porte-voix still reads at
  every request (a demotion or a departure acts at once). With OIDC_ROLES_CAN_RAISE the
  provider is the authority: its role is written to the employee at each sign-in.
- **Teams tab**: the Teams account `<tid>:<oid>` the bot linked, else the employee whose
  e-mail is the token's `preferred_username` (our tenant's directory vouches for it, as in
  roster linking). Nothing is linked here: the bot links the account, with the
  conversation reference it needs to speak first, when the person talks to it.

Someone unknown, erased or gone gets `EmployeeNotFound` or `EmployeeHasLeft`, and no session.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.people.errors import EmployeeHasLeft, EmployeeNotFound
from app.people.models import Employee, EmployeeStatus, Platform, Role
from app.people.schemas import EmployeeUpdate
from app.people.service import PeopleService
from app.people.teams_sso import TeamsUser
from app.people.tokens import ROLE_RANK, lower_role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoleGroups:
    """OIDC_ROLE_GROUPS: which provider group gives which role."""

    roles: Mapping[str, Role]
    claim: str = "groups"
    can_raise: bool = False

    @classmethod
    def parse(cls, raw: str, claim: str = "groups", can_raise: bool = False) -> RoleGroups:
        """`"pv-admins=admin, pv-recruiters=recruiter"` (settings validated the syntax)."""
        roles: dict[str, Role] = {}
        for pair in (p.strip() for p in raw.split(",")):
            group, _equals, role = pair.rpartition("=")
            if group.strip():
                roles[group.strip()] = Role(role.strip())
        return cls(roles, claim, can_raise)

    def role_of(self, claims: Mapping[str, Any]) -> Role | None:
        """The role the person's groups give, or None when no group map is configured."""
        if not self.roles:
            return None
        groups = claims.get(self.claim)
        if isinstance(groups, str):
            groups = [groups]  # a provider sending one group as a string
        names: Iterable[object] = groups if isinstance(groups, list) else []
        granted = [
            self.roles[name] for name in names if isinstance(name, str) and name in self.roles
        ]
        return max(granted, key=ROLE_RANK.__getitem__, default=Role.EMPLOYEE)


@dataclass(frozen=True)
class SignedIn:
    """The employee a sign-on names, and the role its session may have (a ceiling: the
    employee's own role, read at each request, still applies)."""

    employee: Employee
    role: Role


class SingleSignOn:
    def __init__(self, people: PeopleService, email_claim: str, groups: RoleGroups) -> None:
        self.people = people
        self.email_claim = email_claim
        self.groups = groups

    async def oidc_person(self, claims: Mapping[str, Any]) -> SignedIn:
        email = claims.get(self.email_claim)
        if not isinstance(email, str) or "@" not in email:
            raise EmployeeNotFound(f"The provider gave no e-mail address ({self.email_claim}).")
        if claims.get("email_verified") is False:
            raise EmployeeNotFound(f"The provider has not verified {email}.")
        employee = await self._employee(email)
        granted = self.groups.role_of(claims)
        if granted is None:
            return SignedIn(employee, employee.role)
        if self.groups.can_raise:
            if granted != employee.role:
                log.info("oidc: employee %s is %s from the provider's groups", employee.id, granted)
                employee = await self.people.update(employee.id, EmployeeUpdate(role=granted))
            return SignedIn(employee, granted)
        return SignedIn(employee, lower_role(employee.role, granted))

    async def teams_person(self, user: TeamsUser) -> SignedIn:
        linked = await self.people.employee_for_chat(Platform.TEAMS, user.account)
        employee = linked or await self._employee(user.username)
        return SignedIn(employee, employee.role)

    async def _employee(self, email: str) -> Employee:
        employee = await self.people.find_by_email(email) if "@" in email else None
        if employee is None or employee.erased_at is not None:
            raise EmployeeNotFound(f"No employee has the address {email}.")
        if employee.status == EmployeeStatus.LEFT:
            raise EmployeeHasLeft(f"{email} belongs to someone who has left.")
        return employee
