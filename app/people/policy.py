"""The social media policy every employee accepts before sharing.

The text lives in `config/policy.en.md` and `config/policy.fr.md`; each file opens with a
`version: ...` line. A new version is stored on start-up and must be accepted again.
"""

from __future__ import annotations

from pathlib import Path

from tortoise.exceptions import IntegrityError

from app.clock import Clock
from app.events import EventBus, PolicyAccepted
from app.people.errors import EmployeeHasLeft, PolicyMissing
from app.people.models import Employee, EmployeeStatus, PolicyAcceptance, PolicyVersion


def read_policy_file(path: Path) -> tuple[str, str]:
    """(version, text) of one policy file; the first line must be `version: <id>`."""
    if not path.exists():
        raise PolicyMissing(f"{path} is missing.")
    first, _, text = path.read_text(encoding="utf-8").partition("\n")
    key, _, version = first.partition(":")
    if key.strip().lower() != "version" or not version.strip():
        raise PolicyMissing(f"{path} must start with a line 'version: <id>'.")
    return version.strip(), text.strip()


class PolicyService:
    def __init__(self, clock: Clock, events: EventBus, config_dir: Path) -> None:
        self.clock = clock
        self.events = events
        self.config_dir = config_dir

    async def publish_from_files(self) -> PolicyVersion:
        """Store the version found in config/ if it is new; return the current one."""
        version_en, text_en = read_policy_file(self.config_dir / "policy.en.md")
        version_fr, text_fr = read_policy_file(self.config_dir / "policy.fr.md")
        if version_en != version_fr:
            raise PolicyMissing(
                f"policy.en.md is version {version_en} but policy.fr.md is {version_fr}; "
                "publish both languages together."
            )
        existing = await PolicyVersion.get_or_none(version=version_en)
        if existing is not None:
            return existing
        try:
            return await PolicyVersion.create(
                version=version_en, text_en=text_en, text_fr=text_fr, published_at=self.clock.now()
            )
        except IntegrityError:  # another replica stored it at the same moment
            return await PolicyVersion.get(version=version_en)

    async def current(self) -> PolicyVersion:
        policy = await PolicyVersion.all().order_by("-published_at", "-id").first()
        if policy is None:
            return await self.publish_from_files()
        return policy

    async def has_accepted_current(self, employee: Employee) -> bool:
        policy = await self.current()
        return await PolicyAcceptance.exists(employee_id=employee.id, policy_id=policy.id)

    async def accept(self, employee: Employee, channel: str) -> PolicyAcceptance:
        await employee.refresh_from_db(fields=["status"])  # may have left since it was loaded
        if employee.status == EmployeeStatus.LEFT:
            raise EmployeeHasLeft("This account is closed.")
        policy = await self.current()
        acceptance, created = await PolicyAcceptance.get_or_create(
            employee_id=employee.id,
            policy_id=policy.id,
            defaults={"accepted_at": self.clock.now(), "channel": channel},
        )
        if created:
            await self.events.publish(PolicyAccepted(employee.id, policy.version))
        return acceptance
