"""One question, one answer: every surface shows the same figure for the same period.

The known company of tests/known_company.py is read from the dashboard (overview and
tables), the CSV exports, `/api/v1/analytics`, the mini app, the chat (`/me`, `/stats`,
`/leaderboard` through the console channel), the leaderboards and the ledger, and every
figure is checked against the number the seed gives (the definitions: docs/glossary.md).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from app.bots.console import ConsoleSession
from app.clock import FrozenClock
from app.people.models import Role
from app.runtime import Runtime
from tests.helpers import bearer
from tests.known_company import PERIOD, START, WEEK, seed
from tests.web.test_miniapp_api import signed_in as miniapp_signed_in
from tests.web.test_miniapp_auth import dashboard_cookie

PARIS = ZoneInfo("Europe/Paris")  # the company's time zone (config/default.toml)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


# -- reading the surfaces ------------------------------------------------------------------

Funnel = dict[str, tuple[int, int, int, int, int, float | None]]
STAGES = ("clicks", "applications", "interviews", "offers", "hires")


def html_kpis(page: str) -> dict[str, str]:
    return dict(re.findall(r'id="kpi-(\w+)"[^>]*><b>([^<]*)</b>', page))


def html_stages(page: str) -> dict[str, tuple[int, str]]:
    """The overview's funnel (its table for screen readers): stage → (count, rate)."""
    found = re.findall(r'id="stage-(\w+)"[^>]*><th>[^<]*</th><td>(\d+)</td><td>([^<]*)</td>', page)
    return {stage: (int(count), rate) for stage, count, rate in found}


def html_table(page: str, section_id: str) -> list[list[str]]:
    match = re.search(rf'id="{section_id}">(.*?)</section>', page, re.S)
    assert match, section_id
    body = match.group(1).split("<tbody>")[1]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in body.split("</tr>")[:-1]]


def as_funnel(rows: list[list[str]]) -> Funnel:
    """Rows of (label, clicks, applications, interviews, offers, hires, days to hire)."""
    return {
        row[0]: (*(int(v) for v in row[1:6]), None if row[6] in ("", "—") else float(row[6]))
        for row in rows
    }  # type: ignore[misc]


def csv_funnel(text: str) -> Funnel:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["key", "label", *STAGES, "avg_days_to_hire"]
    return as_funnel([[row[1], *row[2:]] for row in rows[1:]])


def json_funnel(rows: list[dict]) -> Funnel:  # type: ignore[type-arg]
    return {r["label"]: (*(r[s] for s in STAGES), r["avg_days_to_hire"]) for r in rows}  # type: ignore[misc]


def total(funnel: Funnel) -> tuple[int, ...]:
    return tuple(sum(row[i] for row in funnel.values()) for i in range(5))  # type: ignore[misc]


# The period's funnel (28 October – 26 November), per dimension, from the seed:
# job clicks: 1 edge (WhatsApp) + 4 on Ada's job link + 3 on Bob's = 8;
# applications: candidate 2 (28 Oct in Paris), 3 (5 Nov), 4 (consented 25 Nov) = 3;
# interviews: candidate 2 = 1; offers: candidate 1 (1 Nov) = 1; hires: candidate 1 = 1,
# 41 days after applying on 10 October.
BY_CHANNEL: Funnel = {
    "chat": (0, 1, 0, 0, 0, None),
    "linkedin": (7, 1, 0, 1, 1, 41.0),
    "whatsapp": (1, 1, 1, 0, 0, None),
}
BY_DEPARTMENT: Funnel = {
    "Engineering": (5, 2, 1, 1, 1, 41.0),
    "Sales": (3, 1, 0, 0, 0, None),
}
BY_JOB: Funnel = {"Data Engineer": (8, 3, 1, 1, 1, 41.0)}
SHOWN = {"chat": "Chat", "linkedin": "LinkedIn", "whatsapp": "WhatsApp"}  # the page's labels


async def recruiter(client: TestClient, runtime: Runtime) -> dict[str, str]:
    rita = await runtime.people.find_by_email("rita@example.com")
    assert rita is not None
    return await dashboard_cookie(client, runtime, rita.id)


# -- the tests ------------------------------------------------------------------------------


