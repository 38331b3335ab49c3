"""GDPR: the export holds everything the database holds about a person, and after an
erasure no text column of any table holds any of their values (both backends).

Ada is seeded through the real services as she would live in the product: she asked for
access in Telegram before her invite, joined on Telegram and Teams, accepted the policy,
shared a job (a badge), got clicks, points with an admin's note naming her, redeemed a
reward, wrote a report, referred a friend, holds an API token and a session, received an
announcement naming her, and, as an admin, wrote one.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from tortoise import Tortoise

from app.broadcasts.models import BroadcastKind
from app.gamification.ledger import Award
from app.gamification.shop import RewardDraft
from app.people.models import Employee, Platform, ReportKind, Role
from app.people.schemas import EmployeeCreate
from app.referrals.intake import CandidateDetails
from app.referrals.models import Channel, ContentType
from app.runtime import Runtime
from tests.helpers import make_open_job

TELEGRAM_ID = "987654321"
TEAMS_ID = "tenant-1:aad-ada-0001"
REFERENCE = {
    "serviceUrl": "https://smba.example/",
    "conversation": {"id": "a:conv-of-ada-lovelace"},
    "user": {"id": "29:ada-teams-user", "name": "Ada Lovelace", "aadObjectId": "aad-ada-0001"},
}
ADA_VALUES = (
    "Ada Lovelace",
    "Lovelace",
    "ada.lovelace@example.com",
    "HR-7731",
    TELEGRAM_ID,
    "aad-ada-0001",
    "29:ada-teams-user",
    "conv-of-ada-lovelace",
)
# Where each table holding rows about a person appears in the export.
SECTIONS = {
    "employee": ("employee",),
    "chat_identity": ("chat_identities",),
    "invite": ("invites",),
    "policy_acceptance": ("policy_acceptances",),
    "api_token": ("api_tokens",),
    "report": ("reports",),
    "points_entry": ("points", "ledger"),
    "gamification_profile": ("points", "profile"),
    "badge_award": ("points", "badges"),
    "redemption": ("points", "redemptions"),
    "tracked_link": ("links_and_clicks", "links"),
    "click": ("links_and_clicks", "clicks"),
    "click_by_employee": ("links_and_clicks", "click_counts"),
    "referral": ("referrals",),
    "delivery": ("pushes",),
}
PERSON_COLUMNS = ("employee_id", "referrer_id")


async def seed_ada(client: TestClient, runtime: Runtime) -> Employee:
    people = runtime.people
    await people.report(
        ReportKind.ACCESS_REQUEST,
        "Ada Lovelace, ada.lovelace@example.com, Engineering",
        platform="telegram",
        platform_user_id=TELEGRAM_ID,
        name="Ada Lovelace",
    )
    ada = await people.create(
        EmployeeCreate(
            email="ada.lovelace@example.com",
            name="Ada Lovelace",
            external_id="HR-7731",
            department="Engineering",
            role=Role.ADMIN,
        )
    )
    code = (await people.invite(ada.id)).invite.code
    await people.redeem_invite(code, Platform.TELEGRAM, TELEGRAM_ID, TELEGRAM_ID)
    code = (await people.invite(ada.id)).invite.code
    await people.redeem_invite(code, Platform.TEAMS, TEAMS_ID, conversation_reference=REFERENCE)
    await runtime.policy.accept(ada, "telegram")

    job = await make_open_job(runtime, "Data Engineer")
    [share] = await runtime.links.shares(
        ada, ContentType.JOB, job.id, [Channel.LINKEDIN], record=True
    )
    for agent in ("Mozilla/5.0 (X11; Linux) Firefox/130.0", "Mozilla/5.0 (iPhone) Safari/604"):
        await client.get(f"/r/{share.code}", headers={"User-Agent": agent}, allow_redirects=False)
    await runtime.click_worker().drain()

    await runtime.gamification.ledger.award(  # what an admin's adjustment writes
        Award(
            ada.id,
            200,
            "adjustment",
            "admin",
            "adjust:talk",
            runtime.clock.now(),
            note="Thanks Ada Lovelace for the meetup talk",
        )
    )
    mug = await runtime.shop.create_reward(RewardDraft(name_en="Mug", name_fr="Tasse", cost=50))
    redemption = await runtime.shop.redeem(ada.id, mug.id)
    await runtime.shop.move(
        redemption.id, "approve", by=ada.id, note="Ada Lovelace collects it at the desk"
    )
    await people.report(
        ReportKind.REPORT,
        "This is Ada Lovelace: a link in my post looks wrong.",
        employee_id=ada.id,
        platform="telegram",
        platform_user_id=TELEGRAM_ID,
        name="Ada Lovelace",
    )
    await runtime.referrals.intake.refer(
        ada,
        job.id,
        CandidateDetails("Grace Hopper", "grace@navy.example"),
        "Grace worked with Ada Lovelace at the Analytical Engine",
    )
    await runtime.tokens.issue(Role.ADMIN, "Ada Lovelace's laptop", ada)
    await runtime.sessions.open(ada.id)
    broadcasts = runtime.broadcasts
    await broadcasts.create(
        BroadcastKind.ANNOUNCEMENT,
        text="Congratulations to the top sharers of 2026-11: Ada Lovelace!",
        employee_ids=[ada.id],
        created_by="scheduler",
    )
    await broadcasts.create(  # what the dashboard writes when she announces something
        BroadcastKind.ANNOUNCEMENT, text="Hackathon on Friday", created_by="Ada Lovelace"
    )
    await broadcasts.expand_due()
    return await Employee.get(id=ada.id)


def section(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


async def rows_about(employee_id: int) -> dict[str, int]:
    """How many rows of each table carry this person's id, over every model."""
    counts = {}
    for model in Tortoise.apps["portevoix"].values():
        columns = set(model._meta.fields_db_projection.values())
        table = model._meta.db_table
        if table == "employee":
            counts[table] = 1
            continue
        for column in PERSON_COLUMNS:
            if column in columns:
                found = await model.filter(**{column: employee_id}).count()
                if found:
                    counts[table] = counts.get(table, 0) + found
    return counts


