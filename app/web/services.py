"""What the web layer asks of the rest of the application: the domain services, by name.

The web handlers depend on this protocol, not on `app.runtime`: the composition root
(`app.server.create_app`) stores its runtime under `app.web.keys.SERVICES`, and any object
with these attributes would do (a test may give a smaller one). Handlers read the few
services they use from it; none builds a service of its own.
"""

from __future__ import annotations

from typing import Protocol

from redis.asyncio import Redis
from tortoise.context import TortoiseContext

from app.broadcasts.campaigns import Broadcasts
from app.clock import Clock
from app.events import EventBus
from app.gamification.challenges import Challenges
from app.gamification.service import GamificationService
from app.gamification.shop import Shop
from app.jobs.job_import import JobImport
from app.jobs.service import ContentService
from app.people.gdpr import PrivacyService
from app.people.hr_import import EmployeeImport
from app.people.logins import LoginLinks
from app.people.policy import PolicyService
from app.people.scim_directory import ScimDirectory
from app.people.scim_tokens import ScimTokens
from app.people.service import PeopleService
from app.people.sessions import SessionStore
from app.people.tokens import TokenService
from app.referrals.analytics import ClickAnalytics
from app.referrals.figures import Figures
from app.referrals.links import LinkService
from app.referrals.redirects import ClickRecorder, LinkResolver
from app.referrals.service import ReferralService
from app.settings import Settings


class WebServices(Protocol):
    """The services the web handlers call (the runtime of the process provides them)."""

    settings: Settings
    clock: Clock
    events: EventBus
    db: TortoiseContext  # pinged by /readyz
    redis: Redis  # sessions' roles, rate-limit counters, idempotent requests, /readyz
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
    click_recorder: ClickRecorder
    analytics: ClickAnalytics
    figures: Figures
    referrals: ReferralService
    gamification: GamificationService
    shop: Shop
    challenges: Challenges
    broadcasts: Broadcasts  # campaigns, built once by the composition root
    scim_tokens: ScimTokens  # the identity provider's tokens for /scim/v2

    @property
    def scim(self) -> ScimDirectory: ...  # SCIM provisioning, built on first use
