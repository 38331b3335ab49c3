"""Every chat action, with the role it needs beside its handler: the one list of actions,
and the one registry of commands.

An action is reached by typing its command (`/stats`; in Teams, an employee's command
without the slash), by pressing its button (its `Press` of `app/chat/buttons.py`, which
types and checks the payload: `mv:12:screening`), by a Teams card submit (the same
payloads) or, for sharing, by an inline search. Whatever the entry, `Conversation`
finds the action here and checks its role before any handler runs, so a button cannot
reach what its command refuses. Multi-step forms are owned by the action that opens
them (a form's name is that action's name), so an answer to a form is checked against
the same role.

The commands are declared here once, with their role and their descriptions (gettext
ids, so in every language): /help, Telegram's command menus, the words Teams users may
type and the Teams app manifest's command list are all derived from `ACTIONS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.chat import account, buttons, points, recruiting, referring, sharing
from app.chat.buttons import Press, Value
from app.chat.replies import Intent, Reply
from app.chat.turn import Turn
from app.i18n import translator
from app.people.models import Role
from app.people.tokens import ROLE_RANK

# A handler takes the turn and the press's typed values (a command's words, read by the
# same press; none when they do not read), e.g. `recruiting.move(turn, 12, "screening")`.
Handler = Callable[..., Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Action:
    name: str  # the command (`/name`) when `command`, and the name of the form it opens
    role: Role  # the least role that may run it, by any entry
    run: Handler
    command: bool = True
    press: Press | None = None  # the button that reaches it
    help: str = ""  # its line in /help (a gettext message id)
    menu: str = ""  # its description in the channels' command menus (gettext id)
    before_policy: bool = False  # may run before the social media policy is accepted

    @property
    def buttons(self) -> tuple[str, ...]:
        """The payload verbs that reach it."""
        return (self.press.verb,) if self.press else ()

    def values(self, intent: Intent) -> tuple[Value, ...] | None:
        """The typed values `intent` gives the handler; None: a payload we did not make."""
        if intent.kind == "command":
            words = intent.args.split()
            read = self.press.read(words) if self.press and words else None
            return read or ()  # a command's words that do not read are ignored
        return self.press.parse(intent.name) if self.press else None


async def stale(turn: Turn) -> list[Reply]:
    """What a button we did not make (or no longer understand) gets."""
    return [Reply(turn._("This button is no longer valid."))]


async def _policy(turn: Turn, choice: str | None = None) -> list[Reply]:
    if choice == "accept":
        return await account.accept_policy(turn)
    if not await turn.services.policy.has_accepted_current(turn.me()):
        return await account.policy_gate(turn)  # the text with its Accept button
    return await account.show_policy(turn)


async def _language(turn: Turn, code: str | None = None) -> list[Reply]:
    if code:
        return await account.set_language(turn, code)
    return await account.settings(turn)


async def _cancel(turn: Turn) -> list[Reply]:
    await turn.forms.clear()
    return [Reply(turn._("Cancelled."), buttons=account.menu(turn))]


def help_replies(turn: Turn) -> list[Reply]:
    """/help: one line per action the speaker may run, in the order of ACTIONS."""
    lines = [turn._(a.help) for a in ACTIONS if a.help and turn.is_at_least(a.role)]
    return [Reply("\n".join(lines), buttons=account.menu(turn))]


async def _help(turn: Turn) -> list[Reply]:
    return help_replies(turn)


def _post(kind: str) -> Handler:
    async def start(turn: Turn) -> list[Reply]:
        return await recruiting.start_post(turn, kind)

    return start


EMPLOYEE, RECRUITER, ADMIN = Role.EMPLOYEE, Role.RECRUITER, Role.ADMIN
B = buttons

ACTIONS: tuple[Action, ...] = (
    Action("start", EMPLOYEE, account.policy_gate),
    Action("menu", EMPLOYEE, account.policy_gate),
    Action(
        "jobs",
        EMPLOYEE,
        sharing.list_jobs,
        press=B.JOBS,
        help="/jobs — open jobs for you, to share or refer someone",
        menu="Open jobs to share",
    ),
    Action("job", EMPLOYEE, sharing.job_details, command=False, press=B.JOB),
    Action(
        "news",
        EMPLOYEE,
        sharing.list_news,
        press=B.NEWS,
        help="/news — company news to share",
        menu="Company news to share",
    ),
    Action("post", EMPLOYEE, sharing.news_details, command=False, press=B.POST),
    Action("share", EMPLOYEE, sharing.choose_network, command=False, press=B.SHARE),
    Action("net", EMPLOYEE, sharing.share_on, command=False, press=B.NETWORK),
    Action(
        "refer",
        EMPLOYEE,
        referring.start,
        press=B.REFER,
        help="/refer — refer a friend in a few steps",
        menu="Refer a friend",
    ),
    Action("refer_general", EMPLOYEE, referring.general, command=False, press=B.REFER_GENERAL),
    Action("refer_job", EMPLOYEE, referring.start, command=False, press=B.REFER_JOB),
    Action(
        "me",
        EMPLOYEE,
        points.me,
        press=B.ME,
        help="/me — your points, level, badges and referrals",
        menu="My points and referrals",
    ),
    Action("badges", EMPLOYEE, points.badges),
    Action(
        "leaderboard",
        EMPLOYEE,
        points.leaderboard,
        press=B.BOARD,
        help="/leaderboard — who shares the most",
        menu="Leaderboard",
    ),
    Action(
        "rewards",
        EMPLOYEE,
        points.shop,
        press=B.SHOP,
        help="/rewards — spend your points",
        menu="Rewards shop",
    ),
    Action("buy", EMPLOYEE, points.confirm_redeem, command=False, press=B.BUY),
    Action("redeem", EMPLOYEE, points.redeem, command=False, press=B.REDEEM),
    Action("redemptions", EMPLOYEE, points.my_redemptions, command=False, press=B.MY_REDEMPTIONS),
    Action(
        "settings",
        EMPLOYEE,
        account.settings,
        help="/settings — language, notifications, leaderboard visibility",
        menu="Language and notifications",
    ),
    Action("language", EMPLOYEE, _language, press=B.LANGUAGE),
    Action(
        "notifications",
        EMPLOYEE,
        account.toggle_notifications,
        command=False,
        press=B.NOTIFICATIONS,
    ),
    Action("optout", EMPLOYEE, account.toggle_opt_out, command=False, press=B.OPT_OUT),
    Action(
        "policy",
        EMPLOYEE,
        _policy,
        press=B.POLICY,
        help="/policy — the social media policy",
        before_policy=True,
    ),
    Action(
        "report", EMPLOYEE, account.start_report, help="/report — write to the communication team"
    ),
    Action("app", EMPLOYEE, account.open_app, help="/app — open the app", menu="Open the app"),
    Action("cancel", EMPLOYEE, _cancel, press=B.CANCEL, help="/cancel — stop what you are doing"),
    Action("help", EMPLOYEE, _help, menu="Help"),
    Action(
        "referrals",
        RECRUITER,
        recruiting.referrals,
        press=B.REVIEW,
        help="/referrals — candidates to move along the pipeline",
    ),
    Action("move", RECRUITER, recruiting.move, command=False, press=B.MOVE),
    Action("stats", RECRUITER, recruiting.stats, press=B.STATS, help="/stats — this week's funnel"),
    Action("post_job", RECRUITER, _post("job"), help="/post_job — publish a job"),
    Action("approve", ADMIN, recruiting.approvals, help="/approve — redemptions waiting for you"),
    Action("decide", ADMIN, recruiting.decide, command=False, press=B.DECIDE),
    Action("reports", ADMIN, recruiting.reports, help="/reports — messages from employees"),
    Action("close_report", ADMIN, recruiting.close_report, command=False, press=B.CLOSE_REPORT),
    Action("post_news", ADMIN, _post("news"), help="/post_news — publish news"),
)

BY_NAME = {action.name: action for action in ACTIONS}
BY_COMMAND = {action.name: action for action in ACTIONS if action.command}
BY_BUTTON = {verb: action for action in ACTIONS for verb in action.buttons}
SHARE = BY_NAME["share"]  # inline searches and picks share, like the Share button


def resolve(intent: Intent) -> Action | None:
    """The action an intent asks for (its values are `Action.values`); None if none."""
    if intent.kind == "command":
        return BY_COMMAND.get(intent.name)
    if intent.kind == "action":
        parts = intent.name.split(":")
        return BY_BUTTON.get(":".join(parts[:2])) or BY_BUTTON.get(parts[0])
    return None


def refusal(turn: Turn, action: Action) -> list[Reply]:
    _ = turn._
    if action.role == Role.ADMIN:
        return [Reply(_("This is for admins."))]
    return [Reply(_("This is for recruiters and admins."))]


def commands(role: Role) -> list[Action]:
    """Every command `role` may type (the words Teams users type without a slash)."""
    return [a for a in ACTIONS if a.command and ROLE_RANK[a.role] <= ROLE_RANK[role]]


def menu_commands(role: Role = Role.EMPLOYEE) -> list[Action]:
    """The commands a channel lists in its menu for `role` (those with a description)."""
    return [a for a in commands(role) if a.menu]


def command_menu(language: str, role: Role = Role.EMPLOYEE) -> list[tuple[str, str]]:
    """(command, its description in `language`) for a channel's menu or manifest."""
    _ = translator(language)
    return [(a.name, _(a.menu)) for a in menu_commands(role)]
