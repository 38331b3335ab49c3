"""Domain errors. Each says what went wrong in words a user can read; the web and bot
layers turn the `kind` into an HTTP status or a friendly chat message."""

from __future__ import annotations

from typing import Literal

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


class Forbidden(DomainError):
    kind = "forbidden"
    code = "forbidden"


class Gone(DomainError):
    kind = "gone"
    code = "gone"
