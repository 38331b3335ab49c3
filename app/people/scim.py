"""An employee as a SCIM 2.0 User (RFC 7643), and the employee a User describes.

The resource model, its validation, PATCH and filters are scim2-models'; this module is
only the mapping, in both directions, so what we answer and what we read agree:

| SCIM attribute                                   | employee                            |
|--------------------------------------------------|-------------------------------------|
| `id`                                             | `id`                                |
| `userName`                                       | the provider's account (else e-mail)|
| `externalId`                                     | the provider's account              |
| `displayName` (else `name.formatted`, else       | `name`                              |
|  `name.givenName name.familyName`, else userName)|                                     |
| `emails`: primary, else `work`, else first       | `email` (else `userName` if one)    |
| `active`                                         | not `left`                          |
| enterprise `department`                          | `department`                        |
| enterprise `employeeNumber`                      | `external_id` (the HR id)           |
| `addresses[type eq "work"].locality` (else the   | `location` (the site)               |
|  first address's locality)                       |                                     |
| `preferredLanguage`, else `locale` (`fr-FR`)     | `language` (en, fr; others ignored) |
| `timezone` (IANA)                                | `timezone` (unknown zones ignored)  |

What Porte-voix does not keep (phone numbers, titles, the name's parts, passwords Okta
sends) is read and dropped: the product needs none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import EmailStr, TypeAdapter, ValidationError
from scim2_models import (
    Address,
    Email,
    EnterpriseUser,
    InvalidValueException,
    Meta,
    Name,
    ScimPolicy,
    User,
)

from app.i18n import LANGUAGES
from app.people.models import Employee, EmployeeStatus, ScimAccount

UserResource = User[EnterpriseUser]

# What an identity provider sends that the RFC does not say: attributes and schemas of
# its own (Okta's custom profile, Entra's extension) are dropped rather than refused;
# Entra's `remove` carrying a value, and its `replace` of `emails[type eq "work"].value`
# on a user with no work e-mail yet, are applied as Entra means them.
PROVIDER_POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

_EMAIL: TypeAdapter[str] = TypeAdapter(EmailStr)


@dataclass(frozen=True)
class Provisioned:
    """What a User resource sets: the employee's fields, and the provider's account."""

    email: str
    name: str
    department: str
    location: str
    external_id: str | None  # the HR id (employeeNumber)
    language: str | None  # None: the resource says nothing we can use
    timezone: str | None
    active: bool
    user_name: str
    account_external_id: str | None  # the provider's own id of the person

    def employee_changes(self, before: Provisioned) -> dict[str, object]:
        """The employee fields that differ from `before` (language and time zone only
        when the resource gives one)."""
        changes: dict[str, object] = {}
        for key in ("email", "name", "department", "location", "external_id"):
            if getattr(self, key) != getattr(before, key):
                changes[key] = getattr(self, key)
        for key in ("language", "timezone"):
            value = getattr(self, key)
            if value is not None and value != getattr(before, key):
                changes[key] = value
        return changes


def to_resource(employee: Employee, account: ScimAccount | None) -> UserResource:
    """The employee as the provider sees them."""
    enterprise = EnterpriseUser(
        department=employee.department or None, employee_number=employee.external_id
    )
    resource = UserResource(
        id=str(employee.id),
        external_id=account.external_id if account else None,
        user_name=account.user_name if account else employee.email,
        display_name=employee.name,
        name=Name(formatted=employee.name),
        emails=[Email(value=employee.email, type=Email.Type.work, primary=True)],
        addresses=(
            [Address(type=Address.Type.work, locality=employee.location)]
            if employee.location
            else None
        ),
        preferred_language=employee.language,
        timezone=employee.timezone,
        active=employee.status != EmployeeStatus.LEFT,
        meta=Meta(
            resource_type="User",
            created=_utc(employee.created_at),
            last_modified=_utc(max(employee.updated_at, account.updated_at))
            if account
            else _utc(employee.updated_at),
        ),
    )
    if enterprise.department or enterprise.employee_number:
        resource[EnterpriseUser] = enterprise
    return resource


def provisioned(resource: UserResource) -> Provisioned:
    """What the resource sets, or InvalidValueException (400 `invalidValue`) saying
    which attribute is missing or unusable."""
    user_name = (resource.user_name or "").strip()
    if not user_name:
        raise InvalidValueException(detail="userName is required")
    email = _email(resource, user_name)
    enterprise = resource[EnterpriseUser]
    return Provisioned(
        email=email,
        name=_name(resource, user_name)[:200],
        department=_label(enterprise.department if enterprise else None),
        location=_label(_site(resource)),
        external_id=_label(enterprise.employee_number if enterprise else None) or None,
        language=_language(resource.preferred_language) or _language(resource.locale),
        timezone=_timezone(resource.timezone),
        active=resource.active is not False,
        user_name=user_name[:254],
        account_external_id=(resource.external_id or None),
    )


def _email(resource: UserResource, user_name: str) -> str:
    emails = [e for e in resource.emails or [] if e.value]
    chosen = (
        next((e for e in emails if e.primary), None)
        or next((e for e in emails if e.type == Email.Type.work), None)
        or (emails[0] if emails else None)
    )
    if chosen is not None and chosen.value:
        return str(chosen.value)
    try:
        return str(_EMAIL.validate_python(user_name))
    except ValidationError:
        raise InvalidValueException(
            detail="an e-mail is required: send emails (a work address), or a userName "
            "that is an e-mail address"
        ) from None


def _name(resource: UserResource, user_name: str) -> str:
    if resource.display_name and resource.display_name.strip():
        return resource.display_name.strip()
    name = resource.name
    if name is not None:
        if name.formatted and name.formatted.strip():
            return name.formatted.strip()
        parts = " ".join(p.strip() for p in (name.given_name, name.family_name) if p)
        if parts:
            return parts
    return user_name.split("@")[0]


def _site(resource: UserResource) -> str | None:
    addresses = [a for a in resource.addresses or [] if a.locality]
    work = next((a for a in addresses if a.type == Address.Type.work), None)
    chosen = work or (addresses[0] if addresses else None)
    return chosen.locality if chosen else None


def _label(value: str | None) -> str:
    return (value or "").strip()[:100]


def _language(tag: str | None) -> str | None:
    """`fr`, `fr-FR`, `fr_CA` → `fr`; a language we do not speak → None."""
    spoken = (tag or "").strip()[:2].lower()
    return spoken if spoken in LANGUAGES else None


def _timezone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
