"""SCIM provisioning in the people domain: the User ↔ employee mapping, the directory
(create, find, filter, replace, patch, delete) and the SCIM tokens."""

from __future__ import annotations

from typing import Any

import pytest
from scim2_models import (
    Context,
    InvalidValueException,
    MutabilityException,
    NotFoundException,
    PatchOp,
    ScimFilter,
    UniquenessException,
)

from app.people.models import ApiToken, ChatIdentity, Employee, EmployeeStatus, Invite, Role
from app.people.scim import UserResource, provisioned
from app.runtime import Runtime
from tests.helpers import make_employee

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def user(**attributes: Any) -> UserResource:
    body = {"schemas": [CORE, ENTERPRISE], **attributes}
    return UserResource.model_validate(body, scim_ctx=Context.RESOURCE_CREATION_REQUEST)


def patch(*operations: dict[str, Any]) -> PatchOp[UserResource]:
    return PatchOp[UserResource].model_validate(
        {"schemas": [PATCH_OP], "Operations": list(operations)},
        scim_ctx=Context.RESOURCE_PATCH_REQUEST,
    )


def entra_user(
    user_name: str = "ada.l@contoso.com", email: str = "ada@contoso.com"
) -> UserResource:
    """What Entra ID posts with its default attribute mappings."""
    return user(
        externalId="0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        userName=user_name,
        active=True,
        displayName="Ada Lovelace",
        emails=[{"primary": True, "type": "work", "value": email}],
        name={"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
        addresses=[{"type": "work", "locality": "Lyon", "country": "FR"}],
        preferredLanguage="fr-FR",
        roles=[],
        **{ENTERPRISE: {"department": "Engineering", "employeeNumber": "E-1001"}},
    )


# -- the mapping --------------------------------------------------------------------------


def test_a_user_sets_the_employee_fields_of_the_documented_mapping() -> None:
    wanted = provisioned(entra_user())
    assert wanted.email == "ada@contoso.com"
    assert wanted.user_name == "ada.l@contoso.com"
    assert wanted.name == "Ada Lovelace"
    assert wanted.department == "Engineering"
    assert wanted.external_id == "E-1001"  # the HR id
    assert wanted.location == "Lyon"
    assert wanted.language == "fr"
    assert wanted.account_external_id == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    assert wanted.active is True


def test_without_emails_the_user_name_is_the_e_mail_and_names_fall_back() -> None:
    wanted = provisioned(
        user(userName="bob@contoso.com", name={"givenName": "Bob", "familyName": "Ray"})
    )
    assert (wanted.email, wanted.name) == ("bob@contoso.com", "Bob Ray")
    assert provisioned(user(userName="eve@contoso.com")).name == "eve"


def test_a_user_without_any_e_mail_is_refused() -> None:
    with pytest.raises(InvalidValueException, match="an e-mail is required"):
        provisioned(user(userName="Test_User_ab6490ee"))


def test_a_language_we_do_not_speak_and_an_unknown_zone_are_ignored() -> None:
    wanted = provisioned(
        user(userName="x@contoso.com", preferredLanguage="de-DE", timezone="Mars/Olympus")
    )
    assert (wanted.language, wanted.timezone) == (None, None)
    assert provisioned(user(userName="x@contoso.com", locale="fr_CA")).language == "fr"


# -- the directory --------------------------------------------------------------------------


async def test_creating_a_user_creates_and_invites_the_employee(runtime: Runtime) -> None:
    created = await runtime.scim.create(entra_user())
    employee = await Employee.get(id=int(created.id or 0))
    assert (employee.email, employee.department, employee.location) == (
        "ada@contoso.com",
        "Engineering",
        "Lyon",
    )
    assert (employee.external_id, employee.language, employee.language_chosen) == (
        "E-1001",
        "fr",
        True,
    )
    assert employee.status == EmployeeStatus.INVITED
    assert await Invite.filter(employee_id=employee.id).count() == 1
    assert created.user_name == "ada.l@contoso.com"
    assert created.external_id == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"


async def test_a_taken_user_name_e_mail_or_hr_id_is_a_uniqueness_error(runtime: Runtime) -> None:
    await runtime.scim.create(entra_user())
    with pytest.raises(UniquenessException):  # userName, whatever its case
        await runtime.scim.create(entra_user("ADA.L@contoso.com", "other@contoso.com"))
    with pytest.raises(UniquenessException):  # the e-mail
        await runtime.scim.create(entra_user("someone@contoso.com", "ada@contoso.com"))
    assert await Employee.all().count() == 1


async def test_the_first_sync_finds_people_imported_before_by_their_e_mail(
    runtime: Runtime,
) -> None:
    ada = await make_employee(runtime, "ada@contoso.com")
    found, total = await runtime.scim.search(
        ScimFilter[UserResource]('userName eq "Ada@Contoso.com"'), 1, 100
    )
    assert total == 1 and found[0].id == str(ada.id)
    with pytest.raises(UniquenessException):  # not a duplicate of her
        await runtime.scim.create(entra_user("ada@contoso.com", "ada@contoso.com"))
    # Entra then patches her: she is adopted, with the provider's ids.
    await runtime.scim.patch(
        str(ada.id), patch({"op": "Add", "path": "externalId", "value": "aad-1"})
    )
    found, _ = await runtime.scim.search(ScimFilter[UserResource]('externalId eq "aad-1"'), 1, 100)
    assert [r.id for r in found] == [str(ada.id)]


@pytest.mark.parametrize(
    "expression",
    [
        'userName eq "ada.l@contoso.com"',
        'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"',
        'emails[type eq "work"].value eq "ada@contoso.com"',
        'emails.value eq "ada@contoso.com"',
        f'{ENTERPRISE}:employeeNumber eq "E-1001"',
        'displayName sw "Ada" and active eq true',
    ],
)
async def test_filters_find_the_user(runtime: Runtime, expression: str) -> None:
    created = await runtime.scim.create(entra_user())
    await make_employee(runtime, "bob@contoso.com", "Bob")
    found, total = await runtime.scim.search(ScimFilter[UserResource](expression), 1, 100)
    assert total == 1 and [r.id for r in found] == [created.id]


async def test_a_filter_that_matches_nobody_finds_nobody(runtime: Runtime) -> None:
    await runtime.scim.create(entra_user())
    found, total = await runtime.scim.search(
        ScimFilter[UserResource]('userName eq "nobody@contoso.com"'), 1, 100
    )
    assert (found, total) == ([], 0)


async def test_pages_count_from_one(runtime: Runtime) -> None:
    for n in range(5):
        await make_employee(runtime, f"p{n}@contoso.com", f"P{n}")
    page, total = await runtime.scim.search(None, 2, 2)
    assert total == 5 and [r.user_name for r in page] == ["p1@contoso.com", "p2@contoso.com"]
    page, total = await runtime.scim.search(ScimFilter[UserResource]('userName sw "p"'), 5, 2)
    assert total == 5 and [r.user_name for r in page] == ["p4@contoso.com"]


async def test_entra_patches_apply_as_entra_means_them(runtime: Runtime) -> None:
    created = await runtime.scim.create(entra_user())
    updated = await runtime.scim.patch(
        created.id or "",
        patch(
            {
                "op": "Replace",
                "path": 'emails[type eq "work"].value',
                "value": "ada.lovelace@contoso.com",
            },
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Research"},
            {"op": "Add", "path": 'addresses[type eq "work"].locality', "value": "Paris"},
            {"op": "Replace", "path": "displayName", "value": "Ada King"},
        ),
    )
    employee = await Employee.get(id=int(created.id or 0))
    assert (employee.email, employee.department, employee.location, employee.name) == (
        "ada.lovelace@contoso.com",
        "Research",
        "Paris",
        "Ada King",
    )
    assert updated.emails and updated.emails[0].value == "ada.lovelace@contoso.com"


async def test_a_path_less_replace_with_a_dict_sets_each_attribute(runtime: Runtime) -> None:
    created = await runtime.scim.create(entra_user())
    await runtime.scim.patch(
        created.id or "",
        patch(
            {
                "op": "replace",
                "value": {"displayName": "Ada K", f"{ENTERPRISE}:employeeNumber": "E-2"},
            }
        ),
    )
    employee = await Employee.get(id=int(created.id or 0))
    assert (employee.name, employee.external_id) == ("Ada K", "E-2")


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "Replace", "path": "active", "value": "False"},  # Entra's string
        {"op": "replace", "value": {"active": False}},  # Okta's path-less replace
        {"op": "replace", "path": "active", "value": False},
    ],
)
async def test_deactivating_is_leaving(runtime: Runtime, operation: dict[str, Any]) -> None:
    ada = await make_employee(runtime, "ada@contoso.com", telegram_id="555")
    await runtime.tokens.issue(Role.EMPLOYEE, "phone", ada)
    result = await runtime.scim.patch(str(ada.id), patch(operation))
    assert result.active is False
    employee = await Employee.get(id=ada.id)
    assert employee.status == EmployeeStatus.LEFT
    assert await ChatIdentity.filter(employee_id=ada.id, active=True).count() == 0
    assert await ApiToken.filter(employee_id=ada.id, revoked_at=None).count() == 0


