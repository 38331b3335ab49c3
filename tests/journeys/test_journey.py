"""One employee's whole journey, through real `portevoix` processes, asserting what each
person sees: Ada in Telegram (the fake Bot API), her friend Grace in her mailbox (a
local SMTP server) and browser, HR at the command line, the admin through the API.

Two topologies, one per backend:
- embedded: one `portevoix run` on SQLite and the data directory's Redis, plus CLI
  commands (`invite`, `export`) against the same data directory;
- production: two `portevoix run` replicas (no proxy; Ada's updates and the visitors'
  requests go to either) and one `portevoix worker`, on PostgreSQL and Redis.

Each bug of issue 14 that broke a step has its assertion here: the /app link, the GDPR
export's completeness, the consent link kept from the referrer.
"""

from __future__ import annotations

import json
import re

import aiohttp

from app.gamification.models import Profile
from app.runtime import Runtime
from app.settings import Settings
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import eventually
from tests.journeys.conftest import WEBHOOK_SECRET, telegram_env
from tests.journeys.journey_support import (
    ADMIN,
    ATS_SECRET,
    Inbox,
    api,
    ats_event,
    body_of,
    browser,
    hidden,
    rows_holding,
    smtp,
)
from tests.processes import Processes, free_port
from tests.referrals.test_clicks import CHROME

__all__ = ["smtp"]  # the fixture
ADA = 4242  # her Telegram user id
CV = b"%PDF-1.4 Grace Hopper, rear admiral, COBOL"


class Topology:
    """The running processes, and where each person's requests go."""

    def __init__(self, processes: Processes, public: str, webs: list[str]) -> None:
        self.processes = processes
        self.public = public  # PUBLIC_BASE_URL: the links people are given
        self.webs = webs
        self.turn = 0

    def web(self) -> str:
        """The next replica (embedded: the one server)."""
        self.turn += 1
        return self.webs[self.turn % len(self.webs)]


async def start(
    processes: Processes, settings: Settings, telegram: FakeTelegram, smtp_port: int
) -> Topology:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = {
        **telegram_env(telegram),
        "PUBLIC_BASE_URL": public,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_FROM": "jobs@example.com",
        "ATS_WEBHOOK_SECRET": ATS_SECRET,
    }
    processes.common.update(env)
    _, first = await processes.web(port=port)
    webs = [first]
    if settings.redis_url:  # production: a second replica and a worker
        _, second = await processes.web()
        webs.append(second)
        processes.start("worker")
    return Topology(processes, public, webs)


class Chat:
    """Ada's Telegram, talking to whichever replica receives the webhook."""

    def __init__(self, topology: Topology, fake: FakeTelegram) -> None:
        self.topology, self.fake = topology, fake

    async def send(self, update: dict[str, object]) -> None:
        async with (
            aiohttp.ClientSession() as client,
            client.post(
                f"{self.topology.web()}/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
            ) as response,
        ):
            assert response.status == 200

    async def say(self, text: str) -> None:
        await self.send(self.fake.message(ADA, text))

    async def press(self, data: str) -> None:
        await self.send(self.fake.callback(ADA, data))

    async def sees(self, part: str, within: float = 15) -> dict[str, object]:
        return await self.fake.wait_text(part, chat_id=ADA, within=within)

    def messages(self) -> list[dict[str, object]]:
        return [p for p in self.fake.sent() if int(p.get("chat_id", 0)) == ADA]

    def seen(self) -> int:
        return len(self.messages())

    async def next_link(self, after: int, part: str, within: float = 15) -> str:
        """The first button URL containing `part` in the messages after the `after` first."""

        async def found() -> str:
            urls = [
                str(button.get("url", ""))
                for message in self.messages()[after:]
                for row in dict(message.get("reply_markup") or {}).get("inline_keyboard", [])
                for button in row
            ]
            matching = [url for url in urls if part in url]
            assert matching, f"no {part!r} in {urls}"
            return matching[0]

        return await eventually(found, within=within)

    async def next_text(self, after: int, part: str, within: float = 15) -> str:
        """The first message after the `after` first ones that contains `part`."""

        async def found() -> str:
            texts = [str(m.get("text") or m.get("caption") or "") for m in self.messages()[after:]]
            matching = [t for t in texts if part in t]
            assert matching, f"no {part!r} in {texts}"
            return matching[0]

        return await eventually(found, within=within)


