"""The rules of the points economy, read from config/gamification.toml and checked.

A mistake in the file (a typo in a counter name, a negative number, levels out of order)
stops the program with the file, the line and the reason: `RulesError`.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Counter = Literal[
    "shares",
    "unique_clicks",
    "referrals",
    "interviews",
    "hires",
    "streak_weeks",
    "monthly_podium",
]
Points = Annotated[int, Field(ge=0, le=1_000_000)]


class RulesError(Exception):
    """The rules file is unusable; the message names the file, line and reason."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PointsTable(Strict):
    share: Points = 5
    unique_click: Points = 1
    application: Points = 20
    interview: Points = 50
    offer: Points = 100
    hire: Points = 500
    policy_accepted: Points = 10
    weekly_streak: Points = 10
    colleague_active: Points = 25


class Caps(Strict):
    click_points_per_link_per_day: Points = 20
    click_points_per_employee_per_day: Points = 100


class Level(Strict):
    points: Points
    en: str = Field(min_length=1)
    fr: str = Field(min_length=1)


class Badge(Strict):
    code: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    counter: Counter
    at_least: int = Field(ge=1)
    en: str = Field(min_length=1)
    fr: str = Field(min_length=1)


class Rules(Strict):
    points: PointsTable = PointsTable()
    caps: Caps = Caps()
    levels: list[Level] = Field(min_length=1)
    badges: list[Badge] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        thresholds = [level.points for level in self.levels]
        if thresholds[0] != 0 or thresholds != sorted(set(thresholds)):
            raise ValueError("levels must start at 0 points and strictly increase")
        codes = [badge.code for badge in self.badges]
        if len(codes) != len(set(codes)):
            raise ValueError("two badges have the same code")
        return self

    def level_for(self, lifetime_points: int) -> int:
        """Index of the highest level reached with these lifetime points."""
        reached = [i for i, level in enumerate(self.levels) if level.points <= lifetime_points]
        return max(reached, default=0)


def load_rules(path: Path) -> Rules:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: {exc}") from None
    try:
        return Rules.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "file"
        line = _line_of(text, error["loc"] or ("levels", 0))
        at = f" line {line}:" if line else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        raise RulesError(f"{path}:{at} {where}: {message}") from None


def _line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Best effort: the line of the table, array item and key that `loc` points at."""
    lines = text.splitlines()
    start = 0
    index = 0
    while index < len(loc):
        part = loc[index]
        if isinstance(part, str) and index + 1 < len(loc) and isinstance(loc[index + 1], int):
            wanted = int(loc[index + 1])
            seen = -1
            for number in range(start, len(lines)):
                if re.match(rf"^\s*\[\[\s*{re.escape(part)}\s*\]\]", lines[number]):
                    seen += 1
                    if seen == wanted:
                        start = number
                        break
            index += 2
            continue
        if isinstance(part, str):
            for number in range(start, len(lines)):
                if re.match(rf"^\s*(\[\s*)?{re.escape(part)}\b", lines[number]):
                    start = number
                    break
        index += 1
    return start + 1 if loc else None
