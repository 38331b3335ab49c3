"""Every reaction to a domain event, in one table, with the processes that run it.

DESIGN.md: cross-domain reactions go through the in-process event bus, registered in one
table in the composition root, so every process that publishes an event also runs its
reactions. `REACTIONS` is that table; `runs_in` says which processes subscribe each
reaction: those whose code publishes its event. The composition root
(`app/runtime.py`) builds one process's services and calls `react`, which subscribes
exactly the reactions of that process, once: `portevoix run` in embedded mode is the
web and the worker in one process, so it subscribes the union, each reaction once.

Where each event is published (so who must react):
- the web process: every event (the API, dashboard, chat webhooks, mini app, ATS, and
  the clicks it stores itself when Redis is down);
- the worker: clicks (`ClickRecorded`), the points they earn (`PointsAwarded`) and the
  badges and levels that follow (also the monthly podium, the lost clicks' points);
- a CLI command: `chat --as` does what a chat does (shares, the policy, referrals,
  publishing, an admin's redemption decisions), `import-jobs` publishes, and `demo`
  seeds through the services (clicks, referrals moved and consented).
`tests/test_reactions.py` checks the column against what each process publishes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from app.events import (
    ApplicationSubmitted,
    BadgeEarned,
    ClickRecorded,
    ContentPublished,
    EventBus,
    LevelReached,
    PointsAwarded,
    PolicyAccepted,
    RedemptionDecided,
    ReferralStatusChanged,
    ShareRecorded,
)

if TYPE_CHECKING:
    from app.broadcasts.campaigns import PushOnPublish
    from app.chat.notify import Notifier
    from app.gamification.challenges import Challenges
    from app.gamification.service import GamificationService


class Process(StrEnum):
    WEB = "web"  # `portevoix run` (a web replica)
    WORKER = "worker"  # `portevoix worker`
    CLI = "cli"  # every other `portevoix` command


WEB, WORKER, CLI = Process.WEB, Process.WORKER, Process.CLI
EVERYWHERE = frozenset(Process)
NOT_WORKER = frozenset({WEB, CLI})


@dataclass(frozen=True)
class Reactors:
    """What reacts to events in one process (built once, by the composition root)."""

    gamification: GamificationService
    challenges: Challenges
    notifier: Notifier
    pushes: PushOnPublish


@dataclass(frozen=True)
class Reaction:
    event: type
    handler: Callable[[Reactors], Callable[[Any], Awaitable[object]]]
    runs_in: frozenset[Process]
    does: str  # what it does, as docs/architecture.md says it
    batch: bool = False  # the handler takes the list of a `publish_many`


REACTIONS: tuple[Reaction, ...] = (
    # Points, badges and levels. Referrals earn their first points at screening, not
    # at submission.
    Reaction(ClickRecorded, lambda r: r.gamification.on_clicks, EVERYWHERE,
             "points for unique clicks, and a share's at its first rewarded visit", batch=True),
    Reaction(ShareRecorded, lambda r: r.gamification.on_share, NOT_WORKER,
             "the share recorded (its points come with its link's first rewarded visit)"),
    Reaction(PolicyAccepted, lambda r: r.gamification.on_policy_accepted, NOT_WORKER,
             "policy points"),
    Reaction(ReferralStatusChanged, lambda r: r.gamification.on_status_changed, NOT_WORKER,
             "stage points (a not_a_real_candidate rejection takes them back)"),
    # Challenges' progress, refreshed once per batch of points (what counts is what
    # earned points: rewarded clicks and shares come as awards).
    Reaction(PointsAwarded, lambda r: r.challenges.on_points, EVERYWHERE,
             "challenges' progress", batch=True),
    # The employee told in chat (after the points above, so a notice sees them).
    Reaction(ApplicationSubmitted, lambda r: r.notifier.on_referral, NOT_WORKER,
             "referrer told"),
    Reaction(ReferralStatusChanged, lambda r: r.notifier.on_referral, NOT_WORKER,
             "referrer told"),
    Reaction(BadgeEarned, lambda r: r.notifier.on_badge, EVERYWHERE, "employee told"),
    Reaction(LevelReached, lambda r: r.notifier.on_level, EVERYWHERE, "employee told"),
    Reaction(RedemptionDecided, lambda r: r.notifier.on_redemption, NOT_WORKER,
             "employee told"),
    # Publishing pushes (a later `publish_at` is the campaign's send time).
    Reaction(ContentPublished, lambda r: r.pushes.on_published, NOT_WORKER,
             "its broadcast created (keyed job:<id> / news:<id>, so once)"),
)  # fmt: skip


def of_process(process: frozenset[Process]) -> list[Reaction]:
    """The reactions a process running these roles subscribes, each once."""
    return [reaction for reaction in REACTIONS if reaction.runs_in & process]


def react(events: EventBus, reactors: Reactors, process: frozenset[Process]) -> None:
    """Subscribe this process's reactions on its bus."""
    for reaction in of_process(process):
        handler = reaction.handler(reactors)
        if reaction.batch:
            events.subscribe_batch(reaction.event, handler)
        else:
            events.subscribe(reaction.event, handler)


def as_markdown() -> str:
    """The table for docs/architecture.md: `python -c 'from app.reactions import
    as_markdown; print(as_markdown())'`."""
    lines = ["| Event | Reaction | web | worker | CLI |", "|---|---|---|---|---|"]
    for r in REACTIONS:
        marks = " | ".join("✓" if p in r.runs_in else "" for p in Process)
        lines.append(f"| `{r.event.__name__}` | {r.does} | {marks} |")
    return "\n".join(lines)
