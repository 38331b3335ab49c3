"""The channel-agnostic conversation core: (chat user, intent) -> replies.

It knows no platform: Telegram, Teams and the terminal translate their updates into an
`Intent` and render the `Reply`s. It calls the domain services only. Every command,
button and inline search is an action of `app/chat/actions.py`, whose role is checked
here, in one place, before its handler or a form it owns runs. A failing step answers
"something went wrong" and logs the error; domain refusals are explained.
"""

from __future__ import annotations

import logging

from app.chat import account, actions, recruiting, referring, sharing
from app.chat.actions import Action
from app.chat.replies import ChatUser, InlineResult, Intent, Reply
from app.chat.turn import FormStore, Turn
from app.errors import DomainError
from app.i18n import LANGUAGES, translator
from app.people.models import EmployeeStatus, Platform
from app.runtime import Runtime

log = logging.getLogger(__name__)


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
        action, args = actions.resolve(intent) or (None, [])
        form = await turn.forms.get()
        owner = actions.BY_NAME.get(form.name) if form is not None else None
        if owner is not None and not self.permits(turn, owner):
            await turn.forms.clear()  # a form opened before a demotion ends with the role
            return actions.refusal(turn, owner)
        if action is not None and not self.permits(turn, action):
            return actions.refusal(turn, action)
        before_policy = action is not None and action.before_policy
        if not before_policy and not await self.runtime.policy.has_accepted_current(turn.me()):
            return await account.policy_gate(turn)
        if action is not None and action.name == "cancel":  # whatever form is open
            return await action.run(turn, args)
        if form is not None and intent.kind != "command":
            continued = await self._continue(turn, form, intent)
            if continued is not None:
                return continued
        if intent.kind == "command":
            await turn.forms.clear()
        if action is not None:
            return await action.run(turn, args)
        if intent.kind == "action":
            return await actions.stale(turn)
        return actions.help_replies(turn)

    @staticmethod
    def permits(turn: Turn, action: Action) -> bool:
        """May the speaker run `action`, by whichever entry? The one role check."""
        employee = turn.employee
        return (
            employee is not None
            and employee.status != EmployeeStatus.LEFT
            and turn.is_at_least(action.role)
        )

    async def _continue(self, turn: Turn, form: object, intent: Intent) -> list[Reply] | None:
        from app.chat.turn import Form

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
        if (
            turn.employee is None
            or not self.permits(turn, actions.SHARE)
            or not await self.runtime.policy.has_accepted_current(turn.employee)
        ):
            return []
        return await sharing.inline_results(turn, query)

    async def inline_chosen(self, user: ChatUser, result_id: str) -> None:
        turn = await self.turn(user)
        if turn.employee is not None and self.permits(turn, actions.SHARE):
            try:
                await sharing.inline_chosen(turn, result_id)
            except DomainError as exc:
                log.info("inline share not recorded: %s", exc.message)
