"""Every button payload, defined once: its verb, its typed arguments, how it is built and
how it is read back.

A button's payload is what comes back when it is pressed (a Telegram `callback_data`, a
Teams card submit's `action`), so it is untrusted input: anyone can forge one. A flow
builds it by calling its `Press` (`MOVE(12, "screening")` is `"mv:12:screening"`), and
`app/chat/actions.py` reads it back with `Press.parse`, which gives the typed values or
None for anything this module did not make (a wrong number of parts, a number that is
not one, a word outside its list): the core answers that the button is no longer valid.
Telegram allows 64 bytes of callback data; a payload that would not fit is a bug, so
building one raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.parsing import whole_number
from app.referrals.models import Channel, ReferralStatus

CALLBACK_LIMIT = 64  # bytes: Telegram's limit on callback data
Value = int | str


@dataclass(frozen=True)
class Number:
    """A whole number: an id or a page."""

    def read(self, part: str) -> Value | None:
        return whole_number(part)


@dataclass(frozen=True)
class OneOf:
    """One word of a fixed list (a status, a period, a share channel)."""

    words: tuple[str, ...]

    def read(self, part: str) -> Value | None:
        return part if part in self.words else None


@dataclass(frozen=True)
class Word:
    """A short word checked by the flow that takes it (a language code)."""

    def read(self, part: str) -> Value | None:
        return part.lower() if re.fullmatch(r"[A-Za-z]{1,8}", part) else None


Param = Number | OneOf | Word


@dataclass(frozen=True)
class Press:
    """One kind of button press: `verb` then one `:`-separated part per parameter; the
    last `optional` parameters may be left out."""

    verb: str
    params: tuple[Param, ...] = ()
    optional: int = 0

    def __call__(self, *values: Value) -> str:
        """The payload for these values (checked like a pressed one)."""
        data = ":".join([self.verb, *(str(value) for value in values)])
        if len(data.encode()) > CALLBACK_LIMIT or self.parse(data) is None:
            raise ValueError(f"not a valid {self.verb!r} payload: {data!r}")
        return data

    def parse(self, data: str) -> tuple[Value, ...] | None:
        """The typed values of a payload of this press; None if it is not one."""
        if data != self.verb and not data.startswith(self.verb + ":"):
            return None
        rest = data[len(self.verb) + 1 :]
        return self.read(rest.split(":") if rest else [])

    def read(self, parts: list[str]) -> tuple[Value, ...] | None:
        """The typed values of these parts (a payload's, or a command's words)."""
        if not len(self.params) - self.optional <= len(parts) <= len(self.params):
            return None
        values = tuple(param.read(part) for param, part in zip(self.params, parts, strict=False))
        return None if any(value is None for value in values) else values  # type: ignore[return-value]

    def matches(self, data: str) -> bool:
        return self.parse(data) is not None


def _words(values: Iterable[object]) -> OneOf:
    return OneOf(tuple(str(value) for value in values))


KIND = OneOf(("job", "news"))
SHARE_NETWORKS = (
    Channel.LINKEDIN,
    Channel.X,
    Channel.FACEBOOK,
    Channel.WHATSAPP,
    Channel.EMAIL,
    Channel.COPY,
)
PERIOD = OneOf(("week", "month", "all"))
SCOPE = OneOf(("company", "department"))

# -- reaching an action (app/chat/actions.py maps each to its action) ------------------------
JOBS = Press("jobs", (Number(),))  # the page
JOB = Press("job", (Number(),))
NEWS = Press("news", (Number(),))
POST = Press("post", (Number(),))
SHARE = Press("share", (KIND, Number()))
NETWORK = Press("net", (KIND, Number(), _words(c.value for c in SHARE_NETWORKS)))
REFER = Press("refer:start")
REFER_GENERAL = Press("refer:general")
REFER_JOB = Press("refer:job", (Number(),))
ME = Press("me")
BOARD = Press("board", (PERIOD, SCOPE), optional=2)
SHOP = Press("shop")
BUY = Press("buy", (Number(),))
REDEEM = Press("buy!", (Number(),))
MY_REDEMPTIONS = Press("mine:redemptions")
LANGUAGE = Press("lang", (Word(),))
NOTIFICATIONS = Press("notify:toggle")
OPT_OUT = Press("optout:toggle")
POLICY = Press("policy", (OneOf(("accept",)),), optional=1)
CANCEL = Press("cancel")
REVIEW = Press("rv", (Number(),))  # the page of referrals to review
MOVE = Press("mv", (Number(), _words(s.value for s in ReferralStatus)))
STATS = Press("stats")
DECIDE = Press("rd", (Number(), OneOf(("approve", "reject"))))
CLOSE_REPORT = Press("rp", (Number(),))

# -- answering the form in progress (the form's owner checked the role) -------------------
REFER_SKIP = Press("refer:skip")
REFER_CONFIRM = Press("refer:confirm")
POST_EVERYONE = Press("post:everyone")
POST_PUBLISH = Press("post:publish")
ACCESS_REQUEST = Press("access:request")  # a stranger asks the admins for an invitation