async def test_an_employee_journey_from_invite_to_erasure(
    processes: Processes,
    runtime: Runtime,
    settings: Settings,
    telegram: FakeTelegram,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, smtp_port = smtp
    world = await start(processes, settings, telegram, smtp_port)
    chat = Chat(world, telegram)
    public = world.public

    # A recruiter publishes a job.
    job = await api(world.web(), "POST", "/jobs", {"title": "Data Engineer"})
    await api(world.web(), "POST", f"/jobs/{job['id']}/publish")

    # HR invites Ada at the command line; she opens the deep link in Telegram.
    invite = await processes.command(
        "invite", "ada@example.com", "--name", "Ada Lovelace", "--department", "Engineering"
    )
    assert invite.returncode == 0, invite.stderr
    deep_link = re.search(rf"https://t\.me/{telegram.username}\?start=([\w-]+)", invite.stdout)
    assert deep_link, invite.stdout
    await chat.say(f"/start {deep_link.group(1)}")
    await chat.sees("# Social media policy")
    await chat.press("policy:accept")
    await chat.sees("Welcome, Ada!")
    [ada] = (await api(world.web(), "GET", "/employees?q=ada@example.com"))["items"]

    # She shares the job on LinkedIn and gets her personal link.
    await chat.say("/jobs")
    await chat.press(f"share:job:{job['id']}")
    await chat.press(f"net:job:{job['id']}:linkedin")
    shared = await chat.sees("Your personal link")
    tracked = re.search(rf"{re.escape(public)}/r/(\w+)", str(shared["text"]))
    assert tracked, shared["text"]
    assert "+5 points for this share once someone opens your link" in str(shared["text"])

    # Her 100th unique click (99 brought before: the counter is seeded, the click is
    # real) comes from someone else's browser, to either replica.
    await Profile.filter(employee_id=ada["id"]).update(unique_clicks=99)
    before_click = chat.seen()
    async with (
        browser() as visitor,
        visitor.get(
            f"{world.web()}/r/{tracked.group(1)}",
            headers={"User-Agent": CHROME},
            allow_redirects=False,
        ) as redirect,
    ):
        assert redirect.status == 302
    # Told in the chat by whichever process stored the click (the worker in production):
    # the click also pays her share, which earns its badge.
    await chat.next_text(before_click, "New badge: 100 unique clicks!", within=30)
    await chat.next_text(before_click, "New badge: First share!")

    # Her points, as the chat shows them.
    before_me = chat.seen()
    await chat.say("/me")
    me = await chat.next_text(before_me, "points to spend")
    # /me counts the clicks stored on her links (the 99 before are only in the badge's
    # counter, which the mini app's `counters` show).
    assert "Unique clicks on your links: 1" in me
    balance = int(re.search(r"(\d+) points to spend", me).group(1))  # type: ignore[union-attr]
    assert balance == 10 + 5 + 10 + 1  # policy, first share, weekly streak, the click

    # The same figures through the API, with a token HR issues at the command line, and
    # on the leaderboard, rebuilt from the ledger by another command meanwhile.
    issued = await processes.command("token", "--role", "employee", "--employee", "ada@example.com")
    assert issued.returncode == 0, issued.stderr
    as_ada = {"Authorization": f"Bearer {issued.stdout.strip().splitlines()[-1]}"}
    points = await api(world.web(), "GET", f"/employees/{ada['id']}/points", headers=as_ada)
    assert points["balance"] == balance
    rebuilt = await processes.command("rebuild-leaderboards", "--quiet")
    assert rebuilt.returncode == 0, rebuilt.stderr
    board = await api(world.web(), "GET", "/leaderboard?period=all", headers=as_ada)
    assert (board["me"]["employee_id"], board["me"]["points"]) == (ada["id"], balance)

    # The bot's /app link opens the mini app, signed in, with the same figures.
    before_app = chat.seen()
    await chat.say("/app")
    link = await chat.next_link(before_app, "/app/login/")
    token = link.rsplit("/", 1)[1]
    assert link == f"{public}/app/login/{token}"  # it read …/app/login/http://…/login/<token>
    async with browser() as ada_browser:
        async with ada_browser.get(
            f"{public}/app/login/{token}", allow_redirects=False
        ) as signed_in:
            assert signed_in.status == 302 and signed_in.headers["Location"].endswith("/app")
        async with ada_browser.get(f"{public}/app/api/home") as home:
            assert home.status == 200
            mine = await home.json()
    assert (mine["name"], mine["balance"]) == ("Ada Lovelace", balance)
    assert mine["counters"]["unique_clicks"] == 100

    # She refers her friend Grace for the job, with her CV, in the chat.
    for step in (
        telegram.callback(ADA, f"refer:job:{job['id']}"),
        telegram.message(ADA, "Grace Hopper"),
        telegram.message(ADA, "grace@navy.example"),
        telegram.callback(ADA, "refer:skip"),
        telegram.message(ADA, "https://www.linkedin.com/in/grace"),
        telegram.document(ADA, "cv.pdf", CV),
        telegram.message(ADA, "We worked together"),
    ):
        count = chat.seen()
        await chat.send(step)
        await eventually(lambda count=count: _more(chat, count))
    await chat.sees("CV attached")
    before_confirm = chat.seen()
    await chat.press("refer:confirm")
    await eventually(lambda: _more(chat, before_confirm))

    # Grace agrees through the link in her e-mail.
    async def mailed() -> str:
        mails = inbox.to("grace@navy.example")
        assert len(mails) == 1, f"Grace's mailbox: {[m['Subject'] for m in inbox.messages]}"
        return body_of(mails[0])

    consent = re.search(rf"{re.escape(public)}/consent/\S+", await eventually(mailed))
    assert consent, "no consent link in Grace's e-mail"
    before_consent = chat.seen()
    async with browser() as grace:
        async with grace.get(consent.group(0)) as page:
            assert page.status == 200
            form = await page.text()
        assert "Ada Lovelace recommended you" in form
        async with grace.post(
            consent.group(0), data={"csrf": hidden(form, "csrf"), "decision": "accept"}
        ) as agreed:
            assert agreed.status == 200 and "Thank you!" in await agreed.text()
    await chat.next_text(before_consent, "Grace Hopper agreed to be referred for Data Engineer")

    # The ATS reports her application, then her hire; Ada hears it.
    before_hire = chat.seen()
    created = await ats_event(
        world.web(),
        {
            "id": "evt-1",
            "type": "application.created",
            "data": {
                "application_id": "ats-7",
                "job_id": job["id"],
                "candidate": {"name": "Grace Hopper", "email": "grace@navy.example"},
            },
        },
    )
    assert created["outcome"] == "applied"
    hired = await ats_event(
        world.web(),
        {
            "id": "evt-2",
            "type": "candidate.stage_changed",
            "data": {"application_id": "ats-7", "stage": "Hired"},
        },
    )
    assert hired["status"] == "hired"
    await chat.next_text(before_hire, "Grace Hopper was hired as Data Engineer")

    # She spends points on a mug; the admin approves; she is told.
    mug = await api(
        world.web(), "POST", "/rewards", {"name_en": "Mug", "name_fr": "Tasse", "cost": 20}
    )
    await chat.say("/rewards")
    await chat.sees("points. What would you like?")
    await chat.press(f"buy:{mug['id']}")
    await chat.sees("Spend 20 points on Mug?")
    await chat.press(f"buy!:{mug['id']}")
    await chat.sees("An admin will approve it soon")
    [redemption] = await api(world.web(), "GET", f"/redemptions?employee_id={ada['id']}")
    await api(world.web(), "POST", f"/redemptions/{redemption['id']}/approve", {"note": ""})
    await chat.sees("Your reward request was approved.")

    # Her GDPR export holds all of it.
    exported = await _export(world, settings, ada["id"])
    held = json.dumps(exported)
    for value, what in (
        ("ada@example.com", "her e-mail"),
        (str(ADA), "her Telegram account"),
        (tracked.group(1), "her tracked link"),
        ("clicks_100", "her badges"),
        (f'"source": "referral:{created["referral_id"]}"', "her points ledger"),
        ('"reason": "hire"', "her points ledger"),
        ('"status": "hired"', "her referral (no candidate's details: they are not hers)"),
        ("Mug", "her redemption"),
        ("linkedin", "her shares"),
    ):
        assert value in held, f"the GDPR export lacks {what} ({value!r})"
    # The candidate's consent link went to the candidate's mailbox only.
    assert "/consent/" not in json.dumps(chat.messages())

    # Erased, nothing of her stays in the database (where the search found her before).
    assert await rows_holding(runtime, "ada@example.com", "Ada Lovelace")
    await api(world.web(), "POST", f"/employees/{ada['id']}/erase")
    assert await rows_holding(runtime, "ada@example.com", "Ada Lovelace") == []


async def _more(chat: Chat, count: int) -> bool:
    return chat.seen() > count


async def _export(world: Topology, settings: Settings, employee_id: int) -> object:
    """Embedded: HR at the command line; production: the API."""
    if settings.redis_url:
        return await api(world.web(), "GET", f"/employees/{employee_id}/export", headers=ADMIN)
    result = await world.processes.command("export", "employee", "ada@example.com")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