async def test_who_left_cannot_be_reactivated_nor_changed(runtime: Runtime) -> None:
    created = await runtime.scim.create(entra_user())
    user_id = created.id or ""
    await runtime.scim.patch(user_id, patch({"op": "replace", "path": "active", "value": False}))
    again = await runtime.scim.patch(
        user_id, patch({"op": "replace", "path": "active", "value": False})
    )
    assert again.active is False  # saying it twice is fine
    with pytest.raises(MutabilityException, match="does not reactivate"):
        await runtime.scim.patch(user_id, patch({"op": "replace", "path": "active", "value": True}))
    with pytest.raises(MutabilityException, match="cannot be changed"):
        await runtime.scim.patch(
            user_id, patch({"op": "replace", "path": "displayName", "value": "X"})
        )
    assert (await Employee.get(id=int(user_id))).status == EmployeeStatus.LEFT


async def test_replace_clears_what_the_new_record_leaves_out(runtime: Runtime) -> None:
    created = await runtime.scim.create(entra_user())
    await runtime.scim.replace(
        created.id or "",
        user(
            userName="ada.l@contoso.com", emails=[{"value": "ada@contoso.com"}], displayName="Ada"
        ),
    )
    employee = await Employee.get(id=int(created.id or 0))
    assert (employee.department, employee.location, employee.external_id) == ("", "", None)
    assert employee.language == "fr"  # no preferredLanguage: the language stays


