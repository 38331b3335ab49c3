"""Every reaction to a domain event, in one table, wired once in every process.

DESIGN.md: cross-domain reactions go through the in-process event bus, registered in one
table in the composition root, so every process that publishes an event also runs its
reactions. `build_runtime` (app/runtime.py) builds the services; `react` subscribes this
table on the runtime's bus, once per runtime, whatever the process: the web replicas,
the worker, `portevoix run` in embedded mode (web and worker in one process, one table,
so nothing is wired twice) and every CLI command. The reactions that speak in a chat
use the process's `ChatSenders` (the Bot API, proactive Teams messages), so a badge
earned in the worker is told from the worker.

`happens_in` says where each event is published today; docs/architecture.md has the
same table for people.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.events import (
    ApplicationSubmitted,
    BadgeEarned,
    ClickRecorded,
    ContentPublished,
    LevelReached,
    PointsAwarded,
    PolicyAccepted,
    RedemptionDecided,
    ReferralStatusChanged,
    ShareRecorded,
)

if TYPE_CHECKING:
    from app.bots.chat_senders import ChatSenders
    from app.broadcasts.campaigns import PushOnPublish
    from app.chat.notify import Notifier
    from app.gamification.challenges import Challenges
    from app.gamification.service import GamificationService
    from app.runtime import Runtime

WEB, WORKER, CLI = "web", "worker", "cli"


@dataclass
class Reactors:
    """What reacts to events in one process."""

    gamification: GamificationService
    challenges: Challenges
    notifier: Notifier
    pushes: PushOnPublish
    senders: ChatSenders

    async def aclose(self) -> None:
        await self.senders.aclose()


@dataclass(frozen=True)
class Reaction:
    event: type
    handler: Callable[[Reactors], Callable[[Any], Awaitable[object]]]
    happens_in: tuple[str, ...]
    batch: bool = False  # the handler takes the list of a `publish_many`


REACTIONS: tuple[Reaction, ...] = (
    # Points, badges and levels. Clicks are stored by the worker (by the web process
    # itself when Redis is down); shares and the policy happen in a chat (the web
    # process, or `portevoix chat`); referrals move on the web (API, dashboard, ATS), and
    # earn their first points at screening, not at submission.
    Reaction(ClickRecorded, lambda r: r.gamification.on_clicks, (WORKER, WEB), batch=True),
    Reaction(ShareRecorded, lambda r: r.gamification.on_share, (WEB, CLI)),
    Reaction(PolicyAccepted, lambda r: r.gamification.on_policy_accepted, (WEB, CLI)),
    Reaction(ReferralStatusChanged, lambda r: r.gamification.on_status_changed, (WEB,)),
    # Challenges' progress, refreshed once per batch of points (what counts is what
    # earned points: rewarded clicks and shares come as awards).
    Reaction(PointsAwarded, lambda r: r.challenges.on_points, (WORKER, WEB, CLI), batch=True),
    # The employee told in chat (after the points above, so a notice sees them).
    Reaction(ApplicationSubmitted, lambda r: r.notifier.on_referral, (WEB,)),
    Reaction(ReferralStatusChanged, lambda r: r.notifier.on_referral, (WEB,)),
    # The worker also gives the monthly podium badges.
    Reaction(BadgeEarned, lambda r: r.notifier.on_badge, (WORKER, WEB, CLI)),
    Reaction(LevelReached, lambda r: r.notifier.on_level, (WORKER, WEB, CLI)),
    Reaction(RedemptionDecided, lambda r: r.notifier.on_redemption, (WEB,)),
    # Publishing pushes (a later `publish_at` is the campaign's send time): the API, the
    # dashboard, the recruiter's chat, `import-jobs`.
    Reaction(ContentPublished, lambda r: r.pushes.on_published, (WEB, CLI)),
)


def react(runtime: Runtime) -> Reactors:
    """Build this process's reactors and subscribe every reaction of the table."""
    from app.bots.chat_senders import ChatSenders
    from app.broadcasts.campaigns import PushOnPublish
    from app.chat.notify import Notifier

    senders = ChatSenders(runtime)
    reactors = Reactors(
        gamification=runtime.gamification,
        challenges=runtime.challenges,
        notifier=Notifier(runtime, senders),
        pushes=PushOnPublish(runtime),
        senders=senders,
    )
    for reaction in REACTIONS:
        handler = reaction.handler(reactors)
        if reaction.batch:
            runtime.events.subscribe_batch(reaction.event, handler)
        else:
            runtime.events.subscribe(reaction.event, handler)
    return reactors
