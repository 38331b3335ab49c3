"""Commands that run and look after the installation: serve, work, migrate, seed the demo,
rebuild the leaderboards and the click roll-ups, package the Teams app.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import gc
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

from app import db
from app.cli.command import CommandError, progress_bar, run_on_loop, with_runtime, write_file
from app.runtime import EMBEDDED_RUN, WEB_PROCESS, WORKER_PROCESS, Runtime
from app.settings import Settings

log = logging.getLogger("portevoix")
RUN_LOCK = "run.lock"


def run(settings: Settings, args: argparse.Namespace) -> int:
    from app.server import create_app
    from app.web.redirect import DoorRunner

    async def serve(runtime: Runtime) -> int:
        await runtime.policy.publish_from_files()
        if settings.embedded and not await runtime.gamification.boards.built():
            # A new embedded Redis (first start, or its snapshot was lost): the boards
            # come back from the ledger before anyone reads them.
            await runtime.gamification.boards.rebuild()
        if settings.embedded and settings.demo_on_empty:
            from app import demo

            if await demo.is_empty(runtime):
                log.info("empty database: seeding the demo company")
                await demo.seed(runtime, progress_bar(quiet=False))
        app = create_app(settings, runtime)
        runner = DoorRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as exc:  # the port is taken, or HOST is not this machine's
            await runner.cleanup()
            raise CommandError(
                f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}"
            ) from None
        print(_welcome(settings), flush=True)
        freeze_start_up_objects()
        stop = _stop_on_signals()
        background = []
        if settings.embedded:  # one process does everything
            background.append(asyncio.create_task(_background(runtime, stop)))
        await stop.wait()
        await runner.cleanup()
        await asyncio.gather(*background)
        return 0

    if not settings.embedded:
        return with_runtime(settings, serve, process=WEB_PROCESS)
    with _only_server_of(settings):  # one process does everything
        return with_runtime(settings, serve, process=EMBEDDED_RUN)


@contextmanager
def _only_server_of(settings: Settings) -> Iterator[None]:
    """Embedded mode has one server per data directory (it is also the worker, and
    SQLite has one writer): a second `run` stops with one line. The lock is an flock,
    which the kernel releases when the server dies, so a crash leaves nothing stale."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with (settings.data_dir / RUN_LOCK).open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            raise CommandError(
                f"{settings.data_dir} is already served by {holder}; stop it, or give this "
                "one another DATA_DIR"
            ) from None
        lock.truncate(0)
        lock.write(f"portevoix run (pid {os.getpid()}, port {settings.port})\n")
        lock.flush()
        yield


def freeze_start_up_objects() -> None:
    """Move what start-up built (modules, routes, templates, ORM models: some 160,000
    objects) out of the garbage collector's reach. A full collection otherwise walks them
    all, a 50 to 80 ms pause several times in 10 s under load; they live as long as the
    process anyway (docs/architecture.md, "Garbage collection")."""
    gc.collect()
    gc.freeze()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def worker(settings: Settings, args: argparse.Namespace) -> int:
    async def go(runtime: Runtime) -> int:
        stop = _stop_on_signals()
        print("Worker running (clicks, pushes, scheduled jobs); Ctrl+C to stop.", flush=True)
        freeze_start_up_objects()
        await _background(runtime, stop)
        return 0

    return with_runtime(settings, go, process=WORKER_PROCESS)


async def _background(runtime: Runtime, stop: asyncio.Event) -> None:
    """What a worker does: drain clicks, send pushes, run the scheduled jobs."""
    engine = runtime.push_engine
    await engine.start()
    try:
        await asyncio.gather(
            runtime.click_worker().run_forever(stop),
            engine.run_forever(stop),
        )
    finally:
        if runtime.settings.embedded:
            # No worker runs once the server stops: store the clicks still queued.
            await runtime.click_worker().drain()


def _welcome(settings: Settings) -> str:
    """The start banner: where the server listens and every page a person opens, at the
    address people use (PUBLIC_BASE_URL)."""
    from app.web.landing import PAGES

    base = settings.public_base_url
    mode = "embedded (SQLite + its own Redis)" if settings.embedded else "PostgreSQL + Redis"
    token = "ADMIN_TOKEN" if settings.admin_token else "`portevoix token --role admin`"
    pages = [("Home", "/"), *((page.title, page.path) for page in PAGES)]
    pages.append(("OpenAPI", "/api/v1/openapi.json"))
    width = max(len(title) for title, _ in pages) + 2
    lines = [
        f"Porte-voix is running in {mode} mode on {settings.host}:{settings.port}.",
        *(f"  {title + ':':{width}}{base}{path}" for title, path in pages),
        f"  {'Health:':{width}}{base}/healthz  {base}/readyz  {base}/metrics",
        f"  {'API token:':{width}}{token}",
        "Press Ctrl+C to stop.",
    ]
    return "\n".join(lines)


def migrate(settings: Settings, args: argparse.Namespace) -> int:
    async def go() -> int:
        ctx = await db.open_db(settings.effective_database_url())
        try:
            applied = await db.migrate(ctx, progress=_print_migration)
        finally:
            await db.close_db(ctx)
        where = db.describe(settings.effective_database_url())
        print(f"{len(applied)} migration(s) applied to {where}; the schema is up to date.")
        return 0

    return run_on_loop(settings, go())


def _print_migration(event: str, app_label: str, name: str) -> None:
    if event == "apply_start":
        print(f"  applying {app_label}.{name} ...", flush=True)


def demo_cmd(settings: Settings, args: argparse.Namespace) -> int:
    from app import demo

    async def go(runtime: Runtime) -> int:
        await demo.seed(runtime, progress_bar(args.quiet))
        print("Demo company ready.")
        return 0

    return with_runtime(settings, go)


def rebuild_leaderboards_cmd(settings: Settings, args: argparse.Namespace) -> int:
    progress = progress_bar(args.quiet)

    async def go(runtime: Runtime) -> int:
        groups = await runtime.gamification.boards.rebuild(
            progress=lambda done, total: progress("boards", done, total)
        )
        print(f"Leaderboards rebuilt from {groups} ledger groups.")
        return 0

    return with_runtime(settings, go)


def rebuild_analytics_cmd(settings: Settings, args: argparse.Namespace) -> int:
    """Count the click roll-ups again from the click table, a month at a time. Safe while
    the worker runs (app/referrals/rollup.py says why); it needs the database only."""
    from app.referrals.rollup import rebuild

    progress = progress_bar(args.quiet)

    async def go() -> int:
        ctx = await db.open_db(settings.effective_database_url())
        try:
            if settings.embedded:  # as every embedded command: the schema comes first
                await db.migrate(ctx)
            months = await rebuild(progress=lambda done, total: progress("months", done, total))
        finally:
            await db.close_db(ctx)
        print(f"Click roll-ups rebuilt from the clicks of {months} month(s).")
        return 0

    return asyncio.run(go())


def teams_manifest_cmd(settings: Settings, args: argparse.Namespace) -> int:
    from app.bots.teams.manifest import ManifestError, package

    try:
        data = package(settings)
    except ManifestError as exc:
        raise CommandError(str(exc)) from None
    write_file(args.output, data)
    print(f"wrote {args.output}: upload it in Teams (Apps > Manage your apps > Upload an app)")
    if not settings.public_base_url.startswith("https://"):
        print(
            "portevoix: warning: PUBLIC_BASE_URL is not https; Teams will refuse the tab",
            file=sys.stderr,
        )
    return 0
