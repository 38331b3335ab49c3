"""The channel-agnostic conversation core: (chat user, intent) -> replies.

It knows no platform: Telegram, Teams and the terminal translate their updates into an
`Intent` and render the `Reply`s, and say what they can show (`ChatUser.can`). It calls
the domain services only, through `ChatServices` (app/chat/services.py). Every command,
button and inline search is an action of `app/chat/actions.py`, whose role is checked
here, in one place, before its handler or a form it owns runs. A failing step answers
"something went wrong" and logs the error; domain refusals are explained.
"""

from __future__ import annotations

import logging

from app.chat import account, actions, recruiting, referring, sharing
from app.chat.actions import Action
from app.chat.buttons import (
    POST_PUBLISH,
    REFER,
    REFER_CONFIRM,
    REFER_GENERAL,
    REFER_JOB,
)
from app.chat.replies import ChatUser, InlineResult, Intent, Reply
from app.chat.services import ChatServices
from app.chat.turn import Form, FormStore, Turn
from app.errors import DomainError
from app.i18n import LANGUAGES, translator
from app.people.models import EmployeeStatus, Platform

log = logging.getLogger(__name__)


def _identity(user: ChatUser) -> Platform | None:
    """The people domain's platform of this chat account; None for a channel without
    chat identities (the terminal, where the speaker is named by e-mail)."""
    return Platform(user.platform) if user.platform in {p.value for p in Platform} else None


class Conversation:
    def __init__(self, services: ChatServices) -> None:
        self.services = services

    def forms(self, user: ChatUser) -> FormStore:
        """The form `user` has in progress (channels peek at it: Teams' typed words)."""
        return FormStore(self.services, user)

    async def turn(self, user: ChatUser) -> Turn:
        employee = None
        platform = _identity(user)
        if platform is not None:
            employee = await self.services.people.employee_for_chat(platform, user.user_id)
        spoken = (user.language or "")[:2]
        language = (
            employee.language
            if employee
            else spoken
            if spoken in LANGUAGES
            else self.services.settings.default_language
        )
        return Turn(self.services, user, employee, language, self.forms(user))

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
        platform = _identity(turn.user)
        if platform is not None and (turn.user.conversation_reference or turn.user.chat_id):
            await self.services.people.touch_identity(
                platform,
                turn.user.user_id,
                turn.user.chat_id,
                turn.user.conversation_reference,
            )
        action = actions.resolve(intent)
        form = await turn.forms.get()
        owner = actions.BY_NAME.get(form.name) if form is not None else None
        if owner is not None and not self.permits(turn, owner):
            await turn.forms.clear()  # a form opened before a demotion ends with the role
            return actions.refusal(turn, owner)
        if action is not None and not self.permits(turn, action):
            return actions.refusal(turn, action)
        before_policy = action is not None and action.before_policy
        if not before_policy and not await self.services.policy.has_accepted_current(turn.me()):
            return await account.policy_gate(turn)
        if action is not None and action.name == "cancel":  # whatever form is open
            return await action.run(turn)
        if form is not None and intent.kind != "command":
            continued = await self._continue(turn, form, intent)
            if continued is not None:
                return continued
        if intent.kind == "command":
            await turn.forms.clear()
        if action is not None:
            values = action.values(intent)
            if values is None:  # its verb, but not a payload we made
                return await actions.stale(turn)
            return await action.run(turn, *values)
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

    async def ready(self, turn: Turn, action: Action) -> bool:
        """May the speaker run `action` now: permitted, and past the policy unless the
        action comes before it? (For entries that do not go through `handle`.)"""
        if not self.permits(turn, action):
            return False
        return action.before_policy or await self.services.policy.has_accepted_current(turn.me())

    async def _continue(self, turn: Turn, form: Form, intent: Intent) -> list[Reply] | None:
        pressed = intent.name if intent.kind == "action" else None
        if form.name == "refer":
            if pressed is not None and REFER_CONFIRM.matches(pressed):
                return await referring.confirm(turn, form)
            if pressed is not None and any(
                press.matches(pressed) for press in (REFER, REFER_GENERAL, REFER_JOB)
            ):
                return None  # picking the job: handled as an action
            return await referring.answer(turn, form, intent)
        if form.name == "report" and intent.kind == "text":
            return await account.finish_report(turn, intent.args)
        if form.name in ("post_job", "post_news"):
            if pressed is not None and POST_PUBLISH.matches(pressed):
                return await recruiting.publish(turn, form)
            return await recruiting.post_answer(turn, form, intent)
        return None

    async def inline(self, user: ChatUser, query: str) -> list[InlineResult]:
        turn = await self.turn(user)
        if not await self.ready(turn, actions.SHARE):
            return []
        return await sharing.inline_results(turn, query)

    async def inline_chosen(self, user: ChatUser, result_id: str) -> None:
        turn = await self.turn(user)
        if turn.employee is not None and self.permits(turn, actions.SHARE):
            try:
                await sharing.inline_chosen(turn, result_id)
            except DomainError as exc:
                log.info("inline share not recorded: %s", exc.message)
