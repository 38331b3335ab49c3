"""The recruiters' and admins' dashboard in headless Chromium."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from app.chat.replies import Reply
from app.events import ReferralStatusChanged
from app.gamification.ledger import Award
from app.gamification.models import Redemption, RedemptionStatus
from app.gamification.shop import RewardDraft
from app.i18n import translator
from app.people.models import ChatIdentity, Employee, Role
from app.referrals.intake import CandidateDetails
from app.referrals.models import Referral, ReferralChange, ReferralSource, ReferralStatus
from app.referrals.pipeline import SYSTEM
from app.runtime import Runtime
from app.server import BOTS
from app.web.miniapp import LABELS
from tests.helpers import make_employee, make_open_job, make_sharer

Page = Any  # playwright.async_api.Page


async def open_dashboard(page: Page, runtime: Runtime, live_url: str, who: Employee) -> None:
    link = await runtime.logins.create(who.id, "/dashboard")
    await page.goto(live_url + link.removeprefix(runtime.settings.public_base_url))
    await page.wait_for_selector("header.top")


async def submitted_referral(runtime: Runtime, referrer: Employee) -> Referral:
    job = await make_open_job(runtime, "Data Engineer")
    outcome = await runtime.referrals.intake.refer(
        referrer,
        job.id,
        CandidateDetails("Grace Hopper", "grace@example.org", "", ""),
        source=ReferralSource.BOT,
    )
    assert outcome.referral.consent_token
    referral = await runtime.referrals.consent.give(outcome.referral.consent_token)
    assert referral is not None and referral.status == ReferralStatus.SUBMITTED
    return referral


async def test_a_recruiter_moves_a_referral_on_the_board_and_the_referrer_is_told(
    runtime: Runtime, live_server: TestServer, live_url: str, desktop: Page, phone: Page
) -> None:
    ada = await make_sharer(runtime, language="fr", telegram_id="4242")
    rita = await make_employee(runtime, "rita@example.com", "Rita", role=Role.RECRUITER)
    referral = await submitted_referral(runtime, ada)
    moves: list[ReferralStatusChanged] = []
    chat: list[tuple[str, str]] = []

    async def seen(event: ReferralStatusChanged) -> None:
        moves.append(event)

    class Telegram:  # the bot's sender, faked
        async def send(self, identity: ChatIdentity, reply: Reply) -> None:
            chat.append((identity.platform_user_id, reply.text))

    runtime.events.subscribe(ReferralStatusChanged, seen)
    live_server.app[BOTS].notifier.senders.register("telegram", Telegram())  # type: ignore[arg-type]
    await open_dashboard(desktop, runtime, live_url, rita)
    await desktop.goto(f"{live_url}/dashboard/pipeline")
    card = f"#referral-{referral.id}"
    assert await desktop.get_attribute(f"{card} >> xpath=..", "data-status") == "submitted"
    options = await desktop.locator(f"#move-{referral.id} option").evaluate_all(
        "options => options.map((o) => o.value)"
    )
    assert options == ["screening", "rejected", "withdrawn", "rejected:not_a_real_candidate"]
    await desktop.select_option(f"#move-{referral.id}", "screening")
    async with desktop.expect_navigation():
        await desktop.click(f"{card} button[type=submit]")
    assert await desktop.get_attribute(f"{card} >> xpath=..", "data-status") == "screening"
    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.SCREENING
    [change] = await ReferralChange.filter(referral_id=referral.id, to_status="screening")
    assert (change.actor, change.source) == (f"employee:{rita.id}", ReferralSource.WEB)
    [event] = moves
    assert (event.employee_id, event.old_status, event.new_status) == (
        ada.id,
        "submitted",
        "screening",
    )
    notice = await runtime.referrals.notice_for(event)
    assert notice is not None and notice.employee_id == ada.id
    assert "Grace Hopper" in notice.text and notice.language == "fr"
    # Ada's chat got it, once, in French, with the first referral's badge: a referral's
    # points (and the counter behind the badge) come with the screening.
    assert sorted(chat) == sorted(
        [("4242", "Nouveau badge : Première recommandation !"), ("4242", notice.text)]
    )
    link = await runtime.logins.create(ada.id)
    await phone.goto(live_url + link.removeprefix(runtime.settings.public_base_url))
    await phone.goto(f"{live_url}/app/referrals")
    timeline = phone.locator(f"#referral-{referral.id} .timeline li")
    await timeline.nth(2).wait_for()
    _ = translator("fr")  # Ada reads French
    assert [t.split(" · ")[0] for t in await timeline.all_inner_texts()] == [
        _(LABELS["pending_consent"]),
        _(LABELS["submitted"]),
        _(LABELS["screening"]),
    ]


async def test_a_move_the_pipeline_forbids_is_explained(
    runtime: Runtime, live_url: str, desktop: Page
) -> None:
    ada = await make_sharer(runtime)
    rita = await make_employee(runtime, "rita@example.com", "Rita", role=Role.RECRUITER)
    referral = await submitted_referral(runtime, ada)
    await open_dashboard(desktop, runtime, live_url, rita)
    await desktop.goto(f"{live_url}/dashboard/pipeline")
    # Someone else rejects it meanwhile; the stale form's move is refused with the reason.
    await runtime.referrals.pipeline.move(referral.id, ReferralStatus.REJECTED, SYSTEM)
    async with desktop.expect_navigation():
        await desktop.click(f"#referral-{referral.id} button[type=submit]")
    alert = await desktop.inner_text('[role="status"]')
    assert "its status can no longer change" in alert


async def test_an_admin_approves_a_redemption(
    runtime: Runtime, live_server: TestServer, live_url: str, desktop: Page
) -> None:
    ada = await make_sharer(runtime, telegram_id="4242")
    chat: list[str] = []

    class Telegram:  # the bot's sender, faked
        async def send(self, identity: ChatIdentity, reply: Reply) -> None:
            chat.append(reply.text)

    live_server.app[BOTS].notifier.senders.register("telegram", Telegram())  # type: ignore[arg-type]
    alan = await make_employee(runtime, "alan@example.com", "Alan", role=Role.ADMIN)
    rita = await make_employee(runtime, "rita@example.com", "Rita", role=Role.RECRUITER)
    await runtime.gamification.ledger.award(
        Award(ada.id, 300, "adjustment", "test", "seed", runtime.clock.now(), note="seed")
    )
    mug = await runtime.shop.create_reward(RewardDraft(name_en="Mug", name_fr="Tasse", cost=80))
    redemption = await runtime.shop.redeem(ada.id, mug.id)
    assert redemption.status == RedemptionStatus.REQUESTED  # a first redemption waits
    await open_dashboard(desktop, runtime, live_url, rita)
    nav = await desktop.inner_text("header.top nav")
    assert "Redemptions" not in nav  # recruiters do not approve
    response = await desktop.goto(f"{live_url}/dashboard/redemptions")
    assert response.status == 403
    await open_dashboard(desktop, runtime, live_url, alan)
    await desktop.goto(f"{live_url}/dashboard/redemptions")
    row = f"#waiting #redemption-{redemption.id}"
    assert "Ada Lovelace" in await desktop.inner_text(row)
    async with desktop.expect_navigation():
        await desktop.click(f'{row} button[data-action="approve"]')
    await redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.APPROVED
    assert redemption.decided_by == alan.id
    assert await desktop.locator(f"#approved #redemption-{redemption.id}").count() == 1
    assert await Redemption.filter(status=RedemptionStatus.REQUESTED).count() == 0
    assert chat[-1] == "Your reward request was approved."  # after "new level" for the seed
    assert chat.count(chat[-1]) == 1


async def test_the_overview_shows_kpis_and_charts(
    runtime: Runtime, live_url: str, desktop: Page
) -> None:
    rita = await make_employee(runtime, "rita@example.com", "Rita", role=Role.RECRUITER)
    await open_dashboard(desktop, runtime, live_url, rita)
    for kpi in ("reach", "unique", "applications", "hires", "savings"):
        assert await desktop.locator(f"#kpi-{kpi}").count() == 1
    assert await desktop.locator('svg.chart[role="img"]').count() == 2
    await desktop.select_option("#days", "7")
    async with desktop.expect_navigation():
        await desktop.click("#period button[type=submit]")
    assert desktop.url.endswith("/dashboard?days=7")
    await desktop.goto(f"{live_url}/dashboard/tables")
    for by in ("job", "department", "channel"):
        assert await desktop.locator(f"#table-{by}").count() == 1
    async with desktop.expect_download() as download:
        await desktop.click('a[href="/dashboard/exports/referrals.csv"] >> nth=0')
    path = await (await download.value).path()
    assert path.read_text(encoding="utf-8").startswith("referral_id,job_id,job_title")
