"""One installation, one state: every `portevoix` command on a data directory sees and
changes what the running `portevoix run` serves, and what a command wrote while no
server ran is there when the server starts (embedded mode, real processes)."""

from __future__ import annotations

import re

import aiohttp

from app.runtime import Runtime
from tests.conftest import ADMIN_TOKEN
from tests.helpers import make_sharer
from tests.processes import Processes

LINK = re.compile(r"(https?://\S+/app/login/([A-Za-z0-9_-]+))\s*$", re.MULTILINE)


async def sign_in_link(processes: Processes, base: str, email: str, **env: str) -> str:
    """The link the bot's `/app` command gives in `portevoix chat` (its token part)."""
    chat = await processes.command(
        "chat", "--as", email, stdin="/app\n", PUBLIC_BASE_URL=base, **env
    )
    assert chat.returncode == 0, chat.stderr
    found = LINK.search(chat.stdout)
    assert found, chat.stdout
    return found.group(2)


async def opens(base: str, token: str) -> int:
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(f"{base}/app/login/{token}", allow_redirects=False) as response,
    ):
        if response.status == 302:
            assert response.headers["Location"].endswith("/app")
            assert "pv_session" in response.cookies
        return response.status


async def test_a_sign_in_link_given_by_a_command_opens_the_running_server_once(
    embedded_only: None, processes: Processes, runtime: Runtime
) -> None:
    await make_sharer(runtime)
    _, base = await processes.web()
    token = await sign_in_link(processes, base, "ada@example.com")
    assert await opens(base, token) == 302
    assert await opens(base, token) == 410  # one-time


async def test_a_sign_in_link_given_while_no_server_runs_works_once_it_starts(
    embedded_only: None, processes: Processes, runtime: Runtime
) -> None:
    await make_sharer(runtime)
    base = "http://127.0.0.1:{port}"
    # The data directory's Redis stops as soon as the command is done: the link must
    # come back from its snapshot.
    token = await sign_in_link(processes, base, "ada@example.com", EMBEDDED_REDIS_IDLE_SECONDS="0")
    _, base = await processes.web()
    assert await opens(base, token) == 302


async def test_rebuild_leaderboards_changes_what_the_running_server_shows(
    embedded_only: None, processes: Processes, runtime: Runtime
) -> None:
    _, base = await processes.web()
    # Points written to the ledger behind the server's back (this test keeps its own
    # Redis), as after a restore from backup: the server's boards do not know them.
    ada = await make_sharer(runtime)  # 10 points for the policy
    assert await leaderboard(base) == []
    rebuilt = await processes.command("rebuild-leaderboards", "--quiet")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt from 1 ledger groups" in rebuilt.stdout
    assert await leaderboard(base) == [(ada.id, 10)]


async def test_a_server_whose_redis_never_had_the_boards_builds_them_from_the_ledger(
    embedded_only: None, processes: Processes, runtime: Runtime
) -> None:
    ada = await make_sharer(runtime)  # in the ledger before the data directory's Redis
    _, base = await processes.web()
    assert await leaderboard(base) == [(ada.id, 10)]


async def leaderboard(base: str) -> list[tuple[int, int]]:
    """The all-time company board as the server shows it: (employee id, points)."""
    async with (
        aiohttp.ClientSession() as client,
        client.get(
            f"{base}/api/v1/leaderboard?period=all",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        ) as response,
    ):
        assert response.status == 200, await response.text()
        body = await response.json()
    return [(row["employee_id"], row["points"]) for row in body["rows"]]


async def test_a_second_server_on_the_same_data_directory_stops_with_one_line(
    embedded_only: None, processes: Processes, runtime: Runtime
) -> None:
    first, base = await processes.web()
    second = await processes.command("run", PORT="1")
    assert second.returncode == 1
    [line] = second.stderr.strip().splitlines()
    assert line.startswith("portevoix: ") and "is already served by portevoix run" in line
    assert f"pid {first.pid}" in line
    async with aiohttp.ClientSession() as client, client.get(f"{base}/readyz") as ready:
        assert ready.status == 200  # the first one is untouched
