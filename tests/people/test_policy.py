"""The social media policy: stored from config/, accepted once per version."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from app.clock import FrozenClock
from app.events import PolicyAccepted
from app.people.errors import EmployeeHasLeft, PolicyMissing
from app.people.models import PolicyAcceptance
from app.people.policy import PolicyService
from app.runtime import Runtime
from app.settings import config_dir
from tests.helpers import make_employee


def write_policy(folder: Path, version: str) -> None:
    for language in ("en", "fr"):
        text = (config_dir() / f"policy.{language}.md").read_text().split("\n", 1)[1]
        (folder / f"policy.{language}.md").write_text(f"version: {version}\n{text}")


async def test_the_policy_files_are_stored_with_their_version(runtime: Runtime) -> None:
    policy = await runtime.policy.current()
    assert policy.version == "2026-11-01"
    assert policy.text_fr.startswith("# Charte")
    assert policy.text_en.startswith("# Social media policy")


async def test_accepting_twice_records_once(runtime: Runtime) -> None:
    events: list[PolicyAccepted] = []

    async def record(event: PolicyAccepted) -> None:
        events.append(event)

    runtime.events.subscribe(PolicyAccepted, record)
    ada = await make_employee(runtime)
    assert not await runtime.policy.has_accepted_current(ada)
    await runtime.policy.accept(ada, "telegram")
    await runtime.policy.accept(ada, "teams")
    assert await runtime.policy.has_accepted_current(ada)
    assert await PolicyAcceptance.all().count() == 1
    assert len(events) == 1


async def test_a_new_version_must_be_accepted_again(
    runtime: Runtime, clock: FrozenClock, tmp_path: Path
) -> None:
    ada = await make_employee(runtime)
    write_policy(tmp_path, "v1")
    service = PolicyService(runtime.clock, runtime.events, tmp_path)
    await service.publish_from_files()
    await service.accept(ada, "telegram")
    write_policy(tmp_path, "v2")
    clock.advance(timedelta(minutes=1))
    await service.publish_from_files()
    assert (await service.current()).version == "v2"
    assert not await service.has_accepted_current(ada)


async def test_mismatched_language_versions_are_refused(tmp_path: Path, runtime: Runtime) -> None:
    write_policy(tmp_path, "v1")
    shutil.copy(config_dir() / "policy.fr.md", tmp_path / "policy.fr.md")
    service = PolicyService(runtime.clock, runtime.events, tmp_path)
    with pytest.raises(PolicyMissing, match="publish both languages together"):
        await service.publish_from_files()


async def test_a_left_employee_cannot_accept(runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    await runtime.people.deactivate(ada.id)
    with pytest.raises(EmployeeHasLeft):
        await runtime.policy.accept(ada, "telegram")
