"""A terminal channel: `portevoix chat --as EMAIL` talks to the same conversation core.

Buttons are shown as numbered choices; type the number to press one, `/command` for a
command, or plain text to answer a form; `@file PATH` sends a file and `@press DATA` a
button payload of your own (what a forged button would carry). Anyone can try the bot
without Telegram or Teams, and the tests drive it through `ConsoleSession.say`
(tests/chat/ holds dialogs written as turns and expected replies). The session takes
the chat services (the process's runtime satisfies `ChatServices`), and shows nothing
but text and buttons.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from app.chat.conversation import Conversation
from app.chat.replies import Button, ChatUser, Intent, Reply, Upload
from app.chat.services import ChatServices
from app.chat.turn import Turn
from app.errors import DomainError, NotFound
from app.parsing import whole_number
from app.people.errors import EmployeeHasLeft
from app.people.models import EmployeeStatus

PLATFORM = "console"


class ConsoleSession:
    """The terminal, speaking as the employee with e-mail `email`; or, given `user`
    instead, as that chat account (a stranger holding an invitation code, in a test)."""

    def __init__(
        self,
        services: ChatServices,
        email: str = "",
        *,
        user: ChatUser | None = None,
        conversation: Conversation | None = None,
    ) -> None:
        """`conversation`: the process's own (its root builds one); a test may omit it."""
        self.services = services
        self.email = email
        self.user = user
        self.conversation = conversation or Conversation(services)
        self.choices: list[Button] = []

    async def _turn(self) -> Turn:
        employee = await self.services.people.find_by_email(self.email)
        if employee is None:
            raise NotFound(f"No employee with e-mail {self.email}.")
        if employee.status == EmployeeStatus.LEFT:
            raise EmployeeHasLeft(f"{employee.name} has left the company.")
        user = ChatUser(PLATFORM, f"console:{employee.id}", name=employee.name)
        return Turn(self.services, user, employee, employee.language, self.conversation.forms(user))

    async def say(self, line: str) -> str:
        """One line typed by the user; returns what the bot answers, rendered as text."""
        try:
            replies = await self.replies(line)
        except DomainError as exc:  # left (or erased) since the session began
            return exc.message
        return self.render(replies)

    async def replies(self, line: str) -> list[Reply]:
        """What the bot answers one line, as the core's replies (`render` numbers their
        buttons for the next line)."""
        intent = self._intent(line)
        if self.user is not None:
            return await self.conversation.handle(self.user, intent)
        return await self.conversation.as_employee(await self._turn(), intent)

    def _intent(self, line: str) -> Intent:
        text = line.strip()
        if text.startswith("/"):
            name, _sep, args = text[1:].partition(" ")
            return Intent("command", name.lower(), args)
        if text.startswith("@press "):  # a raw payload, as a forged button would carry
            return Intent("action", text.removeprefix("@press ").strip())
        if text.startswith("@file "):
            path = Path(text.removeprefix("@file ").strip())
            return Intent("document", upload=Upload.of(path.name, path.read_bytes()))
        choice = whole_number(text)
        if choice is not None and 1 <= choice <= len(self.choices):
            button = self.choices[choice - 1]
            if button.action:
                return Intent("action", button.action)
        return Intent("text", args=text)

    def render(self, replies: list[Reply]) -> str:
        self.choices = []
        out = []
        for reply in replies:
            out.append(reply.text)
            for row in reply.buttons:
                for button in row:
                    if button.action:
                        self.choices.append(button)
                        out.append(f"  [{len(self.choices)}] {button.label}")
                    elif button.url:
                        out.append(f"  -> {button.label}: {button.url}")
            out.append("")
        return "\n".join(out)


async def run(services: ChatServices, conversation: Conversation, email: str) -> int:
    session = ConsoleSession(services, email, conversation=conversation)
    print(
        "Porte-voix chat. /help lists commands, a number presses a button, "
        "@file PATH sends a file, @press DATA sends a button payload, Ctrl+D quits.\n"
    )
    print(await session.say("/start"))
    while True:
        try:
            line = await asyncio.to_thread(input, "> ")
        except EOFError:
            return 0
        if line.strip():
            print(await session.say(line), flush=True)
            sys.stdout.flush()
