"""What the conversation core needs from the rest of Porte-voix: the domain services it
calls, the settings it reads, the clock and the store of forms in progress.

The core depends on this protocol, not on the composition root: any object with these
attributes will do (the process's runtime, or a test's hand-made set), so the core and
its flows can be read, and run, without knowing how a process is wired. Only the
services the flows actually call are here; a flow that needs another adds it here, in
sight.
"""

from __future__ import annotations

from typing import Protocol

from redis.asyncio import Redis

from app.clock import Clock
from app.gamification.service import GamificationService
from app.gamification.shop import Shop
from app.jobs.service import ContentService
from app.people.logins import LoginLinks
from app.people.policy import PolicyService
from app.people.service import PeopleService
from app.referrals.figures import Figures
from app.referrals.links import LinkService
from app.referrals.service import ReferralService
from app.settings import Settings


class ChatServices(Protocol):
    """The services of one process, as the chat core sees them (read-only)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def redis(self) -> Redis: ...  # forms in progress and e-mail codes, with expiries
    @property
    def people(self) -> PeopleService: ...
    @property
    def policy(self) -> PolicyService: ...
    @property
    def logins(self) -> LoginLinks: ...
    @property
    def content(self) -> ContentService: ...
    @property
    def links(self) -> LinkService: ...
    @property
    def referrals(self) -> ReferralService: ...
    @property
    def figures(self) -> Figures: ...
    @property
    def gamification(self) -> GamificationService: ...
    @property
    def shop(self) -> Shop: ...