async def test_delete_is_leaving_and_then_the_user_is_not_found(runtime: Runtime) -> None:
    created = await runtime.scim.create(entra_user())
    await runtime.scim.delete(created.id or "")
    assert (await Employee.get(id=int(created.id or 0))).status == EmployeeStatus.LEFT
    with pytest.raises(NotFoundException):
        await runtime.scim.get(created.id or "")
    _, total = await runtime.scim.search(
        ScimFilter[UserResource]('userName eq "ada.l@contoso.com"'), 1, 10
    )
    assert total == 0


async def test_a_failing_patch_changes_nothing(runtime: Runtime) -> None:
    created = await runtime.scim.create(entra_user())
    with pytest.raises(InvalidValueException):
        await runtime.scim.patch(
            created.id or "",
            patch(
                {"op": "replace", "path": "displayName", "value": "Changed"},
                {"op": "replace", "path": "emails", "value": []},
                {"op": "replace", "path": "userName", "value": "Test_User_no_mail"},
            ),
        )
    assert (await Employee.get(id=int(created.id or 0))).name == "Ada Lovelace"


# -- tokens --------------------------------------------------------------------------------


async def test_a_scim_token_works_until_revoked_and_is_stored_hashed(runtime: Runtime) -> None:
    token = await runtime.scim_tokens.issue("entra")
    row = await runtime.scim_tokens.authenticate(token)
    assert row is not None and row.name == "entra" and token not in row.token_hash
    assert await runtime.scim_tokens.authenticate(token + "x") is None
    await runtime.scim_tokens.revoke(row.id)
    assert await runtime.scim_tokens.authenticate(token) is None


async def test_an_api_token_is_not_a_scim_token(runtime: Runtime) -> None:
    api_token = await runtime.tokens.issue(Role.ADMIN, "admin")
    assert await runtime.scim_tokens.authenticate(api_token) is None
