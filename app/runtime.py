"""Everything a running Porte-voix needs, opened and closed in one place.

The web server (`create_app`), the worker and the CLI commands all build the same
`Runtime`, so a service is wired identically wherever it is used. Nothing here is global:
two runtimes (two replicas in a test) can live in one process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from redis.asyncio import Redis
from tortoise.context import TortoiseContext

from app import db
from app.clock import Clock, SystemClock
from app.events import EventBus
from app.people.gdpr import PrivacyService
from app.people.hr_import import EmployeeImport
from app.people.policy import PolicyService
from app.people.service import PeopleService
from app.people.tokens import TokenService
from app.settings import Settings, config_dir
from app.store import close_redis, open_redis


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


def build_runtime(
    settings: Settings, db_ctx: TortoiseContext, redis: Redis, clock: Clock | None = None
) -> Runtime:
    clock = clock or SystemClock()
    events = EventBus()
    people = PeopleService(
        clock, events, settings.invite_valid_days, settings.telegram_bot_username
    )
    return Runtime(
        settings=settings,
        clock=clock,
        events=events,
        db=db_ctx,
        redis=redis,
        people=people,
        policy=PolicyService(clock, events, config_dir()),
        tokens=TokenService(clock, settings.admin_token),
        privacy=PrivacyService(clock, events, people),
        employee_import=EmployeeImport(people),
    )


@asynccontextmanager
async def open_runtime(
    settings: Settings, *, migrate: bool = False, clock: Clock | None = None
) -> AsyncIterator[Runtime]:
    """Connect to the database and Redis; optionally apply pending migrations first."""
    db_ctx = await db.open_db(settings.effective_database_url())
    redis = open_redis(settings)
    try:
        if migrate:
            await db.migrate(db_ctx)
        yield build_runtime(settings, db_ctx, redis, clock)
    finally:
        await close_redis(redis)
        await db.close_db(db_ctx)
