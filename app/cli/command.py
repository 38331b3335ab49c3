"""What every `portevoix` command shares: the one-line failure, the runtime, progress bars.

A command raises `CommandError` for an operator's mistake; `main` prints it as one line.
`with_runtime` opens the database, Redis and services for the command's work and closes
them after, whatever happens.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from tqdm import tqdm

from app.runtime import Runtime, open_runtime
from app.settings import Settings


class CommandError(Exception):
    """A failure to report in one line (exit code 1)."""


def with_runtime(
    settings: Settings, work: Callable[[Runtime], Awaitable[int]], *, migrate: bool = False
) -> int:
    async def go() -> int:
        async with open_runtime(settings, migrate=migrate or settings.embedded) as runtime:
            return await work(runtime)

    return asyncio.run(go())


def progress_bar(quiet: bool) -> Callable[[str, int, int], None]:
    bars: dict[str, tqdm] = {}

    def progress(step: str, done: int, total: int) -> None:
        if quiet:
            return
        bar = bars.get(step)
        if bar is None:
            bar = bars[step] = tqdm(total=total, desc=step, unit="", file=sys.stderr)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress
