"""Strict parsers for what people and other systems send: numbers typed in a URL, a form
or a chat, and JSON documents.

`str.isdigit()` is true for "²" and "٣", which `int()` then refuses or reads as 3: a
number from outside is ASCII digits only, within what an INTEGER column holds. Python's
JSON decoder recurses once per nesting level and raises RecursionError (not ValueError)
near a thousand levels; a document is refused past `max_depth` instead, whatever reads it
next (validation, the range check) being recursive too.
"""

from __future__ import annotations

import json
from typing import Any

# Ids and numbers are INTEGER columns: beyond 32 bits a value names no row.
MAX_INT = 2**31 - 1


def whole_number(text: str, at_most: int = MAX_INT) -> int | None:
    """`text` as a non-negative integer (ASCII digits only, at most `at_most`), else None."""
    if not text or len(text) > len(str(at_most)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= at_most else None


class JsonTooDeep(ValueError):
    """A JSON document nested deeper than allowed."""


def json_loads(raw: bytes | str, max_depth: int) -> Any:
    """The document in `raw`. ValueError if it is not JSON (JsonTooDeep, a ValueError,
    if it nests arrays and objects more than `max_depth` levels)."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels") from None
    if _depth_exceeds(data, max_depth):
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    return data


def _depth_exceeds(data: Any, max_depth: int) -> bool:
    """Whether arrays and objects nest more than `max_depth` levels (iterative: no
    recursion on a document built to exhaust it)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth + 1 > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
