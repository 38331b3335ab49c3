"""What every `portevoix` command shares: the one-line failure, the runtime, progress bars.

A command raises `CommandError` for an operator's mistake; `main` prints it as one line.
`with_runtime` opens the command's composition root (the database, Redis and services:
a CLI process's, unless the command is the web or the worker) for its work and closes
it after, whatever happens.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import asyncpg
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tortoise.exceptions import DBConnectionError, OperationalError
from tqdm import tqdm

from app import db
from app.reactions import Process
from app.runtime import CLI_PROCESS, Runtime, open_runtime
from app.settings import Settings
from app.store_host import StoreHostError

DATABASE_FAILURES = (DBConnectionError, OperationalError, asyncpg.PostgresError, sqlite3.Error)


class CommandError(Exception):
    """A failure to report in one line (exit code 1)."""


def service_failure(exc: BaseException, settings: Settings) -> str | None:
    """One line naming the server that failed (never its password), or None when `exc`
    is not a server's failure. File errors never get here: commands report those
    themselves (`read_file`, `write_file`), so a raw OSError is a connection's."""
    database = db.describe(settings.effective_database_url())
    redis = db.describe(settings.redis_url) if settings.redis_url else "the embedded Redis"
    if isinstance(exc, StoreHostError):  # the embedded Redis could not start: it says why
        return str(exc)
    if isinstance(exc, (RedisConnectionError, RedisTimeoutError)):
        return f"cannot reach Redis ({redis}): {_reason(exc)}"
    if isinstance(exc, RedisError):
        return f"Redis ({redis}) refused: {_reason(exc)}"
    if isinstance(exc, DBConnectionError) or (isinstance(exc, OSError) and not settings.embedded):
        return f"cannot reach the database ({database}): {_reason(exc)}"
    if isinstance(exc, DATABASE_FAILURES):
        reason = _reason(exc)
        if "no such table" in reason or ("relation" in reason and "does not exist" in reason):
            reason += " (run `portevoix migrate`)"
        return f"the database ({database}) refused: {reason}"
    return None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())  # server messages may span lines


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None


def write_file(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None


def with_runtime(
    settings: Settings,
    work: Callable[[Runtime], Awaitable[int]],
    *,
    migrate: bool = False,
    process: frozenset[Process] = CLI_PROCESS,
) -> int:
    async def go() -> int:
        migrating = migrate or settings.embedded
        async with open_runtime(settings, process, migrate=migrating) as runtime:
            return await work(runtime)

    return run_on_loop(settings, go())


def run_on_loop(settings: Settings, work: Coroutine[Any, Any, int]) -> int:
    """`asyncio.run` on the event loop EVENT_LOOP names."""
    with asyncio.Runner(loop_factory=loop_factory(settings)) as runner:
        return runner.run(work)


def loop_factory(settings: Settings) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """EVENT_LOOP: asyncio's own loop (None: the default), or uvloop's, an optional
    dependency (`pip install 'portevoix[uvloop]'`)."""
    if settings.event_loop == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        raise CommandError(
            "EVENT_LOOP=uvloop but uvloop is not installed: pip install 'portevoix[uvloop]'"
        ) from None
    return uvloop.new_event_loop


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
