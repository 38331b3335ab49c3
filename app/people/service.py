"""The people service: what bots, web and CLI may do with employees and their chat accounts.

Every write that touches several rows runs in one transaction, so a failure leaves
nothing half-done.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from app.clock import Clock
from app.db import given_changes, transaction
from app.i18n import LANGUAGES, translator
from app.people.emails import normalise_email
from app.people.errors import (
    DuplicateEmployee,
    EmployeeHasLeft,
    EmployeeNotFound,
    InvalidEmployee,
    InviteAlreadyUsed,
    InviteExpired,
    InviteNotFound,
)
from app.people.models import (
    ApiToken,
    ChatIdentity,
    Employee,
    EmployeeStatus,
    Invite,
    Platform,
    Report,
    ReportKind,
)
from app.people.schemas import EmployeeCreate, EmployeeFilter, EmployeeUpdate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TelegramBot:
    """The bot an invite's deep link opens (its @username), or why there is none."""

    username: str = ""
    missing: str = ""


@dataclass(frozen=True)
class InviteLink:
    employee: Employee
    invite: Invite
    telegram: TelegramBot

    @property
    def telegram_link(self) -> str | None:
        """The Telegram deep link, or None when the bot's name is unknown (see
        `telegram.missing`)."""
        if not self.telegram.username:
            return None
        return f"https://t.me/{self.telegram.username}?start={self.invite.code}"

    def message(self, company: str) -> str:
        """The invitation text, in the employee's language, for a mail merge."""
        _ = translator(self.employee.language)
        values = {
            "name": self.employee.name,
            "company": company,
            "link": self.telegram_link,
            "code": self.invite.code,
            "expires": self.invite.expires_at.date().isoformat(),
        }
        if self.telegram_link is None:
            return _(
                "Hello {name}, join {company} advocacy: give the code {code} to the "
                "company's bot in Teams. This invitation expires on {expires}."
            ).format(**values)
        return _(
            "Hello {name}, join {company} advocacy on Telegram: {link} (or give the code "
            "{code} to the Teams bot). This invitation expires on {expires}."
        ).format(**values)