async def test_the_period_figures_agree_on_the_dashboard_exports_and_the_api(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await seed(runtime, clock)
    cookie = await recruiter(client, runtime)
    api = await bearer(runtime, Role.RECRUITER)

    overview = await (await client.get("/dashboard?days=30", headers=cookie)).text()
    assert "28 Oct\u2009–\u200926 Nov 2026" in overview  # 2026-10-28 to 2026-11-26
    # 27 clicks of every class; 12 unique (8 on the job, 4 on the news post)
    assert html_kpis(overview) == {
        "reach": "27",
        "unique": "12",
        "applications": "3",
        "hires": "1",
        "savings": "€2,500",
    }
    # each rate is taken against the stage before it
    assert html_stages(overview) == {
        "clicks": (8, ""),
        "applications": (3, "38%"),
        "interviews": (1, "33%"),
        "offers": (1, "100%"),
        "hires": (1, "100%"),
    }
    assert ">3 (38%)</text>" in overview and ">1 (33%)</text>" in overview  # the chart too
    assert "1 referral hires × (€4,000 − €1,500) saved" in overview
    lines = dict(re.findall(r"<polyline[^>]*><title>([^<]+): (\d+)</title>", overview))
    assert lines == {"LinkedIn": "9", "WhatsApp": "1", "X": "2"}  # unique, jobs and news
    assert [row[:3] for row in html_table(overview, "top-advocates")] == [
        ["Ada Lovelace", "7", "10"],
        ["Bob Martin", "5", "17"],
    ]

    tables = await (await client.get("/dashboard/tables?days=30", headers=cookie)).text()
    expected = {"job": BY_JOB, "department": BY_DEPARTMENT, "channel": BY_CHANNEL}
    for by, funnel in expected.items():
        shown = as_funnel(html_table(tables, f"table-{by}"))
        assert shown == {SHOWN.get(key, key): row for key, row in funnel.items()}, by
        # Each grouping adds up to the overview's funnel, as the overview shows it.
        assert total(shown) == tuple(n for n, _ in html_stages(overview).values()), by
        export = await client.get(f"/dashboard/exports/funnel-by-{by}.csv?days=30", headers=cookie)
        assert csv_funnel(await export.text()) == funnel, by
        api_csv = await client.get(f"/api/v1/analytics/funnel.csv?by={by}&{PERIOD}", headers=api)
        assert csv_funnel(await api_csv.text()) == funnel, by
        api_json = await client.get(f"/api/v1/analytics/funnel?by={by}&{PERIOD}", headers=api)
        assert json_funnel(await api_json.json()) == funnel, by

    roi = await (await client.get(f"/api/v1/analytics/roi?{PERIOD}", headers=api)).json()
    assert (roi["hires"], roi["savings"], roi["currency"]) == (1, 2500.0, "EUR")
    clicks = await client.get(f"/api/v1/analytics/clicks?by=channel&{PERIOD}", headers=api)
    assert {r["key"]["channel"]: (r["raw"], r["unique"]) for r in await clicks.json()} == {
        "linkedin": (23, 9),
        "whatsapp": (1, 1),
        "x": (3, 2),
    }  # 27 clicks, 12 unique: the overview's reach and unique clicks
    job_clicks = await client.get(
        f"/api/v1/analytics/clicks?by=channel&content_type=job&{PERIOD}", headers=api
    )
    assert {r["key"]["channel"]: r["unique"] for r in await job_clicks.json()} == {
        "linkedin": 7,
        "whatsapp": 1,
    }  # the funnel's job clicks per channel


async def test_this_week_in_the_chat_is_the_dashboards_figures_for_the_week(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await seed(runtime, clock)
    api = await bearer(runtime, Role.RECRUITER)
    stats = await ConsoleSession(runtime, "rita@example.com").say("/stats")
    # Monday 23 to Thursday 26 November in Paris: 14 clicks (Ada's, Bob's news and the
    # visitor who clicked 12 times), 3 unique, 2 of them on the job; candidate 4's
    # consent on the 25th is the week's one application.
    assert stats.splitlines()[:9] == [
        "This week (2026-11-23 – 2026-11-26):",
        "Clicks: 14 (3 unique)",
        "· Job clicks: 2",
        "· Applications: 1 (50%)",
        "· Interviews: 0 (0%)",
        "· Offers: 0",
        "· Hires: 0",
        "Saved: 0 EUR",
        "Each percentage is the share of the stage before it.",
    ]
    funnel = await client.get(f"/api/v1/analytics/funnel?by=channel&{WEEK}", headers=api)
    assert total(json_funnel(await funnel.json())) == (2, 1, 0, 0, 0)
    clicks = await client.get(f"/api/v1/analytics/clicks?by=department&{WEEK}", headers=api)
    rows = await clicks.json()
    assert (sum(r["raw"] for r in rows), sum(r["unique"] for r in rows)) == (14, 3)
    roi = await (await client.get(f"/api/v1/analytics/roi?{WEEK}", headers=api)).json()
    assert roi["hires"] == 0


async def test_a_persons_figures_agree_in_the_chat_the_mini_app_the_leaderboards_and_ledger(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    company = await seed(runtime, clock)
    ada = await runtime.people.get(company.ada)
    # An application earns its points when a recruiter screens it, and a share with its
    # link's first rewarded visit (5, plus the weekly streak's 10 for the week's first).
    # Ada's November: an offer 100, a hire 500, an interview 50, candidate 2's
    # application screened on the 12th 20, 6 clicks, her news share 5 and its streak 10
    # = 691 (candidate 4 is not screened); 788 in all. Bob's November: 5 clicks, his job
    # share 5 and its streak 10, an adjustment 40 = 60 (candidate 3 is not screened).
    me = await ConsoleSession(runtime, "ada@example.com").say("/me")
    assert "788 points to spend · 788 earned in all" in me
    assert "rank #1 this month" in me
    assert "Unique clicks on your links: 8" in me  # all time: 7 in the period + 1 before

    app = await miniapp_signed_in(client, runtime, ada)
    home = await (await client.get("/app/api/home", headers=app)).json()
    assert (home["balance"], home["lifetime"], home["rank"]) == (788, 788, 1)
    assert home["counters"]["unique_clicks"] == 8
    links = await (await client.get("/app/api/links", headers=app)).json()
    assert links["total_unique"] == 7  # the last 30 days, as on the dashboard
    assert sorted((link["channel"], link["raw"], link["unique"]) for link in links["links"]) == [
        ("linkedin", 2, 2),  # the news post
        ("linkedin", 8, 5),  # the job: 5 unique, a repeat, a bot and her own click
        ("whatsapp", 1, 1),
    ]
    mine = await bearer(runtime, Role.EMPLOYEE, ada)
    own = await client.get("/api/v1/analytics/clicks?by=employee", headers=mine)
    assert [(r["raw"], r["unique"]) for r in await own.json()] == [(11, 8)]
    own_period = await client.get(f"/api/v1/analytics/clicks?by=employee&{PERIOD}", headers=mine)
    assert [(r["raw"], r["unique"]) for r in await own_period.json()] == [(10, 7)]

    month = {company.ada: 691, company.bob: 60}
    board = await (await client.get("/api/v1/leaderboard?period=month", headers=mine)).json()
    assert {r["employee_id"]: r["points"] for r in board["rows"]} == month
    app_board = await client.get("/app/api/leaderboard?period=month&scope=company", headers=app)
    assert {r["employee_id"]: r["points"] for r in (await app_board.json())["rows"]} == month
    chat_board = await ConsoleSession(runtime, "ada@example.com").say("/leaderboard")
    assert "1. Ada Lovelace · 691 ◀" in chat_board and "2. Bob Martin · 60" in chat_board

    recruiter_api = await bearer(runtime, Role.RECRUITER)
    for who, lifetime, november in ((company.ada, 788, 691), (company.bob, 756, 60)):
        points = await client.get(
            f"/api/v1/employees/{who}/points?limit=100", headers=recruiter_api
        )
        body = await points.json()
        assert (body["balance"], body["lifetime"]) == (lifetime, lifetime)
        assert sum(e["points"] for e in body["entries"]) == lifetime  # the ledger adds up
        in_november = [
            e["points"]
            for e in body["entries"]
            if datetime.fromisoformat(e["occurred_at"]).astimezone(PARIS).month == 11
        ]
        assert sum(in_november) == november  # the month's leaderboard


async def test_all_time_figures_and_the_referrals_export(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await seed(runtime, clock)
    api = await bearer(runtime, Role.RECRUITER)
    funnel = await client.get("/api/v1/analytics/funnel?by=job", headers=api)
    # candidates 8, 1, 2, 3, 4 applied through an employee; 8, 1 and 2 had interviews;
    # 8 and 1 offers and hires. The direct application, the duplicate and the one
    # waiting for consent are in no stage. Job clicks: the period's 8 and 2 October's 1;
    # days to hire: (15 + 41) / 2.
    assert json_funnel(await funnel.json()) == {"Data Engineer": (9, 5, 3, 2, 2, 28.0)}
    export = await client.get("/api/v1/analytics/referrals.csv", headers=api)
    rows = list(csv.DictReader(io.StringIO(await export.text())))
    referred = [r for r in rows if r["referrer_name"]]
    assert len(referred) == 5  # the funnel's applications
    assert sorted(r["candidate_email"] for r in referred if r["status"] == "hired") == [
        "c1@example.org",
        "c8@example.org",
    ]  # the funnel's hires
    roi = await (await client.get("/api/v1/analytics/roi", headers=api)).json()
    assert (roi["hires"], roi["savings"]) == (2, 5000.0)
