"""People: employees, their chat identities, invites, the social media policy, API tokens.

Models stay inside this package; other packages use `app.people.service`.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    EMPLOYEE = "employee"
    RECRUITER = "recruiter"
    ADMIN = "admin"


class EmployeeStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    LEFT = "left"


class Platform(StrEnum):
    TELEGRAM = "telegram"
    TEAMS = "teams"


class Employee(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200)
    external_id = fields.CharField(max_length=100, null=True, unique=True)
    department = fields.CharField(max_length=100, default="")
    location = fields.CharField(max_length=100, default="")
    language = fields.CharField(max_length=5, default="en")
    # False while nobody chose the language (HR invited without one): the person's chat
    # client language (Telegram language_code, Teams locale) is adopted when they join.
    language_chosen = fields.BooleanField(default=True)
    timezone = fields.CharField(max_length=64, default="Europe/Paris")
    role = fields.CharEnumField(Role, max_length=16, default=Role.EMPLOYEE)
    status = fields.CharEnumField(EmployeeStatus, max_length=16, default=EmployeeStatus.INVITED)
    # Derived from the points ledger (gamification), cached here and updated in the same
    # transaction as each ledger entry.
    notifications_enabled = fields.BooleanField(default=True)
    # Pushes (broadcasts): categories the employee wants, and quiet hours in their time
    # zone (start hour inclusive, end hour exclusive; None = no quiet hours).
    push_jobs = fields.BooleanField(default=True)
    push_news = fields.BooleanField(default=True)
    push_digests = fields.BooleanField(default=True)
    quiet_start = fields.SmallIntField(null=True)
    quiet_end = fields.SmallIntField(null=True)
    points_balance = fields.IntField(default=0)
    lifetime_points = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    left_at = fields.DatetimeField(null=True)
    erased_at = fields.DatetimeField(null=True)

    class Meta:
        table = "employee"
        indexes = (("department",), ("status",))


class ChatIdentity(Model):
    id = fields.IntField(primary_key=True)
    employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "portevoix.Employee", related_name="chat_identities", on_delete=fields.CASCADE
    )
    platform = fields.CharEnumField(Platform, max_length=16)
    platform_user_id = fields.CharField(max_length=200)
    # What the bot needs to speak first: the Telegram chat id, or the Teams
    # conversation reference (a JSON object with serviceUrl, conversation, bot...).
    chat_id = fields.CharField(max_length=64, null=True)
    conversation_reference: dict | None = fields.JSONField(null=True)  # type: ignore[assignment]
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()

    class Meta:
        table = "chat_identity"
        unique_together = (("platform", "platform_user_id"),)


class Invite(Model):
    id = fields.IntField(primary_key=True)
    employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "portevoix.Employee", related_name="invites", on_delete=fields.CASCADE
    )
    # Kept readable on purpose: `portevoix invites --format csv` exports pending links
    # for a mail merge. It is random, single-use and expires.
    code = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invite"


class PolicyVersion(Model):
    id = fields.IntField(primary_key=True)
    version = fields.CharField(max_length=64, unique=True)
    text_en = fields.TextField()
    text_fr = fields.TextField()
    published_at = fields.DatetimeField()

    class Meta:
        table = "policy_version"


class PolicyAcceptance(Model):
    id = fields.IntField(primary_key=True)
    employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "portevoix.Employee", related_name="policy_acceptances", on_delete=fields.CASCADE
    )
    policy: fields.ForeignKeyRelation[PolicyVersion] = fields.ForeignKeyField(
        "portevoix.PolicyVersion", related_name="acceptances", on_delete=fields.RESTRICT
    )
    accepted_at = fields.DatetimeField()
    channel = fields.CharField(max_length=16)

    class Meta:
        table = "policy_acceptance"
        unique_together = (("employee", "policy"),)


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    # SHA-256 of the token: tokens are 256-bit random strings, so a fast hash is enough
    # and a leaked table gives nothing usable.
    token_hash = fields.CharField(max_length=64, unique=True)
    role = fields.CharEnumField(Role, max_length=16)
    employee: fields.ForeignKeyNullableRelation[Employee] = fields.ForeignKeyField(
        "portevoix.Employee", related_name="api_tokens", null=True, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class ReportKind(StrEnum):
    REPORT = "report"  # an employee writes to the admins (the policy promises this channel)
    ACCESS_REQUEST = "access_request"  # an unknown chat user asks to be invited


class Report(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(ReportKind, max_length=16)
    employee_id = fields.IntField(null=True)
    platform = fields.CharField(max_length=16, default="")
    platform_user_id = fields.CharField(max_length=200, default="")
    name = fields.CharField(max_length=200, default="")
    text = fields.TextField()
    created_at = fields.DatetimeField()
    handled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "report"
        indexes = (("handled_at",),)


class ScimToken(Model):
    """A bearer token of the company's identity provider (SCIM provisioning,
    `app.people.scim_tokens`): it may create, change and deactivate employees through
    `/scim/v2` and nothing else, so it is a kind of its own, not an API token."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    token_hash = fields.CharField(max_length=64, unique=True)  # SHA-256, as ApiToken
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "scim_token"


class ScimAccount(Model):
    """How the identity provider knows an employee (`app.people.scim_directory`): its
    `userName` (a UPN, not always the work e-mail) and its `externalId` (its own id
    for the person). Deleted when the provider deletes the user: the employee stays,
    as having left, and SCIM answers 404 for them from then on (RFC 7644 §3.6)."""

    id = fields.IntField(primary_key=True)
    employee: fields.OneToOneRelation[Employee] = fields.OneToOneField(
        "portevoix.Employee", related_name="scim_account", on_delete=fields.CASCADE
    )
    user_name = fields.CharField(max_length=254)
    # userName compares case-insensitively (RFC 7643 §4.1.1): its case-folded form is
    # what is unique and what filters look up.
    user_name_key = fields.CharField(max_length=254, unique=True)
    external_id = fields.CharField(max_length=200, null=True, db_index=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "scim_account"
