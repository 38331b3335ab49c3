"""Commands about people: invite them, import them from the HR file, issue API tokens,
export an employee's data (GDPR), and talk to the bot as one of them.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pydantic import ValidationError

from app.cli.command import CommandError, progress_bar, read_file, with_runtime, write_file
from app.csv_export import csv_lines
from app.errors import explain
from app.parsing import whole_number
from app.people.models import EmployeeStatus, Role
from app.people.schemas import EmployeeCreate
from app.runtime import Runtime
from app.settings import Settings


def invite_cmd(settings: Settings, args: argparse.Namespace) -> int:
    try:  # checked before anything is opened: a typo changes nothing
        draft = EmployeeCreate(
            email=args.email,
            name=args.name,
            department=args.department,
            location=args.location,
            language=args.language,  # none: the person's chat language when they join
            role=Role(args.role),
        )
    except ValidationError as exc:
        raise CommandError(f"cannot invite {args.email!r}: {explain(exc)}") from None

    async def go(runtime: Runtime) -> int:
        employee = await runtime.people.find_by_email(draft.email)
        if employee is None:
            employee = await runtime.people.create(draft)
        elif (employee.name, employee.role) != (draft.name, draft.role):
            print(  # an invite never edits someone: say so rather than seem to promote
                f"portevoix: {employee.email} already exists as {employee.name} "
                f"({employee.role.value}); invited as is (change people with the API)",
                file=sys.stderr,
            )
        link = await runtime.people.invite(employee.id)
        print(f"Invite for {employee.name} <{employee.email}> ({employee.role.value})")
        print(f"  Telegram: {link.telegram_link or 'no link: ' + link.telegram.missing}")
        print(f"  Code:     {link.invite.code}   (Teams: send it to the bot)")
        print(f"  Expires:  {link.invite.expires_at:%Y-%m-%d %H:%M} UTC")
        return 0

    return with_runtime(settings, go)


def invites_cmd(settings: Settings, args: argparse.Namespace) -> int:
    async def go(runtime: Runtime) -> int:
        links = await runtime.people.pending_invites()
        if args.format == "csv":
            header = ["email", "name", "language", "code", "telegram_link", "expires_at",
                      "message"]  # fmt: skip
            rows = (
                [
                    link.employee.email,
                    link.employee.name,
                    link.employee.language,
                    link.invite.code,
                    link.telegram_link or "",
                    link.invite.expires_at.isoformat(),
                    link.message(settings.company_name),
                ]
                for link in links
            )
            sys.stdout.writelines(csv_lines(header, rows))
        else:
            for link in links:
                where = link.telegram_link or f"code {link.invite.code}"
                print(f"{link.employee.email:40} {where}")
            print(f"{len(links)} pending invite(s).")
        if links and links[0].telegram_link is None:
            print(f"portevoix: no Telegram links: {links[0].telegram.missing}", file=sys.stderr)
        return 0

    return with_runtime(settings, go)


def import_employees_cmd(settings: Settings, args: argparse.Namespace) -> int:
    data = read_file(args.file)
    progress = progress_bar(args.quiet)

    async def go(runtime: Runtime) -> int:
        report = await runtime.employee_import.run(
            data, progress=lambda done, total: progress("employees", done, total)
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


def export_cmd(settings: Settings, args: argparse.Namespace) -> int:
    async def go(runtime: Runtime) -> int:
        employee_id = whole_number(args.who)
        employee = (
            await runtime.people.get(employee_id)
            if employee_id is not None
            else await runtime.people.find_by_email(args.who)
        )
        if employee is None:
            raise CommandError(f"no employee {args.who}")
        data: dict[str, Any] = await runtime.privacy.export(employee.id)
        text = json.dumps(data, indent=2, ensure_ascii=False)
        if args.output:
            write_file(args.output, (text + "\n").encode())
            print(f"Wrote {args.output}")
        else:
            print(text)
        return 0

    return with_runtime(settings, go)


def chat_cmd(settings: Settings, args: argparse.Namespace) -> int:
    from app.bots import console

    async def go(runtime: Runtime) -> int:
        employee = await runtime.people.find_by_email(args.as_email)
        if employee is None:
            raise CommandError(f"no employee with e-mail {args.as_email}")
        if employee.status == EmployeeStatus.LEFT:
            raise CommandError(f"{args.as_email} has left the company")
        return await console.run(runtime, runtime.conversation, args.as_email)

    return with_runtime(settings, go)
