"""The `portevoix` command. `portevoix --help` lists every sub-command.

Operator mistakes (a bad setting, an unknown e-mail, a malformed file) end with one clear
line on stderr and a non-zero exit code, never a traceback.

This module parses the arguments and runs the chosen command; the commands themselves
live by subject: `operations` (run, worker, migrate, demo, ...), `people` and `content`,
sharing what `command` provides.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from app.cli.command import CommandError, service_failure
from app.cli.content import broadcast_cmd, import_jobs_cmd
from app.cli.operations import (
    demo_cmd,
    migrate,
    rebuild_analytics_cmd,
    rebuild_leaderboards_cmd,
    run,
    teams_manifest_cmd,
    worker,
)
from app.cli.people import (
    chat_cmd,
    export_cmd,
    import_employees_cmd,
    invite_cmd,
    invites_cmd,
    token_cmd,
)
from app.cli.scim import scim_token_cmd
from app.errors import DomainError
from app.gamification.rules import RulesError, load_rules
from app.i18n import LANGUAGES
from app.logs import configure_logging
from app.people.models import Role
from app.settings import SettingsError, config_dir, load_settings

EXIT_USAGE = 2
EXIT_CLOSED_PIPE = 128 + 13  # what a shell reports for a command that SIGPIPE stopped

log = logging.getLogger("portevoix")


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
        sys.stdout.flush()  # a reader that went away shows here, not at exit
    except BrokenPipeError:
        return _reader_went_away()
    except (CommandError, DomainError) as exc:
        print(f"portevoix: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        failure = service_failure(exc, settings)
        if failure is None:  # a defect: its traceback is for LOG_LEVEL=DEBUG, not the operator
            log.debug("%s failed", args.command, exc_info=True)
            failure = f"{args.command} failed: {exc!r} (LOG_LEVEL=DEBUG shows where)"
        print(f"portevoix: {failure}", file=sys.stderr)
        return 1
    return result


def _reader_went_away() -> int:
    """`portevoix invites | head -1`: the reader has what it wanted, which is no error.
    Quiet, like any Unix tool; stdout points at /dev/null so the exit flush is quiet too."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_CLOSED_PIPE


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, not {text!r}")
    return int(text)


class _Parser(argparse.ArgumentParser):
    """Wrong arguments get one line, which says where the help is."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    invite.add_argument("--language", choices=list(LANGUAGES), default=None)
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

    scim = command(
        "scim-token",
        "SCIM tokens for the identity provider (Entra ID, Okta): create (shown once), "
        "list, revoke ID",
        scim_token_cmd,
    )
    scim.add_argument("action", choices=["create", "list", "revoke"])
    scim.add_argument("token_id", type=_positive, metavar="ID", nargs="?")
    scim.add_argument("--name", default="identity provider", help="create: what it is for")

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
    analytics = command(
        "rebuild-analytics",
        "Recount the click roll-ups that analytics read from the raw clicks (safe while "
        "the worker runs)",
        rebuild_analytics_cmd,
    )
    analytics.add_argument("--quiet", action="store_true", help="no progress bar")

    broadcast = command("broadcast", "List broadcasts; follow, cancel or retry one", broadcast_cmd)
    broadcast.add_argument("action", choices=["list", "status", "cancel", "retry-failed"])
    broadcast.add_argument("broadcast_id", type=int, metavar="ID", nargs="?")
    broadcast.add_argument("--watch", action="store_true", help="status: follow until done")
    broadcast.add_argument(
        "--limit", type=_positive, default=20, metavar="N", help="list: the N newest (20)"
    )

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
