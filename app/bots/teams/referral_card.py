"""Refer a friend in one Adaptive Card (Teams), checked by the core's step-by-step form.

Teams users get every field at once. On submit, the answers are fed to the conversation
core one step at a time, exactly as if typed, so the rules (a real e-mail, a LinkedIn
URL, ownership and duplicates at the end) live in one place (`app/chat/referring.py`).
A step the core refuses brings the card back, filled in, with the core's reason. Cards
cannot carry files: "Step by step" opens the core's chat form, which takes a CV.
No botbuilder here: the card is a dict from `app/bots/teams/cards.py`.
"""

from __future__ import annotations

import json
from typing import Any

from app.bots.teams import cards
from app.chat.actions import BY_NAME
from app.chat.buttons import REFER, REFER_CONFIRM, REFER_GENERAL, REFER_JOB, REFER_SKIP
from app.chat.conversation import Conversation
from app.chat.replies import ChatUser, Intent, Reply
from app.chat.sharing import feed
from app.chat.turn import Turn

STEPS = cards.REFER_STEPS
OPENERS = (REFER, REFER_GENERAL, REFER_JOB)
FIELDS = ("job", "name", "email", "phone", "linkedin", "note")
OPTIONAL = {"phone", "linkedin", "note"}


class ReferForm:
    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation

    async def handle(self, user: ChatUser, intent: Intent) -> dict[str, Any] | list[Reply] | None:
        """The card, the outcome of a submitted card, or None: not ours, the core answers."""
        opening = (intent.kind == "command" and intent.name == "refer") or (
            intent.kind == "action" and any(press.matches(intent.name) for press in OPENERS)
        )
        submitted = intent.kind == "action" and (
            cards.REFER_FORM.matches(intent.name) or STEPS.matches(intent.name)
        )
        if not (opening or submitted):
            return None
        turn = await self.conversation.turn(user)
        if not await self.conversation.ready(turn, BY_NAME["refer"]):
            return None  # the core explains joining, the role and the policy
        if STEPS.matches(intent.name):
            return await self.conversation.handle(user, Intent("action", REFER()))
        if cards.REFER_FORM.matches(intent.name):
            return await self._submit(turn, user, _values(intent.args))
        forms = self.conversation.forms(user)
        form = await forms.get()
        if intent.kind == "action" and form is not None and form.name == "refer":
            return None  # picking the job in the chat form ("Step by step")
        await forms.clear()
        picked = REFER_JOB.parse(intent.name) if intent.kind == "action" else None
        job = str(picked[0]) if picked else ""
        if intent.kind == "action" and REFER_GENERAL.matches(intent.name):
            job = "general"
        return await self.card(turn, {"job": job} if job else {})

    async def card(self, turn: Turn, values: dict[str, str], error: str = "") -> dict[str, Any]:
        _ = turn._
        jobs, _news = await feed(turn)
        texts = {
            "title": _("Refer a friend"),
            "job": _("For which job?"),
            "general": _("A general referral (no specific job)"),
            "name": _("Their full name"),
            "email": _("Their e-mail address"),
            "phone": _("Their phone number (optional)"),
            "linkedin": _("Their LinkedIn profile URL (optional)"),
            "note": _("How do you know them? (optional)"),
            "cv": _("To attach a CV, use Step by step."),
            "required": _("Required"),
            "send": _("Refer"),
            "steps": _("Step by step"),
            "cancel": _("Cancel"),
        }
        return cards.refer_form(texts, [(j.id, j.title) for j in jobs[:20]], values, error)

    async def _submit(self, turn: Turn, user: ChatUser, values: dict[str, str]) -> Any:
        forms = self.conversation.forms(user)
        picked = REFER_JOB.read([values.get("job", "")])
        opener = REFER_JOB(*picked) if picked else REFER_GENERAL()
        replies = await self.conversation.handle(user, Intent("action", opener))
        form = await forms.get()
        if form is None or form.step != "name":
            return replies  # a closed job: the core said why
        answers = [
            ("name", values.get("name", "")),
            ("email", values.get("email", "")),
            ("phone", values.get("phone", "")),
            ("linkedin", values.get("linkedin", "")),
            ("cv", ""),
            ("note", values.get("note", "")),
        ]
        for step, answer in answers:
            skip = not answer and (step in OPTIONAL or step == "cv")
            intent = Intent("action", REFER_SKIP()) if skip else Intent("text", args=answer)
            replies = await self.conversation.handle(user, intent)
            form = await forms.get()
            if form is None:
                return replies
            if form.step == step:  # refused: show the card again with the reason
                await forms.clear()
                return await self.card(turn, values, error=replies[0].text if replies else "")
        return await self.conversation.handle(user, Intent("action", REFER_CONFIRM()))


def _values(raw: str) -> dict[str, str]:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: str(data[k]).strip()[:1000] for k in FIELDS if isinstance(data.get(k), str | int)}
