"""Every chat action, with the role it needs beside its handler: the one list of actions.

An action is reached by typing its command (`/stats`), by pressing a button whose
payload starts with one of its verbs (`stats`, `mv:12:screening`), by a Teams card
submit (the same payloads) or, for sharing, by an inline search. Whatever the entry,
`Conversation` finds the action here and checks its role before any handler runs, so a
button cannot reach what its command refuses. Multi-step forms are owned by the action
that opens them (a form's name is that action's name), so an answer to a form is
checked against the same role. The help text and the channels' command menus are built
from this list.

Button payloads stay short (Telegram allows 64 bytes): `verb:arg:arg`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.chat import account, points, recruiting, referring, sharing
from app.chat.replies import Intent, Reply
from app.chat.turn import Turn
from app.parsing import whole_number
from app.people.models import Role
from app.people.tokens import ROLE_RANK
from app.referrals.models import ReferralStatus

Args = list[str]
Handler = Callable[[Turn, Args], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Action:
    name: str  # the command (`/name`) when `command`, and the name of the form it opens
    role: Role  # the least role that may run it, by any entry
    run: Handler
    command: bool = True
    buttons: tuple[str, ...] = ()  # payload verbs that reach it (`verb:arg:arg`)
    help: str = ""  # its line in /help (a gettext message id)
    menu: str = ""  # its description in the channels' command menus (gettext id)
    before_policy: bool = False  # may run before the social media policy is accepted


def number(value: str) -> int:
    """A button's numeric argument; 0 (which names nothing) for anything else."""
    return whole_number(value) or 0


async def stale(turn: Turn) -> list[Reply]:
    """What a button we did not make (or no longer understand) gets."""
    return [Reply(turn._("This button is no longer valid."))]


def _page(args: Args) -> int:
    return number(args[0]) if args else 0


async def _done(replies: list[Reply]) -> list[Reply]:
    return replies


async def _refer(turn: Turn, args: Args) -> list[Reply]:
    if args in ([], ["start"]):
        return await referring.start(turn)
    if args == ["general"]:
        return await referring.general(turn)
    if len(args) == 2 and args[0] == "job":
        return await referring.start(turn, number(args[1]))
    return await referring.start(turn)


async def _policy(turn: Turn, args: Args) -> list[Reply]:
    if args == ["accept"]:
        return await account.accept_policy(turn)
    if not await turn.runtime.policy.has_accepted_current(turn.me()):
        return await account.policy_gate(turn)  # the text with its Accept button
    return await account.show_policy(turn)


async def _language(turn: Turn, args: Args) -> list[Reply]:
    if args and args[0].strip():
        return await account.set_language(turn, args[0].strip().lower())
    return await account.settings(turn)


async def _leaderboard(turn: Turn, args: Args) -> list[Reply]:
    if not args:
        return await points.leaderboard(turn)
    if len(args) == 2 and args[0] in points.PERIODS and args[1] in ("company", "department"):
        return await points.leaderboard(turn, args[0], args[1])
    return await stale(turn)


async def _share(turn: Turn, args: Args) -> list[Reply]:
    if len(args) == 2 and args[0] in ("job", "news"):
        return await sharing.choose_network(turn, args[0], number(args[1]))
    return await stale(turn)


async def _network(turn: Turn, args: Args) -> list[Reply]:
    channels = {channel.value for channel in sharing.SHARE_CHANNELS}
    if len(args) == 3 and args[0] in ("job", "news") and args[2] in channels:
        return await sharing.share_on(turn, args[0], number(args[1]), args[2])
    return await stale(turn)


async def _move(turn: Turn, args: Args) -> list[Reply]:
    if len(args) == 2 and args[1] in {status.value for status in ReferralStatus}:
        return await recruiting.move(turn, number(args[0]), args[1])
    return await stale(turn)


async def _decide(turn: Turn, args: Args) -> list[Reply]:
    if len(args) == 2 and args[1] in ("approve", "reject"):
        return await recruiting.decide(turn, number(args[0]), args[1])
    return await stale(turn)


async def _cancel(turn: Turn, args: Args) -> list[Reply]:
    await turn.forms.clear()
    return [Reply(turn._("Cancelled."), buttons=account.menu(turn))]


def help_replies(turn: Turn) -> list[Reply]:
    """/help: one line per action the speaker may run, in the order of ACTIONS."""
    lines = [turn._(a.help) for a in ACTIONS if a.help and turn.is_at_least(a.role)]
    return [Reply("\n".join(lines), buttons=account.menu(turn))]


def one(run: Callable[[Turn], Awaitable[list[Reply]]]) -> Handler:
    """A handler that takes no argument."""
    return lambda turn, args: run(turn)


def numbered(run: Callable[[Turn, int], Awaitable[list[Reply]]]) -> Handler:
    """A handler of one id or page number (0 when absent or not a number)."""
    return lambda turn, args: run(turn, _page(args))


EMPLOYEE, RECRUITER, ADMIN = Role.EMPLOYEE, Role.RECRUITER, Role.ADMIN

