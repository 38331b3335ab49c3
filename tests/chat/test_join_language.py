"""The language an invited employee is spoken to in: HR's explicit choice wins; left
unset, the person's own chat client language (Telegram `language_code`, Teams locale) is
adopted when they join."""

from __future__ import annotations

from app.people.models import Employee, Platform
from app.people.schemas import EmployeeCreate
from app.runtime import Runtime
from app.settings import Settings
from tests.bots.teams_support import ADA as TEAMS_ADA
from tests.bots.teams_support import TeamsWorld
from tests.channel_fixtures import TelegramWorld
from tests.test_cli import portevoix

TELEGRAM_ADA = 1001


async def invited(runtime: Runtime, language: str | None) -> tuple[Employee, str]:
    """Ada, invited by HR with `language` (None: HR did not say)."""
    chosen = {} if language is None else {"language": language}
    ada = await runtime.people.create(
        EmployeeCreate(email="ada@example.com", name="Ada Lovelace", **chosen)  # type: ignore[arg-type]
    )
    return ada, (await runtime.people.invite(ada.id)).invite.code


async def test_a_french_telegram_gets_the_french_policy_when_hr_did_not_choose(
    telegram: TelegramWorld,
) -> None:
    runtime, fake = telegram.runtime, telegram.fake
    ada, code = await invited(runtime, None)
    assert ada.language == "en"  # DEFAULT_LANGUAGE until she joins
    await telegram.send(fake.message(TELEGRAM_ADA, f"/start {code}", language="fr"))
    policy, prompt = await fake.wait_for(2)
    assert policy["text"].startswith("# Charte réseaux sociaux")
    assert "Social media policy" not in policy["text"] + prompt["text"]
    assert (await Employee.get(id=ada.id)).language == "fr"


async def test_hr_choosing_english_wins_over_a_french_telegram(telegram: TelegramWorld) -> None:
    runtime, fake = telegram.runtime, telegram.fake
    ada, code = await invited(runtime, "en")
    await telegram.send(fake.message(TELEGRAM_ADA, f"/start {code}", language="fr"))
    policy, _prompt = await fake.wait_for(2)
    assert policy["text"].startswith("# Social media policy")
    assert (await Employee.get(id=ada.id)).language == "en"


async def test_a_language_we_do_not_speak_keeps_the_default(telegram: TelegramWorld) -> None:
    runtime, fake = telegram.runtime, telegram.fake
    ada, code = await invited(runtime, None)
    await telegram.send(fake.message(TELEGRAM_ADA, f"/start {code}", language="de"))
    policy, _prompt = await fake.wait_for(2)
    assert policy["text"].startswith("# Social media policy")
    assert (await Employee.get(id=ada.id)).language == "en"


async def test_a_french_teams_client_is_adopted_when_the_roster_links_them(
    teams: TeamsWorld,
) -> None:
    runtime, fake = teams.runtime, teams.fake
    ada, _code = await invited(runtime, None)
    fake.members[TEAMS_ADA.id] = fake.member(TEAMS_ADA)
    install = teams.install(TEAMS_ADA)
    install["locale"] = "fr-FR"
    assert await teams.post(install) == 200
    policy, _prompt = fake.to(TEAMS_ADA.conversation_id)
    assert "Charte réseaux sociaux" in policy.text
    assert (await Employee.get(id=ada.id)).language == "fr"


async def test_the_invite_command_without_language_leaves_it_to_the_person(
    runtime: Runtime, settings: Settings
) -> None:
    result = portevoix("invite", "ada@example.com", "--name", "Ada Lovelace", settings=settings)
    assert result.returncode == 0, result.stderr
    code = result.stdout.split("Code:")[1].split()[0]
    ada = await runtime.people.redeem_invite(code, Platform.TELEGRAM, "1001", language="fr")
    assert ada.language == "fr"
    chosen = portevoix(
        "invite", "bob@example.com", "--name", "Bob", "--language", "en", settings=settings
    )
    code = chosen.stdout.split("Code:")[1].split()[0]
    bob = await runtime.people.redeem_invite(code, Platform.TELEGRAM, "1002", language="fr")
    assert bob.language == "en"