class PeopleService:
    def __init__(
        self,
        clock: Clock,
        invite_valid_days: int,
        telegram_bot: Callable[[], Awaitable[TelegramBot]],
        default_language: str = "en",
    ) -> None:
        self.clock = clock
        self.invite_valid_days = invite_valid_days
        self.default_language = default_language
        self.telegram_bot = telegram_bot  # asked when an invite is shown, not at start

    # -- employees ---------------------------------------------------------------------

    async def get(self, employee_id: int) -> Employee:
        employee = await Employee.get_or_none(id=employee_id)
        if employee is None:
            raise EmployeeNotFound(f"No employee with id {employee_id}.")
        return employee

    async def find_by_email(self, email: str) -> Employee | None:
        return await Employee.get_or_none(email=normalise_email(email))

    async def search(self, where: EmployeeFilter) -> tuple[list[Employee], int]:
        query = Employee.filter(erased_at=None)
        if where.status:
            query = query.filter(status=where.status)
        if where.role:
            query = query.filter(role=where.role)
        if where.department:
            query = query.filter(department=where.department)
        if where.q:
            query = query.filter(Q(name__icontains=where.q) | Q(email__icontains=where.q))
        total = await query.count()
        items = await query.order_by("name", "id").offset(where.offset).limit(where.limit)
        return list(items), total

    async def places(self) -> tuple[set[str], set[str]]:
        """The departments and sites people work in (those who have not left), for the
        dashboard's targeting choices."""
        rows = await (
            Employee.filter(erased_at=None)
            .exclude(status=EmployeeStatus.LEFT)
            .distinct()
            .values_list("department", "location")
        )
        return {d for d, _ in rows if d}, {s for _, s in rows if s}

    async def create(self, draft: EmployeeCreate) -> Employee:
        now = self.clock.now()
        fields = draft.model_dump()
        fields["email"] = normalise_email(draft.email)
        fields["language_chosen"] = draft.language is not None
        fields["language"] = draft.language or self.default_language
        try:
            return await Employee.create(
                **fields, status=EmployeeStatus.INVITED, created_at=now, updated_at=now
            )
        except IntegrityError:
            raise DuplicateEmployee(_duplicate_message(fields)) from None

    async def update(self, employee_id: int, changes: EmployeeUpdate) -> Employee:
        employee = await self.get(employee_id)
        if employee.status == EmployeeStatus.LEFT:
            raise EmployeeHasLeft(f"{employee.name} has left the company and cannot be changed.")
        fields = given_changes(Employee, changes.model_dump(exclude_unset=True))
        if "email" in fields:
            fields["email"] = normalise_email(fields["email"])
        if "language" in fields:
            fields["language_chosen"] = True
        if not fields:
            return employee
        employee.update_from_dict({**fields, "updated_at": self.clock.now()})
        try:
            await employee.save()
        except IntegrityError:
            raise DuplicateEmployee(_duplicate_message(fields)) from None
        return employee

    async def deactivate(self, employee_id: int) -> Employee:
        """The employee has left: nothing they hold can act any more."""
        now = self.clock.now()
        async with transaction():
            employee = await self.get(employee_id)
            if employee.status == EmployeeStatus.LEFT:
                return employee
            employee.status = EmployeeStatus.LEFT
            employee.left_at = now
            employee.updated_at = now
            await employee.save()
            await ChatIdentity.filter(employee_id=employee_id).update(active=False)
            await ApiToken.filter(employee_id=employee_id, revoked_at=None).update(revoked_at=now)
            await Invite.filter(employee_id=employee_id, used_at=None).delete()
        return employee

    # -- invites -----------------------------------------------------------------------

    async def invite(self, employee_id: int) -> InviteLink:
        """A fresh one-time code for this employee; older unused codes stop working."""
        now = self.clock.now()
        async with transaction():
            employee = await self.get(employee_id)
            if employee.status == EmployeeStatus.LEFT:
                raise EmployeeHasLeft(f"{employee.name} has left the company.")
            await Invite.filter(employee_id=employee_id, used_at=None).delete()
            invite = await Invite.create(
                employee=employee,
                code=secrets.token_urlsafe(12),
                created_at=now,
                expires_at=now + timedelta(days=self.invite_valid_days),
            )
        return InviteLink(employee, invite, await self.telegram_bot())

    async def pending_invites(self) -> list[InviteLink]:
        invites = (
            await Invite.filter(used_at=None, expires_at__gt=self.clock.now())
            .prefetch_related("employee")
            .order_by("id")
        )
        bot = await self.telegram_bot()
        return [InviteLink(i.employee, i, bot) for i in invites]

    async def redeem_invite(
        self,
        code: str,
        platform: Platform,
        platform_user_id: str,
        chat_id: str | None = None,
        conversation_reference: dict[str, Any] | None = None,
        language: str | None = None,
    ) -> Employee:
        """Link a chat account to the employee the code was made for; `language` is
        what the person's chat client says (adopted if nobody chose theirs)."""
        now = self.clock.now()
        async with transaction():
            invite = await Invite.filter(code=code).select_for_update().first()
            if invite is None:
                raise InviteNotFound("This invitation code is not valid.")
            if invite.used_at is not None:
                raise InviteAlreadyUsed("This invitation has already been used.")
            if invite.expires_at <= now:
                raise InviteExpired("This invitation has expired; ask for a new one.")
            employee = await Employee.get(id=invite.employee_id)  # type: ignore[attr-defined]
            invite.used_at = now
            await invite.save(update_fields=["used_at"])
            await self._join(
                employee, platform, platform_user_id, chat_id, conversation_reference, language
            )
        return employee

    async def link_verified_email(
        self,
        email: str,
        platform: Platform,
        platform_user_id: str,
        chat_id: str | None,
        *,
        name: str,
        create: bool,
        language: str,
    ) -> Employee:
        """Link a chat account to the employee whose work e-mail the user proved they
        own (a code sent there); with `create`, an unknown address becomes an employee."""
        now = self.clock.now()
        async with transaction():
            employee = await Employee.get_or_none(email=normalise_email(email))
            if employee is None:
                if not create:
                    raise EmployeeNotFound(
                        "This address is not on the employee list; ask an admin to invite you."
                    )
                employee = await Employee.create(
                    email=normalise_email(email),
                    name=name or email.split("@")[0],
                    language=language,
                    status=EmployeeStatus.INVITED,
                    created_at=now,
                    updated_at=now,
                )
            await self._join(employee, platform, platform_user_id, chat_id, None, language)
        return employee

    async def link_by_directory_email(
        self,
        email: str,
        platform: Platform,
        platform_user_id: str,
        conversation_reference: dict[str, Any] | None,
        language: str | None = None,
    ) -> Employee | None:
        """Joining without an invite: Teams gives the e-mail the company's directory
        (Entra ID) vouches for, which is as good as an invite when the tenant is ours.
        The employee behind the account afterwards, or None if the e-mail is nobody's
        (or someone who left)."""
        employee = await self.find_by_email(email) if email else None
        if employee is None or employee.status == EmployeeStatus.LEFT or employee.erased_at:
            return None
        async with transaction():
            await self._join(
                employee, platform, platform_user_id, None, conversation_reference, language
            )
        return employee

    async def _join(
        self,
        employee: Employee,
        platform: Platform,
        platform_user_id: str,
        chat_id: str | None,
        conversation_reference: dict[str, Any] | None,
        client_language: str | None = None,
    ) -> None:
        """In the caller's transaction: link the chat account and make the employee
        active, in their chat client's language if nobody chose one for them (HR's
        choice wins). EmployeeHasLeft (the transaction undone) if they left."""
        if employee.status == EmployeeStatus.LEFT:
            raise EmployeeHasLeft("This account is closed.")
        await self._link_identity(
            employee, platform, platform_user_id, chat_id, conversation_reference
        )
        if employee.status != EmployeeStatus.INVITED:
            return
        employee.status = EmployeeStatus.ACTIVE
        employee.updated_at = self.clock.now()
        changed = ["status", "updated_at"]
        spoken = (client_language or "")[:2].lower()
        if not employee.language_chosen and spoken in LANGUAGES:
            employee.language = spoken
            employee.language_chosen = True  # the person's own client chose it
            changed += ["language", "language_chosen"]
        await employee.save(update_fields=changed)

    async def _link_identity(
        self,
        employee: Employee,
        platform: Platform,
        platform_user_id: str,
        chat_id: str | None,
        conversation_reference: dict[str, Any] | None,
    ) -> None:
        now = self.clock.now()
        identity = await ChatIdentity.get_or_none(
            platform=platform, platform_user_id=platform_user_id
        )
        if identity is None:
            await ChatIdentity.create(
                employee=employee,
                platform=platform,
                platform_user_id=platform_user_id,
                chat_id=chat_id,
                conversation_reference=conversation_reference,
                created_at=now,
                last_seen_at=now,
            )
            return
        # The chat account moves to the employee of the latest invite or directory
        # e-mail (a shared phone, a re-hire): the latest proof wins.
        if identity.employee_id != employee.id:  # type: ignore[attr-defined]
            log.warning(
                "%s account %s moves to employee %s", platform.value, platform_user_id, employee.id
            )
        identity.employee_id = employee.id  # type: ignore[attr-defined]
        if chat_id:
            identity.chat_id = chat_id
        if conversation_reference:  # a search from a group chat has none: keep the old one
            identity.conversation_reference = conversation_reference
        identity.active = True
        identity.last_seen_at = now
        await identity.save()

    async def employee_for_chat(self, platform: Platform, platform_user_id: str) -> Employee | None:
        """The employee behind a chat account, or None if unknown or no longer active."""
        identity = await ChatIdentity.get_or_none(
            platform=platform, platform_user_id=platform_user_id, active=True
        ).prefetch_related("employee")
        if identity is None or identity.employee.status == EmployeeStatus.LEFT:
            return None
        return identity.employee

    async def touch_identity(
        self,
        platform: Platform,
        platform_user_id: str,
        chat_id: str | None,
        conversation_reference: dict[str, Any] | None,
    ) -> None:
        """Keep what the bot needs to speak first up to date (Teams references change)."""
        changes: dict[str, Any] = {"last_seen_at": self.clock.now()}
        if chat_id:
            changes["chat_id"] = chat_id
        if conversation_reference:
            changes["conversation_reference"] = conversation_reference
        await ChatIdentity.filter(
            platform=platform, platform_user_id=platform_user_id, active=True
        ).update(**changes)

    async def identities(self, employee_id: int) -> list[ChatIdentity]:
        return list(await ChatIdentity.filter(employee_id=employee_id, active=True))

    async def set_preferences(
        self,
        employee_id: int,
        *,
        language: str | None = None,
        notifications: bool | None = None,
    ) -> Employee:
        employee = await self.get(employee_id)
        if language is not None:
            employee.language = language
            employee.language_chosen = True
        if notifications is not None:
            employee.notifications_enabled = notifications
        employee.updated_at = self.clock.now()
        await employee.save()
        return employee

    # -- reports to the admins -----------------------------------------------------------

    async def report(
        self,
        kind: ReportKind,
        text: str,
        *,
        employee_id: int | None = None,
        platform: str = "",
        platform_user_id: str = "",
        name: str = "",
    ) -> Report:
        clean = text.strip()[:4000]
        if not clean:
            raise InvalidEmployee("The message is empty.")
        return await Report.create(
            kind=kind,
            text=clean,
            employee_id=employee_id,
            platform=platform,
            platform_user_id=platform_user_id,
            name=name[:200],
            created_at=self.clock.now(),
        )

    async def open_reports(self, limit: int = 20) -> list[Report]:
        return list(await Report.filter(handled_at=None).order_by("created_at").limit(limit))

    async def close_report(self, report_id: int) -> None:
        await Report.filter(id=report_id, handled_at=None).update(handled_at=self.clock.now())

    # -- looked up by id (the web pages, the leaderboards) ------------------------------

    async def find(self, employee_id: int) -> Employee | None:
        """The employee, or None when there is none with this id (`get` raises)."""
        return await Employee.get_or_none(id=employee_id)

    async def by_ids(self, ids: Iterable[int]) -> dict[int, Employee]:
        """The employees with these ids that exist, by id (one query)."""
        wanted = set(ids)
        return {e.id: e for e in await Employee.filter(id__in=wanted)} if wanted else {}

    async def names_by_id(self, ids: Iterable[int]) -> dict[int, str]:
        """{id: display name} of the employees among `ids` (an id of nobody is left out).

        Many ids are read by their range, not `id IN (...)`: a year's funnel per employee
        has 10,000 of them, and building that list into SQL cost a second."""
        wanted = set(ids)
        if not wanted:
            return {}
        rows = (
            Employee.filter(id__gte=min(wanted), id__lte=max(wanted))
            if len(wanted) > NAMES_IN_LIST
            else Employee.filter(id__in=wanted)
        )
        return {i: name for i, name in await rows.values_list("id", "name") if i in wanted}

    async def deactivate_chat(self, platform: Platform, platform_user_id: str) -> None:
        """Stop writing to this chat account (the app was removed; a reinstall relinks)."""
        await ChatIdentity.filter(platform=platform, platform_user_id=platform_user_id).update(
            active=False
        )


NamesById = Callable[[Iterable[int]], Awaitable[dict[int, str]]]
NAMES_IN_LIST = 500  # above, `names_by_id` reads the ids' range


def _duplicate_message(fields: dict[str, Any]) -> str:
    if fields.get("external_id"):
        return (
            f"An employee with e-mail {fields.get('email')} or HR id "
            f"{fields['external_id']} already exists."
        )
    return f"An employee with e-mail {fields.get('email')} already exists."
