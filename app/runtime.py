"""Everything a running Porte-voix needs, opened and closed in one place.

The web server (`create_app`), the worker and the CLI commands all build the same
`Runtime`, so a service is wired identically wherever it is used, and its event
reactions are those of the one table in `app/reactions.py`. Nothing here is global:
two runtimes (two replicas in a test) can live in one process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from tortoise.context import TortoiseContext

from app import db
from app.bots.telegram.name import TelegramBotName
from app.broadcasts import privacy as push_privacy
from app.clock import Clock, SystemClock
from app.events import EventBus
from app.gamification import privacy as points_privacy
from app.gamification.challenges import Challenges
from app.gamification.leaderboards import Leaderboards
from app.gamification.ledger import Ledger
from app.gamification.rules import load_rules
from app.gamification.service import GamificationService
from app.gamification.shop import Shop
from app.jobs.job_import import JobImport
from app.jobs.service import ContentService
from app.people import scim_privacy
from app.people.gdpr import PrivacyService
from app.people.hr_import import EmployeeImport
from app.people.logins import LoginLinks
from app.people.policy import PolicyService
from app.people.scim_tokens import ScimTokens
from app.people.service import PeopleService
from app.people.sessions import SessionStore
from app.people.tokens import TokenService
from app.reactions import Reactors, react
from app.referrals import privacy as link_privacy
from app.referrals.analytics import ClickAnalytics
from app.referrals.clicks import ClickLimits, RedisRecentClicks
from app.referrals.figures import Figures
from app.referrals.links import LinkService
from app.referrals.redirects import ClickRecorder, LinkResolver
from app.referrals.service import ReferralService
from app.referrals.sharer_links import SharerLinks
from app.referrals.worker import ClickWorker
from app.referrals.writer import ClickWriter
from app.settings import Settings, config_dir
from app.store import close_redis, open_redis

if TYPE_CHECKING:
    from app.people.scim_directory import ScimDirectory


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    events: EventBus
    db: TortoiseContext
    redis: Redis
    people: PeopleService
    policy: PolicyService
    tokens: TokenService
    privacy: PrivacyService
    employee_import: EmployeeImport
    sessions: SessionStore
    logins: LoginLinks
    content: ContentService
    job_import: JobImport
    links: LinkService
    link_resolver: LinkResolver
    click_writer: ClickWriter
    click_recorder: ClickRecorder
    analytics: ClickAnalytics
    figures: Figures  # every headline figure, defined once (docs/glossary.md)
    referrals: ReferralService
    gamification: GamificationService
    shop: Shop
    challenges: Challenges
    scim_tokens: ScimTokens  # the identity provider's tokens for /scim/v2
    reactors: Reactors = field(init=False)  # set by build_runtime, from app/reactions.py

    @cached_property
    def scim(self) -> ScimDirectory:
        """SCIM 2.0 provisioning (/scim/v2), built on first use: scim2-models takes a
        second of CPU to import, which no CLI command but `run` should pay."""
        from app.people.scim_directory import ScimDirectory

        return ScimDirectory(self.clock, self.people)

    def click_worker(self, consumer: str | None = None) -> ClickWorker:
        return ClickWorker(
            self.redis,
            self.click_writer,
            consumer=consumer,
            batch_size=self.settings.click_worker_batch,
            batch_wait_ms=self.settings.click_worker_wait_ms,
        )


def build_runtime(
    settings: Settings, db_ctx: TortoiseContext, redis: Redis, clock: Clock | None = None
) -> Runtime:
    clock = clock or SystemClock()
    events = EventBus()
    people = PeopleService(
        clock,
        events,
        settings.invite_valid_days,
        TelegramBotName(settings, redis).resolve,
        settings.default_language,
    )
    policy = PolicyService(clock, events, config_dir())
    sessions = SessionStore(redis, settings.session_ttl_hours * 3600)
    content = ContentService(clock, events)
    privacy = PrivacyService(clock, events, people, sessions)
    referrals = ReferralService(settings, clock, events, content, privacy, config_dir())
    links = LinkService(clock, events, content, policy, settings.public_base_url)
    limits = ClickLimits(
        visitor_per_minute=settings.click_visitor_limit_per_minute,
        link_per_minute=settings.click_link_limit_per_minute,
        repeat_window=timedelta(hours=settings.click_repeat_window_hours),
        address_per_minute=settings.click_address_limit_per_minute,
        address_unique_per_sharer_per_day=settings.click_address_unique_per_sharer_per_day,
    )
    rules = load_rules(config_dir() / "gamification.toml")
    boards = Leaderboards(redis)
    ledger = Ledger(clock, events, rules, boards, settings.company_timezone)
    gamification = GamificationService(
        clock, events, rules, ledger, boards, settings.company_timezone, content.referral_points
    )
    analytics = ClickAnalytics()
    challenges = Challenges(clock, events, ledger, settings.company_timezone)
    click_writer = ClickWriter(
        events,
        sessions,
        RedisRecentClicks(redis),
        limits,
        settings.company_timezone,
        SharerLinks(settings.link_cache_seconds),
    )
    privacy.register("points", points_privacy.export, points_privacy.erase)
    privacy.register("links_and_clicks", link_privacy.export, link_privacy.erase)
    privacy.register("pushes", push_privacy.export, push_privacy.erase)
    privacy.register("scim_account", scim_privacy.export, scim_privacy.erase)
    runtime = Runtime(
        settings=settings,
        clock=clock,
        events=events,
        db=db_ctx,
        redis=redis,
        people=people,
        policy=policy,
        tokens=TokenService(clock, settings.admin_token),
        privacy=privacy,
        employee_import=EmployeeImport(people),
        sessions=sessions,
        logins=LoginLinks(redis, settings.login_link_minutes * 60, settings.public_base_url),
        content=content,
        job_import=JobImport(content),
        links=links,
        link_resolver=LinkResolver(links, settings.link_cache_seconds),
        click_writer=click_writer,
        click_recorder=ClickRecorder(redis, click_writer),
        analytics=analytics,
        figures=Figures(analytics, referrals.funnel, settings.company_timezone),
        shop=Shop(clock, events, ledger, settings.company_timezone),
        challenges=challenges,
        referrals=referrals,
        gamification=gamification,
        scim_tokens=ScimTokens(clock),
    )
    runtime.reactors = react(runtime)  # every event reaction, in its one table
    return runtime


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    *,
    migrate: bool = False,
    clock: Clock | None = None,
    redis: Redis | None = None,
) -> AsyncIterator[Runtime]:
    """Connect to the database and Redis; optionally apply pending migrations first.
    `redis` replaces the settings' Redis (tests give each test its own in-process one);
    the runtime closes it."""
    db_ctx = await db.open_db(settings.effective_database_url())
    try:
        redis = redis or await open_redis(settings)
    except BaseException:
        await db.close_db(db_ctx)
        raise
    runtime = None
    try:
        if migrate:
            await db.migrate(db_ctx)
        runtime = build_runtime(settings, db_ctx, redis, clock)
        yield runtime
    finally:
        if runtime is not None:
            await runtime.reactors.aclose()
        await close_redis(redis)
        await db.close_db(db_ctx)
