"""The `portevoix` command. `portevoix --help` lists every sub-command.

Operator mistakes (a bad setting, an unknown e-mail, a malformed file) end with one clear
line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from tqdm import tqdm

from app import db
from app.errors import DomainError
from app.gamification.rules import RulesError, load_rules
from app.logs import configure_logging
from app.people.models import Role
from app.people.schemas import EmployeeCreate
from app.runtime import Runtime, open_runtime
from app.settings import Settings, SettingsError, config_dir, load_settings

log = logging.getLogger("portevoix")

EXIT_USAGE = 2


class CommandError(Exception):
    """A failure to report in one line (exit code 1)."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        load_rules(config_dir() / "gamification.toml")  # a bad rules file stops us here
    except (SettingsError, RulesError) as exc:
        print(f"portevoix: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.log_format, settings.log_level)
    try:
        result: int = args.func(settings, args)
    except (CommandError, DomainError) as exc:
        print(f"portevoix: {exc}", file=sys.stderr)
        return 1
    except (OSError, ConnectionError) as exc:
        print(f"portevoix: cannot reach a service: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portevoix",
        description="Porte-voix: employee advocacy and referrals in Telegram and Teams.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, func: Callable[..., int]) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(func=func)
        return sub

    command("run", "Serve the web app, API and bots (embedded: also migrate, seed, work)", run)
    command("worker", "Drain clicks, send pushes and run the scheduled jobs", worker)
    command("migrate", "Apply pending database migrations", migrate)
    demo = command("demo", "Seed the demo company (safe to run twice)", demo_cmd)
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    chat = command("chat", "Talk to the bot in this terminal, as an employee", chat_cmd)
    chat.add_argument(
        "--as", dest="as_email", metavar="EMAIL", required=True, help="act as this employee"
    )

    invite = command("invite", "Invite an employee; prints the Telegram link and code", invite_cmd)
    invite.add_argument("email")
    invite.add_argument("--name", required=True)
    invite.add_argument("--department", default="")
    invite.add_argument("--location", default="")
    invite.add_argument("--language", choices=["en", "fr"], default=None)
    invite.add_argument("--role", choices=[r.value for r in Role], default=Role.EMPLOYEE.value)

    invites = command("invites", "List pending invites (CSV for a mail merge)", invites_cmd)
    invites.add_argument("--format", choices=["csv", "table"], default="table")

    imp = command(
        "import-employees",
        "Create/update/deactivate employees from an HR CSV",
        import_employees_cmd,
    )
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")

    token = command("token", "Issue an API token and print it (shown once)", token_cmd)
    token.add_argument("--role", choices=[r.value for r in Role], required=True)
    token.add_argument("--name", default="cli")
    token.add_argument("--employee", metavar="EMAIL", help="tie the token to an employee")

    jobs = command(
        "import-jobs",
        "Import job offers (Greenhouse, Lever, RSS/Atom); closes those the source dropped",
        import_jobs_cmd,
    )
    jobs.add_argument("source", metavar="SOURCE", help="a file, or an http(s) URL to fetch")
    jobs.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS", help="for fetching a URL"
    )
    jobs.add_argument("--quiet", action="store_true", help="no progress bar")
    rebuild = command(
        "rebuild-leaderboards",
        "Recompute every leaderboard from the points ledger",
        rebuild_leaderboards_cmd,
    )
    rebuild.add_argument("--quiet", action="store_true", help="no progress bar")

    broadcast = command("broadcast", "Follow, cancel or retry a broadcast", broadcast_cmd)
    broadcast.add_argument("action", choices=["status", "cancel", "retry-failed"])
    broadcast.add_argument("broadcast_id", type=int, metavar="ID")
    broadcast.add_argument("--watch", action="store_true", help="status: follow until done")

    teams = command(
        "teams-manifest",
        "Write the Teams app package (manifest.json and icons) as a zip to upload",
        teams_manifest_cmd,
    )
    teams.add_argument(
        "--output", type=Path, default=Path("portevoix-teams.zip"), metavar="FILE.zip"
    )

    export = command("export", "Export data (GDPR export of an employee as JSON)", export_cmd)
    export.add_argument("what", choices=["employee"])
    export.add_argument("who", metavar="EMAIL_OR_ID")
    export.add_argument("--output", type=Path, help="write to this file instead of stdout")
    return parser


def with_runtime(
    settings: Settings, work: Callable[[Runtime], Awaitable[int]], *, migrate: bool = False
) -> int:
    async def go() -> int:
        async with open_runtime(settings, migrate=migrate or settings.embedded) as runtime:
            if settings.embedded:
                # The in-process Redis starts empty in every process: leaderboards are
                # rebuilt from the ledger (small, in embedded mode) before anything reads them.
                await runtime.gamification.boards.rebuild()
            return await work(runtime)

    return asyncio.run(go())


# -- run / migrate / demo --------------------------------------------------------------


def run(settings: Settings, args: argparse.Namespace) -> int:
    from app.server import create_app

    async def serve(runtime: Runtime) -> int:
        await runtime.policy.publish_from_files()
        if settings.embedded and settings.demo_on_empty:
            from app import demo

            if await demo.is_empty(runtime):
                log.info("empty database: seeding the demo company")
                await demo.seed(runtime, _progress_bar(quiet=False))
        app = create_app(settings, runtime)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        print(_welcome(settings), flush=True)
        stop = _stop_on_signals()
        background = []
        if settings.embedded:  # one process does everything
            background.append(asyncio.create_task(_background(runtime, stop)))
        await stop.wait()
        await runner.cleanup()
        await asyncio.gather(*background)
        return 0

    return with_runtime(settings, serve)


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
        await _background(runtime, stop)
        return 0

    return with_runtime(settings, go)


async def _background(runtime: Runtime, stop: asyncio.Event) -> None:
    """What a worker does: drain clicks, send pushes, run the scheduled jobs."""
    from app.bots.engine import PushEngine

    engine = PushEngine(runtime)
    await engine.start()
    try:
        await asyncio.gather(
            runtime.click_worker().run_forever(stop),
            engine.run_forever(stop),
        )
    finally:
        await engine.stop()
        if runtime.settings.embedded:
            # The in-process Redis dies with the process: store what it still holds.
            await runtime.click_worker().drain()


def _welcome(settings: Settings) -> str:
    base = f"http://{settings.host}:{settings.port}"
    mode = "embedded (SQLite + in-process Redis)" if settings.embedded else "PostgreSQL + Redis"
    token = "ADMIN_TOKEN" if settings.admin_token else "`portevoix token --role admin`"
    return (
        f"Porte-voix is running in {mode} mode.\n"
        f"  API docs:  {base}/api/docs\n"
        f"  OpenAPI:   {base}/api/v1/openapi.json\n"
        f"  Health:    {base}/healthz  {base}/readyz  {base}/metrics\n"
        f"  API token: {token}\n"
        "Press Ctrl+C to stop."
    )


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

    return asyncio.run(go())


def _print_migration(event: str, app_label: str, name: str) -> None:
    if event == "apply_start":
        print(f"  applying {app_label}.{name} ...", flush=True)


def demo_cmd(settings: Settings, args: argparse.Namespace) -> int:
    from app import demo

    async def go(runtime: Runtime) -> int:
        await demo.seed(runtime, _progress_bar(args.quiet))
        print("Demo company ready.")
        return 0

    return with_runtime(settings, go)


def _progress_bar(quiet: bool) -> Callable[[str, int, int], None]:
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


# -- people ----------------------------------------------------------------------------


def invite_cmd(settings: Settings, args: argparse.Namespace) -> int:
    async def go(runtime: Runtime) -> int:
        employee = await runtime.people.find_by_email(args.email)
        if employee is None:
            employee = await runtime.people.create(
                EmployeeCreate(
                    email=args.email,
                    name=args.name,
                    department=args.department,
                    location=args.location,
                    language=args.language or settings.default_language,
                    role=Role(args.role),
                )
            )
        link = await runtime.people.invite(employee.id)
        print(f"Invite for {employee.name} <{employee.email}> ({employee.role.value})")
        print(f"  Telegram: {link.telegram_link}")
        print(f"  Code:     {link.invite.code}   (Teams: send it to the bot)")
        print(f"  Expires:  {link.invite.expires_at:%Y-%m-%d %H:%M} UTC")
        return 0

    return with_runtime(settings, go)


def invites_cmd(settings: Settings, args: argparse.Namespace) -> int:
    async def go(runtime: Runtime) -> int:
        links = await runtime.people.pending_invites()
        if args.format == "csv":
            out = csv.writer(sys.stdout)
            out.writerow(
                ["email", "name", "language", "code", "telegram_link", "expires_at", "message"]
            )
            for link in links:
                out.writerow(
                    [
                        link.employee.email,
                        link.employee.name,
                        link.employee.language,
                        link.invite.code,
                        link.telegram_link,
                        link.invite.expires_at.isoformat(),
                        link.message(settings.company_name),
                    ]
                )
        else:
            for link in links:
                print(f"{link.employee.email:40} {link.telegram_link}")
            print(f"{len(links)} pending invite(s).")
        return 0

    return with_runtime(settings, go)


def import_employees_cmd(settings: Settings, args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {args.file}: {exc}") from None
    progress = _progress_bar(args.quiet)

    async def go(runtime: Runtime) -> int:
        report = await runtime.employee_import.run(
            text, progress=lambda done, total: progress("employees", done, total)
        )
        print(report.summary())
        for line, message in report.errors:
            print(f"  line {line}: {message}")
        return 1 if report.errors else 0

    return with_runtime(settings, go)


def token_cmd(settings: Settings, args: argparse.Namespace) -> int:
    async def go(runtime: Runtime) -> int:
        employee = None
        if args.employee:
            employee = await runtime.people.find_by_email(args.employee)
            if employee is None:
                raise CommandError(f"no employee with e-mail {args.employee}")
        print(await runtime.tokens.issue(Role(args.role), args.name, employee))
        return 0

    return with_runtime(settings, go)


def chat_cmd(settings: Settings, args: argparse.Namespace) -> int:
    from app.bots import console

    async def go(runtime: Runtime) -> int:
        if await runtime.people.find_by_email(args.as_email) is None:
            raise CommandError(f"no employee with e-mail {args.as_email}")
        return await console.run(runtime, args.as_email)

    return with_runtime(settings, go)


def rebuild_leaderboards_cmd(settings: Settings, args: argparse.Namespace) -> int:
    progress = _progress_bar(args.quiet)

    async def go(runtime: Runtime) -> int:
        groups = await runtime.gamification.boards.rebuild(
            progress=lambda done, total: progress("boards", done, total)
        )
        print(f"Leaderboards rebuilt from {groups} ledger groups.")
        return 0

    return with_runtime(settings, go)


def broadcast_cmd(settings: Settings, args: argparse.Namespace) -> int:
    from app.bots.broadcast import Broadcasts
    from app.bots.engine import limits_from

    async def go(runtime: Runtime) -> int:
        service = Broadcasts(runtime, limits_from(settings))
        if args.action == "cancel":
            print(f"{await service.cancel(args.broadcast_id)} pending delivery(ies) cancelled.")
            return 0
        if args.action == "retry-failed":
            print(f"{await service.retry_failed(args.broadcast_id)} delivery(ies) will be retried.")
            return 0
        bar = None
        while True:
            broadcast = await service.get(args.broadcast_id)
            counts = await service.counts(broadcast.id)
            total = sum(counts.values())
            finished = total - counts["pending"] - counts["sending"]
            if bar is None:
                bar = tqdm(total=total, desc=f"broadcast {broadcast.id}", file=sys.stderr)
            bar.total = total
            bar.update(finished - bar.n)
            if not args.watch or broadcast.status.value in ("done", "cancelled"):
                break
            await asyncio.sleep(1)
        bar.close()
        print(f"{broadcast.status.value}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for reason, count in (await service.skipped_reasons(broadcast.id)).items():
            print(f"  skipped ({reason}): {count}")
        return 0

    return with_runtime(settings, go)


def teams_manifest_cmd(settings: Settings, args: argparse.Namespace) -> int:
    from app.bots.teams_manifest import ManifestError, package

    try:
        data = package(settings)
    except ManifestError as exc:
        raise CommandError(str(exc)) from None
    args.output.write_bytes(data)
    print(f"wrote {args.output}: upload it in Teams (Apps > Manage your apps > Upload an app)")
    if not settings.public_base_url.startswith("https://"):
        print(
            "portevoix: warning: PUBLIC_BASE_URL is not https; Teams will refuse the tab",
            file=sys.stderr,
        )
    return 0


def export_cmd(settings: Settings, args: argparse.Namespace) -> int:
    async def go(runtime: Runtime) -> int:
        employee = (
            await runtime.people.get(int(args.who))
            if args.who.isdigit()
            else await runtime.people.find_by_email(args.who)
        )
        if employee is None:
            raise CommandError(f"no employee {args.who}")
        data: dict[str, Any] = await runtime.privacy.export(employee.id)
        text = json.dumps(data, indent=2, ensure_ascii=False)
        if args.output:
            args.output.write_text(text + "\n", encoding="utf-8")
            print(f"Wrote {args.output}")
        else:
            print(text)
        return 0

    return with_runtime(settings, go)


# -- jobs ------------------------------------------------------------------------------


def import_jobs_cmd(settings: Settings, args: argparse.Namespace) -> int:
    text = _read_source(args.source, args.timeout)
    progress = _progress_bar(args.quiet)

    async def go(runtime: Runtime) -> int:
        report = await runtime.job_import.run(
            text, progress=lambda done, total: progress("jobs", done, total)
        )
        print(report.summary())
        for skipped in report.skipped:
            print(f"  skipped {skipped}")
        return 0

    return with_runtime(settings, go)


def _read_source(source: str, timeout: float) -> str:
    """The text of a file, or of an http(s) URL (fetched before the database is opened)."""
    if source.startswith(("http://", "https://")):
        return asyncio.run(_fetch(source, aiohttp.ClientTimeout(total=timeout)))
    try:
        return Path(source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {source}: {exc}") from None


async def _fetch(url: str, limit: aiohttp.ClientTimeout) -> str:
    headers = {
        "Accept": "application/json, application/rss+xml, application/atom+xml, */*;q=0.5",
        "User-Agent": "Porte-voix job import",
    }
    try:
        async with (
            aiohttp.ClientSession(timeout=limit) as session,
            session.get(url, headers=headers) as response,
        ):
            if response.status >= 400:
                raise CommandError(f"cannot fetch {url}: HTTP {response.status} {response.reason}")
            return await response.text()
    except TimeoutError:
        raise CommandError(f"cannot fetch {url}: no answer within {limit.total:g} s") from None
    except (aiohttp.ClientError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot fetch {url}: {exc}") from None
