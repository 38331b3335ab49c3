"""Domain errors. Each says what went wrong in words a user can read; the web and bot
layers turn the `kind` into an HTTP status or a friendly chat message."""

from __future__ import annotations

from typing import Literal

from pydantic import ValidationError

ErrorKind = Literal["invalid", "not_found", "conflict", "forbidden", "gone"]


class DomainError(Exception):
    kind: ErrorKind = "invalid"
    code: str = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    kind = "not_found"
    code = "not_found"


class Conflict(DomainError):
    kind = "conflict"
    code = "conflict"


class InvalidTransition(Conflict):
    """A status change the thing's life cycle does not allow (a referral moved back, a
    job published after its closing date); the message says what is allowed."""

    code = "invalid_transition"


class Forbidden(DomainError):
    kind = "forbidden"
    code = "forbidden"


class Gone(DomainError):
    kind = "gone"
    code = "gone"


def explain(exc: ValidationError) -> str:
    """A pydantic error in one line a person can read: `field: problem; field: problem`."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "row"
        parts.append(f"{where}: {str(error['msg']).removeprefix('Value error, ')}")
    return "; ".join(parts)