async def test_the_export_holds_every_row_the_database_holds_about_the_person(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await seed_ada(client, runtime)
    data = await runtime.privacy.export(ada.id)
    held = await rows_about(ada.id)
    assert {"points_entry", "badge_award", "click", "referral", "delivery"} <= set(held)
    for table, count in held.items():
        assert table in SECTIONS, f"{table} holds {count} row(s) about Ada; no export section"
        exported = section(data, SECTIONS[table])
        size = 1 if isinstance(exported, dict) else len(exported)
        assert size >= count, (table, size, count)
    assert data["employee"]["external_id"] == "HR-7731"
    teams = next(i for i in data["chat_identities"] if i["platform"] == "teams")
    assert teams["conversation_reference"] == REFERENCE
    assert {r["kind"] for r in data["reports"]} == {"access_request", "report"}
    assert data["points"]["redemptions"][0]["note"] == "Ada Lovelace collects it at the desk"
    assert "first_share" in {b["badge"] for b in data["points"]["badges"]}
    assert len(data["links_and_clicks"]["clicks"]) == 2
    assert data["api_tokens"][0]["name"] == "Ada Lovelace's laptop"
    assert len(data["sessions"]) == 1 and data["sessions"][0]["expires_in_seconds"] > 0
    assert "Grace" not in str(data["referrals"])  # the candidate's details are hers


async def text_values(runtime: Runtime) -> dict[str, list[str]]:
    """Every value of every text column of every table, read from the database's own
    catalogue (not from our models), as `table.column` -> values."""
    connection = runtime.db.db()
    if runtime.settings.database_url.startswith("postgres"):
        columns = [
            (row["table_name"], row["column_name"])
            for row in await connection.execute_query_dict(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type IN "
                "('text', 'character varying', 'character', 'json', 'jsonb')"
            )
        ]
    else:
        tables = await connection.execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
        columns = []
        for table in tables:
            for column in await connection.execute_query_dict(
                f'PRAGMA table_info("{table["name"]}")'
            ):
                kind = str(column["type"]).upper()
                if any(word in kind for word in ("CHAR", "TEXT", "JSON", "CLOB")) or not kind:
                    columns.append((table["name"], column["name"]))
    assert len(columns) > 50  # every table, not a handful
    found: dict[str, list[str]] = {}
    for table, column in columns:
        rows = await connection.execute_query_dict(
            f'SELECT CAST("{column}" AS TEXT) AS v FROM "{table}"'
        )
        found[f"{table}.{column}"] = [str(r["v"]) for r in rows if r["v"] is not None]
    return found


async def test_after_erasure_no_text_column_of_any_table_holds_any_of_the_persons_values(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await seed_ada(client, runtime)
    before = await text_values(runtime)
    assert any("lovelace" in v.lower() for values in before.values() for v in values)

    await runtime.privacy.erase(ada.id)

    leaks = [
        f"{where}: {value[:80]!r}"
        for where, values in (await text_values(runtime)).items()
        for value in values
        for wanted in ADA_VALUES
        if wanted.lower() in value.lower()
    ]
    assert leaks == []
    assert await runtime.sessions.lifetimes(ada.id) == []
    erased = await Employee.get(id=ada.id)
    assert erased.department == "Engineering"  # aggregates stay true
    assert erased.points_balance == ada.points_balance
    still = await text_values(runtime)
    assert any("Grace Hopper" in v for v in still["candidate.name"])  # not hers to erase
