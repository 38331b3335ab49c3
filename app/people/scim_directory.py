"""The company directory as the identity provider provisions it (SCIM 2.0 Users).

Every change goes through the people service: a user created is an employee created
and invited (as the HR import does); `active=false` or DELETE is
`PeopleService.deactivate`, today's "left" (chat accounts inactive, API tokens
revoked, sessions refused at their next request, invites dropped; bonuses follow the
rules on EmployeeLeft).

Who is in the directory: everyone the provider provisioned or adopted (a
`ScimAccount`), and every employee still with us whom it never did (so that its first
sync finds the people imported from a CSV by their e-mail as `userName`, and adopts
them instead of creating duplicates). A DELETE removes the account: the employee stays,
as having left, and is not found any more.

Leaving is final here, as everywhere in Porte-voix (`PeopleService.update` refuses to
change someone who left): `active=true` on a person who left is refused with
`mutability`, and so is any other change to them.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from scim2_models import (
    InvalidValueException,
    MutabilityException,
    NotFoundException,
    PatchOp,
    ScimFilter,
    UniquenessException,
)
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from app.clock import Clock
from app.db import transaction
from app.errors import explain
from app.people.emails import normalise_email
from app.people.errors import DuplicateEmployee
from app.people.models import Employee, EmployeeStatus, ScimAccount
from app.people.schemas import EmployeeCreate, EmployeeUpdate
from app.people.scim import PROVIDER_POLICY, Provisioned, UserResource, provisioned, to_resource
from app.people.scim_search import narrowing
from app.people.service import PeopleService

MAX_RESULTS = 200  # one page at most; ServiceProviderConfig announces it


class ScimDirectory:
    def __init__(self, clock: Clock, people: PeopleService) -> None:
        self.clock = clock
        self.people = people

    # -- reading -----------------------------------------------------------------------

    async def get(self, user_id: str) -> UserResource:
        employee, account = await self._find(user_id)
        return to_resource(employee, account)

    async def search(
        self, scim_filter: ScimFilter[UserResource] | None, start_index: int, count: int
    ) -> tuple[list[UserResource], int]:
        """One page of the users the filter matches (all without one), by id, and how
        many match in all. `start_index` counts from 1, as SCIM does."""
        offset, limit = max(start_index, 1) - 1, max(min(count, MAX_RESULTS), 0)
        query = _in_directory()
        if scim_filter is None:
            total = await query.count()
            employees = await query.order_by("id").offset(offset).limit(limit)
            return await self._resources(list(employees)), total
        narrowed = narrowing(scim_filter.ast)
        if narrowed is not None:
            query = query.filter(narrowed)
        # The database narrows by what is indexed (userName, externalId, e-mail, ids);
        # scim2-models decides, so every filter means what the RFC says.
        candidates = await self._resources(list(await query.order_by("id")))
        matched = [r for r in candidates if scim_filter.match(r)]
        return matched[offset : offset + limit], len(matched)

    # -- writing -----------------------------------------------------------------------

    async def create(self, resource: UserResource) -> UserResource:
        wanted = provisioned(resource)
        await self._check_user_name_free(wanted.user_name, None)
        try:
            draft = EmployeeCreate(
                email=wanted.email,
                name=wanted.name,
                department=wanted.department,
                location=wanted.location,
                language=wanted.language,  # type: ignore[arg-type]
                external_id=wanted.external_id,
                **({"timezone": wanted.timezone} if wanted.timezone else {}),
            )
        except ValidationError as exc:
            raise _invalid(exc) from None
        async with transaction():
            try:
                employee = await self.people.create(draft)
            except DuplicateEmployee as exc:
                raise UniquenessException(detail=exc.message) from None
            await self._save_account(employee, None, wanted)
            await self.people.invite(employee.id)  # as the HR import: a pending invite
        if not wanted.active:  # a disabled user in the provider's scope
            await self.people.deactivate(employee.id)
        return await self.get(str(employee.id))

    async def replace(self, user_id: str, resource: UserResource) -> UserResource:
        employee, account = await self._find(user_id)
        return await self._change(employee, account, provisioned(resource))

    async def patch(self, user_id: str, patch: PatchOp[UserResource]) -> UserResource:
        employee, account = await self._find(user_id)
        resource = to_resource(employee, account)
        patch.patch(resource, PROVIDER_POLICY)  # atomic: a failing operation changes nothing
        return await self._change(employee, account, provisioned(resource))

    async def delete(self, user_id: str) -> None:
        employee, _account = await self._find(user_id)
        await self.people.deactivate(employee.id)
        # Without an account, someone who left is out of the directory: 404 from now on.
        await ScimAccount.filter(employee_id=employee.id).delete()

    # -- inside ------------------------------------------------------------------------

    async def _change(
        self, employee: Employee, account: ScimAccount | None, wanted: Provisioned
    ) -> UserResource:
        before = provisioned(to_resource(employee, account))
        changes = wanted.employee_changes(before)
        if employee.status == EmployeeStatus.LEFT:
            if wanted.active:
                raise MutabilityException(
                    detail=f"{employee.name} has left the company; Porte-voix does not "
                    "reactivate people who left"
                )
            if changes or wanted.user_name != before.user_name:
                raise MutabilityException(
                    detail=f"{employee.name} has left the company and cannot be changed"
                )
            return to_resource(employee, account)
        await self._check_user_name_free(wanted.user_name, employee.id)
        try:
            update = EmployeeUpdate.model_validate(changes)
        except ValidationError as exc:
            raise _invalid(exc) from None
        async with transaction():
            try:
                employee = await self.people.update(employee.id, update)
            except DuplicateEmployee as exc:
                raise UniquenessException(detail=exc.message) from None
            await self._save_account(employee, account, wanted)
        if not wanted.active:
            await self.people.deactivate(employee.id)
        return await self.get(str(employee.id))

    async def _find(self, user_id: str) -> tuple[Employee, ScimAccount | None]:
        if not user_id.isdigit() or len(user_id) > 18:
            raise NotFoundException(detail=f"No user {user_id!r}.")
        employee = await _in_directory().get_or_none(id=int(user_id))
        if employee is None:
            raise NotFoundException(detail=f"No user {user_id}.")
        return employee, await ScimAccount.get_or_none(employee_id=employee.id)

    async def _resources(self, employees: list[Employee]) -> list[UserResource]:
        accounts = {
            a.employee_id: a  # type: ignore[attr-defined]
            for a in await ScimAccount.filter(employee_id__in=[e.id for e in employees])
        }
        return [to_resource(e, accounts.get(e.id)) for e in employees]

    async def _check_user_name_free(self, user_name: str, employee_id: int | None) -> None:
        """userName is unique in the directory, case aside (RFC 7643 §4.1.1): another
        provisioned account, or someone SCIM never knew whose e-mail it is, holds it."""
        key = user_name.casefold()
        holders = await _in_directory().filter(
            Q(scim_account__user_name_key=key)
            | Q(scim_account__id__isnull=True, email=normalise_email(user_name))
        )
        if any(holder.id != employee_id for holder in holders):
            raise UniquenessException(detail=f"userName {user_name!r} is already taken.")

    async def _save_account(
        self, employee: Employee, account: ScimAccount | None, wanted: Provisioned
    ) -> None:
        now = self.clock.now()
        values: dict[str, Any] = {
            "user_name": wanted.user_name,
            "user_name_key": wanted.user_name.casefold(),
            "external_id": wanted.account_external_id,
        }
        try:
            if account is None:
                await ScimAccount.create(
                    employee=employee, created_at=now, updated_at=now, **values
                )
            elif any(getattr(account, k) != v for k, v in values.items()):
                account.update_from_dict({**values, "updated_at": now})
                await account.save()
        except IntegrityError:
            raise UniquenessException(
                detail=f"userName {wanted.user_name!r} is already taken."
            ) from None


def _in_directory() -> QuerySet[Employee]:
    """Employees the provider can see: provisioned or adopted, or still with us."""
    return Employee.filter(erased_at=None).filter(
        Q(scim_account__id__isnull=False) | ~Q(status=EmployeeStatus.LEFT)
    )


def _invalid(exc: ValidationError) -> InvalidValueException:
    return InvalidValueException(detail=explain(exc))
