"""Dialogs with the conversation core, written as what the person does and what the bot
answers, played through the terminal channel (`app/bots/console.py`).

A turn is `(said, answer)`. `said` is a line typed as in `portevoix chat`: text, a
`/command`, `@press DATA` (a button payload of one's own, as a forged one), or a
button of the last answer named by its label in brackets, `[Share]`, pressed as the
terminal presses it (by its number). `answer` is the whole answer as the terminal shows
it: each reply's text, then its buttons (`  [1] Jobs`, `  -> Open LinkedIn: https://...`),
then a blank line; `<...>` stands for any text (a long policy, a link's code).
"""

from __future__ import annotations

import re

from app.bots.console import ConsoleSession

ANY = "<...>"
Turn = tuple[str, str]


def expected(answer: str) -> re.Pattern[str]:
    parts = [re.escape(part) for part in answer.split(ANY)]
    return re.compile(".*?".join(parts), re.DOTALL)


async def play(session: ConsoleSession, *turns: Turn) -> None:
    """Play the turns in order; the first answer that differs fails, with the dialog so
    far."""
    transcript: list[str] = []
    for said, answer in turns:
        line = said
        label = re.fullmatch(r"\[(.+)\]", said)
        if label is not None:
            labels = [button.label for button in session.choices]
            assert label.group(1) in labels, f"no button {said} in {labels}:\n" + "\n".join(
                transcript
            )
            line = str(labels.index(label.group(1)) + 1)
        got = await session.say(line)
        transcript += [f"> {said}", got]
        assert expected(answer).fullmatch(got), (
            "\n".join(transcript) + f"\n--- expected ---\n{answer}"
        )
