"""The composition root: everything one Porte-voix process needs, built once, opened
and closed in one place.

`open_runtime(settings, process)` builds the root of a process: `WEB_PROCESS` (a web
replica: `create_app`, `portevoix run`), `WORKER_PROCESS` (`portevoix worker`),
`CLI_PROCESS` (every other command) or `EMBEDDED_RUN` (`portevoix run` without
REDIS_URL: the web and the worker in one process). Every root builds the domain
services, the broadcasts, the chat senders and the notifier once; the web glue
(`app/server.py`) and the push engine take theirs from it (`conversation`,
`teams_channel`, `push_engine`, built on first use from the settings of that moment).
Its event reactions are the rows of the one table in `app/reactions.py` that the
process runs, each subscribed once.

Only composition roots and entry points import `Runtime`: the services it holds take
what they use (explicit arguments or a small Protocol such as `PushSources`, which a
`Runtime` satisfies). Nothing here is global: two runtimes (two replicas in a test)
can live in one process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from tortoise.context import TortoiseContext

from app import db
from app.bots.chat_senders import ChatSenders
from app.bots.telegram.name import TelegramBotName
from app.broadcasts import privacy as push_privacy
from app.broadcasts.campaigns import Broadcasts, PushOnPublish
from app.chat.notify import Notifier
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
from app.reactions import CLI, WEB, WORKER, Process, Reactors, react
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
    from app.bots.teams import TeamsChannel
    from app.chat.conversation import Conversation
    from app.people.scim_directory import ScimDirectory
    from app.worker.engine import PushEngine

WEB_PROCESS = frozenset({WEB})
WORKER_PROCESS = frozenset({WORKER})
CLI_PROCESS = frozenset({CLI})
EMBEDDED_RUN = frozenset({WEB, WORKER})


@dataclass(eq=False)
class Runtime:
    process: frozenset[Process]  # which roles this process plays (app/reactions.py)
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
    broadcasts: Broadcasts
    senders: ChatSenders  # shared by the notices and the pushes
    reactors: Reactors  # what reacts to events here (app/reactions.py)
    scim_tokens: ScimTokens  # the identity provider's tokens for /scim/v2

    @cached_property
    def conversation(self) -> Conversation:
        """The conversation core, for this process's chat channels."""
        from app.chat.conversation import Conversation

        return Conversation(self)

    @cached_property
    def teams_channel(self) -> TeamsChannel:
        """The process's Teams channel: the web process serves /api/messages with it,
        and every process's proactive messages (notices, pushes) go through it."""
        from app.bots.teams import TeamsChannel

        return TeamsChannel(self.conversation, self.settings, self.redis, self.clock, self.people)

    @cached_property
    def push_engine(self) -> PushEngine:
        """The worker's sending loop and scheduler."""
        from app.worker.engine import PushEngine

        if WORKER not in self.process:  # a web replica or a command sends no pushes
            raise RuntimeError(f"no push engine in a {sorted(self.process)} process")
        return PushEngine(self, self.broadcasts, self.senders)

    async def aclose(self) -> None:
        await self.senders.aclose()

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
    settings: Settings,
    process: frozenset[Process],
    db_ctx: TortoiseContext,
    redis: Redis,
    clock: Clock | None = None,
) -> Runtime:
    """The root of one process: every service once, and the process's reactions."""
    clock = clock or SystemClock()
    events = EventBus()
    people = PeopleService(
        clock,
        settings.invite_valid_days,
        TelegramBotName(settings, redis).resolve,
        settings.default_language,
    )
    policy = PolicyService(clock, events, config_dir())
    sessions = SessionStore(redis, settings.session_ttl_hours * 3600)
    content = ContentService(clock, events)
    privacy = PrivacyService(clock, people, sessions)
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
    analytics = ClickAnalytics(people.names_by_id)
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
    broadcasts = Broadcasts(clock, content)
    senders = ChatSenders(settings, lambda: runtime.teams_channel)
    reactors = Reactors(
        gamification=gamification,
        challenges=challenges,
        notifier=Notifier(people, referrals, gamification, senders),
        pushes=PushOnPublish(broadcasts, settings.broadcast_on_publish),
    )
    privacy.register("scim_account", scim_privacy.export, scim_privacy.erase)
    runtime = Runtime(
        process=process,
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
        broadcasts=broadcasts,
        senders=senders,
        reactors=reactors,
        scim_tokens=ScimTokens(clock),
    )
    react(events, reactors, process)  # this process's rows of the one table
    return runtime


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    process: frozenset[Process],
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
        runtime = build_runtime(settings, process, db_ctx, redis, clock)
        yield runtime
    finally:
        if runtime is not None:
            await runtime.aclose()
        await close_redis(redis)
        await db.close_db(db_ctx)
