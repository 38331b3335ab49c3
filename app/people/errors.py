"""What can go wrong with people, invites, tokens and the policy."""

from __future__ import annotations

from app.errors import Conflict, DomainError, Forbidden, Gone, NotFound


class EmployeeNotFound(NotFound):
    code = "employee_not_found"


class DuplicateEmployee(Conflict):
    code = "duplicate_employee"


class EmployeeHasLeft(Forbidden):
    code = "employee_left"


class RoleAboveEmployee(Forbidden):
    code = "role_above_employee"


class InvalidEmployee(DomainError):
    code = "invalid_employee"


class InviteNotFound(NotFound):
    code = "invite_not_found"


class InviteExpired(Gone):
    code = "invite_expired"


class InviteAlreadyUsed(Conflict):
    code = "invite_used"


class PolicyMissing(DomainError):
    code = "policy_missing"


class ScimTokenNotFound(NotFound):
    code = "scim_token_not_found"