ACTIONS: tuple[Action, ...] = (
    Action("start", EMPLOYEE, one(account.policy_gate)),
    Action("menu", EMPLOYEE, one(account.policy_gate)),
    Action(
        "jobs",
        EMPLOYEE,
        numbered(sharing.list_jobs),
        buttons=("jobs",),
        help="/jobs — open jobs for you, to share or refer someone",
        menu="Open jobs to share",
    ),
    Action("job", EMPLOYEE, numbered(sharing.job_details), command=False, buttons=("job",)),
    Action(
        "news",
        EMPLOYEE,
        numbered(sharing.list_news),
        buttons=("news",),
        help="/news — company news to share",
        menu="Company news to share",
    ),
    Action("post", EMPLOYEE, numbered(sharing.news_details), command=False, buttons=("post",)),
    Action("share", EMPLOYEE, _share, command=False, buttons=("share",)),
    Action("net", EMPLOYEE, _network, command=False, buttons=("net",)),
    Action(
        "refer",
        EMPLOYEE,
        _refer,
        buttons=("refer",),
        help="/refer — refer a friend in a few steps",
        menu="Refer a friend",
    ),
    Action(
        "me",
        EMPLOYEE,
        one(points.me),
        buttons=("me",),
        help="/me — your points, level, badges and referrals",
        menu="My points and referrals",
    ),
    Action("badges", EMPLOYEE, one(points.badges)),
    Action(
        "leaderboard",
        EMPLOYEE,
        _leaderboard,
        buttons=("board",),
        help="/leaderboard — who shares the most",
        menu="Leaderboard",
    ),
    Action(
        "rewards",
        EMPLOYEE,
        one(points.shop),
        buttons=("shop",),
        help="/rewards — spend your points",
        menu="Rewards shop",
    ),
    Action("buy", EMPLOYEE, numbered(points.confirm_redeem), command=False, buttons=("buy",)),
    Action("redeem", EMPLOYEE, numbered(points.redeem), command=False, buttons=("buy!",)),
    Action("redemptions", EMPLOYEE, one(points.my_redemptions), command=False, buttons=("mine",)),
    Action(
        "settings",
        EMPLOYEE,
        one(account.settings),
        help="/settings — language, notifications, leaderboard visibility",
        menu="Language and notifications",
    ),
    Action("language", EMPLOYEE, _language, buttons=("lang",)),
    Action(
        "notifications",
        EMPLOYEE,
        one(account.toggle_notifications),
        command=False,
        buttons=("notify",),
    ),
    Action("optout", EMPLOYEE, one(account.toggle_opt_out), command=False, buttons=("optout",)),
    Action(
        "policy",
        EMPLOYEE,
        _policy,
        buttons=("policy",),
        help="/policy — the social media policy",
        before_policy=True,
    ),
    Action(
        "report",
        EMPLOYEE,
        one(account.start_report),
        help="/report — write to the communication team",
    ),
    Action("app", EMPLOYEE, one(account.open_app), help="/app — open the app", menu="Open the app"),
    Action(
        "cancel",
        EMPLOYEE,
        _cancel,
        buttons=("cancel",),
        help="/cancel — stop what you are doing",
    ),
    Action("help", EMPLOYEE, lambda turn, args: _done(help_replies(turn)), menu="Help"),
    Action(
        "referrals",
        RECRUITER,
        numbered(recruiting.referrals),
        buttons=("rv",),
        help="/referrals — candidates to move along the pipeline",
    ),
    Action("move", RECRUITER, _move, command=False, buttons=("mv",)),
    Action(
        "stats",
        RECRUITER,
        one(recruiting.stats),
        buttons=("stats",),
        help="/stats — this week's funnel",
    ),
    Action(
        "post_job",
        RECRUITER,
        lambda turn, args: recruiting.start_post(turn, "job"),
        help="/post_job — publish a job",
    ),
    Action(
        "approve",
        ADMIN,
        one(recruiting.approvals),
        help="/approve — redemptions waiting for you",
    ),
    Action("decide", ADMIN, _decide, command=False, buttons=("rd",)),
    Action(
        "reports",
        ADMIN,
        one(recruiting.reports),
        help="/reports — messages from employees",
    ),
    Action(
        "close_report", ADMIN, numbered(recruiting.close_report), command=False, buttons=("rp",)
    ),
    Action(
        "post_news",
        ADMIN,
        lambda turn, args: recruiting.start_post(turn, "news"),
        help="/post_news — publish news",
    ),
)

BY_NAME = {action.name: action for action in ACTIONS}
BY_COMMAND = {action.name: action for action in ACTIONS if action.command}
BY_BUTTON = {verb: action for action in ACTIONS for verb in action.buttons}
SHARE = BY_NAME["share"]  # inline searches and picks share, like the Share button


def resolve(intent: Intent) -> tuple[Action, Args] | None:
    """The action an intent asks for, with its arguments; None if it names none."""
    if intent.kind == "command":
        action = BY_COMMAND.get(intent.name)
        args = [intent.args.strip()] if intent.args.strip() else []
        return (action, args) if action else None
    if intent.kind == "action":
        verb, _sep, rest = intent.name.partition(":")
        action = BY_BUTTON.get(verb)
        return (action, rest.split(":") if rest else []) if action else None
    return None


def refusal(turn: Turn, action: Action) -> list[Reply]:
    _ = turn._
    if action.role == Role.ADMIN:
        return [Reply(_("This is for admins."))]
    return [Reply(_("This is for recruiters and admins."))]


def menu_commands(role: Role = Role.EMPLOYEE) -> list[Action]:
    """The commands a channel lists in its menu for `role` (those with a description)."""
    return [a for a in ACTIONS if a.menu and ROLE_RANK[a.role] <= ROLE_RANK[role]]
