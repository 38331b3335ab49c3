"""A known company for the figures tests: clicks of every class on jobs and news across
channels and days (some outside the dashboard's 30 days, one inside it only by the
company's time zone), referrals at every stage, a hire of a referral submitted before the
period, a direct application, a duplicate, one waiting for consent, and ledger entries,
all made through the real services. The comments give the figures each event moves;
tests/test_figures_consistency.py spells out every figure.

"Now" is Thursday 26 November 2026, 10:30 in Paris: the dashboard's 30 days are 28
October to 26 November; this week is 23 to 26 November.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from app.clock import FrozenClock
from app.jobs.schemas import NewsCreate
from app.people.models import Role
from app.referrals.clicks import ClickFacts, agent_of, new_click_id
from app.referrals.intake import CandidateDetails
from app.referrals.models import Channel, ContentType, Referral, ReferralSource
from app.referrals.models import ReferralStatus as S
from app.referrals.pipeline import Actor
from app.runtime import Runtime
from tests.helpers import give, make_open_job, make_sharer
from tests.referrals.test_clicks import CHROME

RECRUITER = Actor("employee:1", ReferralSource.API)
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
START = datetime(2026, 10, 1, 8, tzinfo=UTC)  # the test's clock starts here
PERIOD = "from=2026-10-28&to=2026-11-26"  # the dashboard's "last 30 days"
WEEK = "from=2026-11-23&to=2026-11-26"  # /stats: this week so far


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Company:
    ada: int
    bob: int
    job: int


def person(n: int) -> CandidateDetails:
    return CandidateDetails(f"Candidate {n}", f"c{n}@example.org")


async def seed(runtime: Runtime, clock: FrozenClock) -> Company:
    """The known company; the comments give the figures each event moves."""
    ada = await make_sharer(runtime, department="Engineering")  # +10 points (policy)
    bob = await make_sharer(runtime, "bob@example.com", name="Bob Martin", department="Sales")
    await make_sharer(runtime, "rita@example.com", name="Rita", role=Role.RECRUITER)
    job = await make_open_job(runtime, "Data Engineer")
    news = await runtime.content.create_news(NewsCreate(title="We opened in Lyon"))
    await runtime.content.publish_news(news.id)
    shares = runtime.links.shares
    codes = {
        "ada_job_li": (await shares(ada, ContentType.JOB, job.id, [Channel.LINKEDIN]))[0].code,
        "ada_job_wa": (await shares(ada, ContentType.JOB, job.id, [Channel.WHATSAPP]))[0].code,
        "ada_news_li": (await shares(ada, ContentType.NEWS, news.id, [Channel.LINKEDIN]))[0].code,
        "bob_job_li": (await shares(bob, ContentType.JOB, job.id, [Channel.LINKEDIN]))[0].code,
        "bob_news_x": (await shares(bob, ContentType.NEWS, news.id, [Channel.X]))[0].code,
    }
    intake, pipeline = runtime.referrals.intake, runtime.referrals.pipeline

    async def applies(n: int, link: str | None) -> Referral:
        attribution = await intake.attribution(codes[link]) if link else None
        return (await intake.apply(job.id, person(n), attribution)).referral

    async def walk(referral: Referral, *statuses: S) -> None:
        for status in statuses:
            await pipeline.move(referral.id, status, RECRUITER)

    def to(moment: datetime) -> None:
        clock.advance(moment - clock.now())

    to(at(10, 5))
    r8 = await applies(8, "bob_job_li")  # outside the period from application to hire
    to(at(10, 8))
    await walk(r8, S.SCREENING, S.INTERVIEW)
    to(at(10, 10))
    r1 = await applies(1, "ada_job_li")  # applied before the period ...
    to(at(10, 20))
    await walk(r1, S.SCREENING, S.INTERVIEW)
    await walk(r8, S.OFFER, S.HIRED)
    to(at(10, 27, 23, 30))  # 00:30 on 28 October in Paris: inside the period
    r2 = await applies(2, "ada_job_wa")
    to(at(11, 1))
    await walk(r1, S.OFFER)
    to(at(11, 5))
    await applies(3, "bob_job_li")
    to(at(11, 12))
    await walk(r2, S.SCREENING, S.INTERVIEW)
    to(at(11, 13))
    await walk(r2, S.REJECTED)
    to(at(11, 15))
    await applies(5, None)  # a direct application: no referrer, in no funnel
    to(at(11, 20))
    await walk(r1, S.HIRED)  # ... and hired in it, 41 days after applying
    to(at(11, 24))
    r4 = await intake.refer(ada, job.id, person(4), "A friend from school")
    await intake.refer(bob, job.id, person(6), "Waits for consent: never counted")
    await intake.refer(ada, job.id, person(3), "A duplicate of Bob's: never counted")
    to(at(11, 25))
    assert r4.referral.consent_token
    await runtime.referrals.consent.give(r4.referral.consent_token)  # applied this week
    await give(runtime, bob.id, 40, "adjustment:bob")  # an admin's adjustment
    to(NOW)
    await store_clicks(runtime, codes, await runtime.sessions.open(ada.id))
    return Company(ada.id, bob.id, job.id)


async def store_clicks(runtime: Runtime, codes: dict[str, str], ada_session: str) -> None:
    """Clicks of every class through the click writer (as the worker stores them)."""
    ids = {}
    for name, code in codes.items():
        attribution = await runtime.referrals.intake.attribution(code)
        assert attribution is not None
        ids[name] = attribution.link_id
    bot = "TelegramBot (like TwitterBot)"
    visits: list[tuple[str, datetime, str, str, bool, str]] = [
        # before the period: 2 unique (Ada's job, Bob's news)
        ("ada_job_li", at(10, 2, 12), "old1", CHROME, False, ""),
        ("bob_news_x", at(10, 2, 12), "old2", CHROME, False, ""),
        # 28 October in Paris (27 October in UTC): 1 unique job click on WhatsApp
        ("ada_job_wa", at(10, 27, 23, 30), "edge", CHROME, False, ""),
        # 10 November: Ada's job on LinkedIn, 3 unique, a repeat, a bot, her own click
        *[("ada_job_li", at(11, 10, 12), f"a{i}", CHROME, False, "") for i in range(3)],
        ("ada_job_li", at(11, 10, 12, 1), "a0", CHROME, False, ""),
        ("ada_job_li", at(11, 10, 12, 2), "preview", bot, False, ""),
        ("ada_job_li", at(11, 10, 12, 3), "ada", CHROME, False, ada_session),
        # ... and her news on LinkedIn, 2 unique
        *[("ada_news_li", at(11, 10, 12), f"n{i}", CHROME, False, "") for i in range(2)],
        # 12 November: Bob's job, 2 unique; his news on X, 1 unique and a HEAD (a bot)
        *[("bob_job_li", at(11, 12, 12), f"b{i}", CHROME, False, "") for i in range(2)],
        ("bob_news_x", at(11, 12, 12), "x1", CHROME, False, ""),
        ("bob_news_x", at(11, 12, 12, 1), "x2", CHROME, True, ""),
        # this week: 1 unique on each of Ada's job and Bob's news; one visitor clicks
        # Bob's job 12 times in a minute: 1 unique, 9 repeats, 2 rate-limited
        ("ada_job_li", at(11, 24, 12), "w1", CHROME, False, ""),
        ("bob_news_x", at(11, 24, 12), "w2", CHROME, False, ""),
        *[("bob_job_li", at(11, 24, 12, 0), "spam", CHROME, False, "") for _ in range(12)],
    ]
    await runtime.click_writer.store(
        [
            ClickFacts(new_click_id(), ids[link], when, visitor, agent_of(agent), "", head, session)
            for link, when, visitor, agent, head, session in visits
        ]
    )
