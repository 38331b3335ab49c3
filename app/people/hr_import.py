"""Bulk onboarding from an HR export (CSV).

Columns (header row required, order free, names case-insensitive):
`email` and `name` (required), `department`, `location`, `language` (en/fr), `timezone`,
`role` (employee/recruiter/admin), `external_id` (the HR id), `status` (`active` or
`left`; `left` marks the employee as having left).

A row is created or updated by e-mail (or by `external_id` when given), new employees
get an invite, `status=left` deactivates. Each row is its own transaction: a malformed
row is reported with its line number and does not stop the others.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError

from app.db import transaction
from app.errors import DomainError
from app.people.emails import normalise_email
from app.people.models import Employee, EmployeeStatus
from app.people.schemas import EmployeeCreate, EmployeeUpdate
from app.people.service import PeopleService

REQUIRED_COLUMNS = {"email", "name"}
KNOWN_COLUMNS = REQUIRED_COLUMNS | {
    "department",
    "location",
    "language",
    "timezone",
    "role",
    "external_id",
    "status",
}


class MalformedFile(DomainError):
    code = "malformed_file"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    left: int = 0
    invited: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.rows} rows: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.left} marked as left, {self.invited} invited, "
            f"{len(self.errors)} errors"
        )


def parse_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; raises MalformedFile when the header is unusable."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None:
        raise MalformedFile("The file is empty: expected a header row with email,name,...")
    columns = {name.strip().lower() for name in reader.fieldnames if name}
    missing = REQUIRED_COLUMNS - columns
    if missing:
        raise MalformedFile(f"Missing column(s): {', '.join(sorted(missing))}.")
    rows = []
    for row in reader:
        cleaned = {
            key.strip().lower(): (value or "").strip()
            for key, value in row.items()
            if key and key.strip().lower() in KNOWN_COLUMNS
        }
        rows.append((reader.line_num, cleaned))
    return rows


class EmployeeImport:
    def __init__(self, people: PeopleService) -> None:
        self.people = people

    async def run(
        self, text: str, progress: Callable[[int, int], None] | None = None
    ) -> ImportReport:
        rows = parse_rows(text)
        report = ImportReport(rows=len(rows))
        for done, (line, row) in enumerate(rows, start=1):
            try:
                await self._apply(row, report)
            except ValidationError as exc:
                report.errors.append((line, _explain(exc)))
            except DomainError as exc:
                report.errors.append((line, exc.message))
            if progress is not None:
                progress(done, len(rows))
        return report

    async def _apply(self, row: dict[str, str], report: ImportReport) -> None:
        status = row.pop("status", "").lower() or "active"
        if status not in ("active", "left"):
            raise MalformedFile(f"status must be 'active' or 'left', not {status!r}")
        values = {key: value for key, value in row.items() if value}
        existing = await self._find(values)
        if status == "left":
            if existing is None:
                raise MalformedFile(f"{values.get('email')} is marked as left but is unknown")
            if existing.status != EmployeeStatus.LEFT:
                await self.people.deactivate(existing.id)
                report.left += 1
            else:
                report.unchanged += 1
            return
        if existing is None:
            draft = EmployeeCreate.model_validate(values)
            async with transaction():
                employee = await self.people.create(draft)
                await self.people.invite(employee.id)
            report.created += 1
            report.invited += 1
            return
        changes = EmployeeUpdate.model_validate(values)
        changed = {
            key: value
            for key, value in changes.model_dump(exclude_unset=True).items()
            if getattr(existing, key) != (normalise_email(value) if key == "email" else value)
        }
        if not changed:
            report.unchanged += 1
            return
        if existing.status == EmployeeStatus.LEFT:
            raise MalformedFile(f"{existing.email} has left; re-hire them through the API")
        await self.people.update(existing.id, EmployeeUpdate.model_validate(changed))
        report.updated += 1

    async def _find(self, values: dict[str, str]) -> Employee | None:
        if values.get("external_id"):
            found = await Employee.get_or_none(external_id=values["external_id"])
            if found is not None:
                return found
        return await self.people.find_by_email(values.get("email", ""))


def _explain(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "row"
        parts.append(f"{where}: {str(error['msg']).removeprefix('Value error, ')}")
    return "; ".join(parts)
