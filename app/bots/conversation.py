"""The channel-agnostic conversation core: (chat user, intent) -> replies.

It knows no platform: Telegram, Teams and the terminal translate their updates into an
`Intent` and render the `Reply`s. It calls the domain services only. A failing step
answers "something went wrong" and logs the error; domain refusals are explained.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from app.bots import account, points, recruiting, referring, sharing
from app.bots.replies import ChatUser, InlineResult, Intent, Reply
from app.bots.turn import FormStore, Turn
from app.errors import DomainError
from app.i18n import LANGUAGES, translator
from app.parsing import whole_number
from app.people.models import Platform, Role
from app.runtime import Runtime

log = logging.getLogger(__name__)

Handler = Callable[[Turn, str], Awaitable[list[Reply]]]
ROLE_OF_COMMAND = {
    "referrals": Role.RECRUITER,
    "stats": Role.RECRUITER,
    "post_job": Role.RECRUITER,
    "approve": Role.ADMIN,
    "reports": Role.ADMIN,
    "post_news": Role.ADMIN,
}


def _int(value: str) -> int:
    return whole_number(value) or 0


COMMANDS: dict[str, Handler] = {
    "start": lambda t, a: account.policy_gate(t),
    "menu": lambda t, a: account.policy_gate(t),
    "help": lambda t, a: _done(account.help_text(t)),
    "jobs": lambda t, a: sharing.list_jobs(t, 0),
    "news": lambda t, a: sharing.list_news(t, 0),
    "refer": lambda t, a: referring.start(t),
    "me": lambda t, a: points.me(t),
    "badges": lambda t, a: points.badges(t),
    "leaderboard": lambda t, a: points.leaderboard(t),
    "rewards": lambda t, a: points.shop(t),
    "policy": lambda t, a: account.show_policy(t),
    "settings": lambda t, a: account.settings(t),
    "language": lambda t, a: (
        account.set_language(t, a.strip().lower()) if a.strip() else account.settings(t)
    ),
    "report": lambda t, a: account.start_report(t),
    "app": lambda t, a: account.open_app(t),
    "referrals": lambda t, a: recruiting.referrals(t),
    "stats": lambda t, a: recruiting.stats(t),
    "approve": lambda t, a: recruiting.approvals(t),
    "reports": lambda t, a: recruiting.reports(t),
    "post_job": lambda t, a: recruiting.start_post(t, "job"),
    "post_news": lambda t, a: recruiting.start_post(t, "news"),
}


async def _done(replies: list[Reply]) -> list[Reply]:
    return replies


def _action(turn: Turn, name: str) -> Awaitable[list[Reply]] | None:
    """Button presses: `verb:arg:arg`."""
    verb, _sep, rest = name.partition(":")
    args = rest.split(":") if rest else []
    recruiter = turn.is_at_least(Role.RECRUITER)
    admin = turn.is_at_least(Role.ADMIN)
    table: dict[str, Callable[[], Awaitable[list[Reply]]]] = {
        "jobs": lambda: sharing.list_jobs(turn, _int(rest)),
        "news": lambda: sharing.list_news(turn, _int(rest)),
        "job": lambda: sharing.job_details(turn, _int(rest)),
        "post": lambda: sharing.news_details(turn, _int(rest)),
        "me": lambda: points.me(turn),
        "shop": lambda: points.shop(turn),
        "buy": lambda: points.confirm_redeem(turn, _int(rest)),
        "buy!": lambda: points.redeem(turn, _int(rest)),
        "mine": lambda: points.my_redemptions(turn),
        "lang": lambda: account.set_language(turn, rest),
        "notify": lambda: account.toggle_notifications(turn),
        "optout": lambda: account.toggle_opt_out(turn),
        "stats": lambda: recruiting.stats(turn),
    }
    if verb in table:
        return table[verb]()
    if verb == "share" and len(args) == 2:
        return sharing.choose_network(turn, args[0], _int(args[1]))
    if verb == "net" and len(args) == 3:
        return sharing.share_on(turn, args[0], _int(args[1]), args[2])
    if verb == "board" and len(args) == 2:
        return points.leaderboard(turn, args[0], args[1])
    if verb == "refer":
        if rest == "start":
            return referring.start(turn)
        if rest == "general":
            return referring.general(turn)
        if len(args) == 2 and args[0] == "job":
            return referring.start(turn, _int(args[1]))
    if recruiter and verb == "rv":
        return recruiting.referrals(turn, _int(rest))
    if recruiter and verb == "mv" and len(args) == 2:
        return recruiting.move(turn, _int(args[0]), args[1])
    if admin and verb == "rd" and len(args) == 2 and args[1] in ("approve", "reject"):
        return recruiting.decide(turn, _int(args[0]), args[1])
    if admin and verb == "rp":
        return recruiting.close_report(turn, _int(rest))
    return None


class Conversation:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def turn(self, user: ChatUser) -> Turn:
        employee = None
        if user.platform in (Platform.TELEGRAM.value, Platform.TEAMS.value):
            employee = await self.runtime.people.employee_for_chat(
                Platform(user.platform), user.user_id
            )
        language = (
            employee.language
            if employee
            else (user.language or "")[:2]
            if (user.language or "")[:2] in LANGUAGES
            else self.runtime.settings.default_language
        )
        return Turn(self.runtime, user, employee, language, FormStore(self.runtime, user))

    async def handle(self, user: ChatUser, intent: Intent) -> list[Reply]:
        turn = await self.turn(user)
        try:
            return await self._route(turn, intent)
        except DomainError as exc:
            return [Reply(turn._(exc.message))]
        except Exception:
            log.exception(
                "conversation failed for %s:%s on %s", user.platform, user.user_id, intent
            )
            return [Reply(translator(turn.language)("Something went wrong, please try again."))]

    async def as_employee(self, turn: Turn, intent: Intent) -> list[Reply]:
        """For channels that know the employee already (the terminal)."""
        try:
            return await self._route(turn, intent)
        except DomainError as exc:
            return [Reply(turn._(exc.message))]

    async def _route(self, turn: Turn, intent: Intent) -> list[Reply]:
        if turn.employee is None:
            return await account.unknown_user(turn, intent)
        if turn.user.platform in ("telegram", "teams") and (
            turn.user.conversation_reference or turn.user.chat_id
        ):
            await self.runtime.people.touch_identity(
                Platform(turn.user.platform),
                turn.user.user_id,
                turn.user.chat_id,
                turn.user.conversation_reference,
            )
        if intent.kind == "action" and intent.name == "policy:accept":
            return await account.accept_policy(turn)
        if not await self.runtime.policy.has_accepted_current(turn.me()):
            return await account.policy_gate(turn)
        if (intent.kind == "command" and intent.name == "cancel") or (
            intent.kind == "action" and intent.name == "cancel"
        ):
            await turn.forms.clear()
            return [Reply(turn._("Cancelled."), buttons=account.menu(turn))]
        form = await turn.forms.get()
        if form is not None and intent.kind != "command":
            continued = await self._continue(turn, form, intent)
            if continued is not None:
                return continued
        if intent.kind == "command":
            return await self._command(turn, intent)
        if intent.kind == "action":
            handled = _action(turn, intent.name)
            if handled is not None:
                return await handled
            return [Reply(turn._("This button is no longer valid."))]
        return account.help_text(turn)

    async def _command(self, turn: Turn, intent: Intent) -> list[Reply]:
        await turn.forms.clear()
        needed = ROLE_OF_COMMAND.get(intent.name)
        if needed is not None and not turn.is_at_least(needed):
            return [Reply(turn._("This command is for recruiters and admins."))]
        handler = COMMANDS.get(intent.name)
        if handler is None:
            return account.help_text(turn)
        return await handler(turn, intent.args)

    async def _continue(self, turn: Turn, form: object, intent: Intent) -> list[Reply] | None:
        from app.bots.turn import Form

        assert isinstance(form, Form)
        if form.name == "refer":
            if intent.kind == "action" and intent.name == "refer:confirm":
                return await referring.confirm(turn, form)
            if (
                intent.kind == "action"
                and intent.name.startswith("refer:")
                and intent.name != referring.SKIP
            ):
                return None  # picking the job: handled as an action
            return await referring.answer(turn, form, intent)
        if form.name == "report" and intent.kind == "text":
            return await account.finish_report(turn, intent.args)
        if form.name in ("post_job", "post_news"):
            if intent.kind == "action" and intent.name == "post:publish":
                return await recruiting.publish(turn, form)
            return await recruiting.post_answer(turn, form, intent)
        return None

    async def inline(self, user: ChatUser, query: str) -> list[InlineResult]:
        turn = await self.turn(user)
        if turn.employee is None or not await self.runtime.policy.has_accepted_current(
            turn.employee
        ):
            return []
        return await sharing.inline_results(turn, query)

    async def inline_chosen(self, user: ChatUser, result_id: str) -> None:
        turn = await self.turn(user)
        if turn.employee is not None:
            try:
                await sharing.inline_chosen(turn, result_id)
            except DomainError as exc:
                log.info("inline share not recorded: %s", exc.message)
