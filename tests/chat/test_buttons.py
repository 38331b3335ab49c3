"""The button payloads (`app/chat/buttons.py`): each built and read back in one place,
typed, within Telegram's 64 bytes, and anything else refused."""

from __future__ import annotations

import pytest

from app.chat import buttons
from app.chat.actions import ACTIONS, BY_BUTTON, resolve
from app.chat.buttons import (
    BOARD,
    CALLBACK_LIMIT,
    MOVE,
    NETWORK,
    POLICY,
    REFER_JOB,
    Number,
    Press,
)
from app.chat.replies import Intent
from app.parsing import MAX_INT
from app.referrals.models import ReferralStatus

PRESSES = [value for value in vars(buttons).values() if isinstance(value, Press)]


def test_a_payload_reads_back_as_the_values_it_was_built_from() -> None:
    assert MOVE(12, "screening") == "mv:12:screening"
    assert MOVE.parse("mv:12:screening") == (12, "screening")
    assert NETWORK.parse(NETWORK("news", 7, "linkedin")) == ("news", 7, "linkedin")
    assert REFER_JOB.parse("refer:job:3") == (3,)
    assert BOARD.parse("board") == () and BOARD.parse("board:week") == ("week",)
    assert POLICY.parse("policy") == () and POLICY.parse("policy:accept") == ("accept",)


@pytest.mark.parametrize(
    ("press", "data"),
    [
        (MOVE, "mv:12"),  # a part missing
        (MOVE, "mv:12:screening:x"),  # a part too many
        (MOVE, "mv:twelve:screening"),  # not a number
        (MOVE, "mv:-1:screening"),  # not a whole number
        (MOVE, "mv:12:promoted"),  # not a status
        (MOVE, "mvx:12:screening"),  # another verb
        (BOARD, "board:year:company"),
        (POLICY, "policy:refuse"),
    ],
)
def test_anything_we_did_not_make_is_refused(press: Press, data: str) -> None:
    assert press.parse(data) is None


def test_building_a_payload_that_could_not_come_back_is_a_bug() -> None:
    with pytest.raises(ValueError):
        MOVE(12, "promoted")
    with pytest.raises(ValueError):
        REFER_JOB(MAX_INT + 1)  # no id is that large
    with pytest.raises(ValueError):
        Press("v" * CALLBACK_LIMIT, (Number(),))(1)  # over Telegram's 64 bytes


def test_the_longest_payloads_fit_in_telegram_callback_data() -> None:
    biggest = MAX_INT  # the largest id a payload may carry
    longest = max((status.value for status in ReferralStatus), key=len)
    assert len(MOVE(biggest, longest).encode()) <= CALLBACK_LIMIT
    assert len(NETWORK("news", biggest, "whatsapp").encode()) <= CALLBACK_LIMIT


def test_every_verb_reaches_one_action_and_every_press_of_an_action_is_declared_once() -> None:
    verbs = [p.verb for p in PRESSES]
    assert len(verbs) == len(set(verbs))
    assert all(action.press in PRESSES for action in ACTIONS if action.press)
    for verb, action in BY_BUTTON.items():
        assert resolve(Intent("action", verb)) is action
