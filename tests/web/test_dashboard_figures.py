"""The figures of one dashboard page agree with each other, with the tables and with the
chat, and each says what it counts (issue #14: "Hires 1 · 2,500 EUR saved" stood beside
a funnel saying "Hires 0", rates were taken against clicks, the tables counted fewer
clicks than the overview with no word why)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient

from app.bots.console import ConsoleSession
from app.clock import FrozenClock
from app.people.models import Role
from app.runtime import Runtime
from tests.helpers import make_employee
from tests.known_company import START, seed
from tests.web.test_miniapp_auth import dashboard_cookie


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


def chart_funnel(page: str) -> dict[str, str]:
    """What the funnel chart shows beside each stage: "count" or "count (rate)"."""
    found = re.findall(
        r'text-anchor="end">([^<]+)</text><rect[^>]*/><text[^>]*>([^<]+)</text>', page
    )
    return dict(found)


def kpi(page: str, key: str) -> str:
    match = re.search(rf'id="kpi-{key}"[^>]*><b>([^<]*)</b>', page)
    assert match, key
    return match.group(1)


async def pages(client: TestClient, runtime: Runtime, language: str = "en") -> tuple[str, str]:
    """The overview and the tables page for the last 30 days, as a recruiter sees them."""
    rita = await make_employee(
        runtime, f"rita-{language}@example.com", "Rita", role=Role.RECRUITER, language=language
    )
    cookie = await dashboard_cookie(client, runtime, rita.id)
    overview = await (await client.get("/dashboard?days=30", headers=cookie)).text()
    tables = await (await client.get("/dashboard/tables?days=30", headers=cookie)).text()
    return overview, tables


def column(page: str, section_id: str, index: int) -> list[int]:
    section = page.split(f'id="{section_id}"')[1].split("</section>")[0]
    rows = section.split("<tbody>")[1].split("</tr>")[:-1]
    return [int(re.findall(r'<td class="num">([^<]*)</td>', row)[index]) for row in rows]


async def test_the_funnel_counts_the_hires_that_the_hires_figure_and_the_savings_count(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await seed(runtime, clock)  # candidate 1 applied on 10 October, hired on 20 November
    overview, tables = await pages(client, runtime)
    assert kpi(overview, "hires") == "1"
    assert kpi(overview, "savings") == "€2,500"
    assert chart_funnel(overview)["Hires"].startswith("1 ")  # not "0": hired in the period
    assert sum(column(tables, "table-channel", 4)) == 1  # the tables' hires column


async def test_each_funnel_rate_is_taken_against_the_stage_before_it(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await seed(runtime, clock)
    overview, _tables = await pages(client, runtime)
    assert chart_funnel(overview) == {
        "Job clicks": "8",
        "Applications": "3 (38%)",  # of 8 job clicks
        "Interviews": "1 (33%)",  # of 3 applications
        "Offers": "1 (100%)",  # of 1 interview, not 1 of 8 clicks
        "Hires": "1 (100%)",
    }


async def test_the_overview_funnel_starts_with_the_job_clicks_the_tables_add_up(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await seed(runtime, clock)
    overview, tables = await pages(client, runtime)
    first_stage = int(chart_funnel(overview)["Job clicks"])
    for by in ("job", "department", "channel"):
        assert sum(column(tables, f"table-{by}", 0)) == first_stage == 8, by
    # The unique clicks figure also counts the news post's 4; the page says so.
    assert kpi(overview, "unique") == "12"
    assert "Unique clicks on job links only" in tables
    assert "Jobs and news." in overview


async def test_stats_counts_this_week_in_the_company_time_zone(
    runtime: Runtime, clock: FrozenClock
) -> None:
    await seed(runtime, clock)  # 14 clicks and an application from 23 to 26 November
    # Monday 30 November, 00:30 in Paris: still Sunday in UTC, yet a new week here.
    clock.advance(datetime(2026, 11, 29, 23, 30, tzinfo=UTC) - clock.now())
    rita = await make_employee(runtime, "rita-chat@example.com", "Rita", role=Role.RECRUITER)
    await runtime.policy.accept(rita, "telegram")
    stats = await ConsoleSession(runtime, "rita-chat@example.com").say("/stats")
    assert "Clicks: 0 (0 unique)" in stats  # not last week's 14, as a UTC week would say
    assert stats.splitlines()[:4] == [
        "This week (2026-11-30 – 2026-11-30):",
        "Clicks: 0 (0 unique)",
        "· Job clicks: 0",
        "· Applications: 0",
    ]
    clock.advance(timedelta(hours=-1))  # Sunday 23:30 in Paris: last week, whole
    stats = await ConsoleSession(runtime, "rita-chat@example.com").say("/stats")
    assert stats.splitlines()[:4] == [
        "This week (2026-11-23 – 2026-11-29):",
        "Clicks: 14 (3 unique)",
        "· Job clicks: 2",
        "· Applications: 1 (50%)",
    ]


async def test_every_figure_says_what_it_counts_in_the_viewers_language(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await seed(runtime, clock)
    english, english_tables = await pages(client, runtime)
    french, french_tables = await pages(client, runtime, "fr")
    definitions = {
        "hires": (
            "Referrals hired in the period, on the day of the hire.",
            "Recommandations embauchées dans la période, au jour de l'embauche.",
        ),
        "savings": (
            "Hires in the period × (job board cost − referral cost) per hire.",
            "Embauches de la période × (coût job board − coût recommandation) par embauche.",
        ),
    }
    for key, (en, fr) in definitions.items():
        assert re.search(
            rf'id="kpi-{key}" title="{re.escape(en)}">.*?<small>{re.escape(en)}', english
        )
        assert f'title="{fr}"' in french.replace("&#39;", "'") and en not in french
    assert "Each percentage is the share of the stage before it." in english
    assert "Chaque pourcentage est rapporté à l&#39;étape précédente." in french
    assert "Whole days in Europe/Paris" in english
    assert "Jours entiers à l&#39;heure de Europe/Paris" in french
    assert "Clics sur les offres" in french_tables and "Job clicks" in english_tables
