"""Bulk onboarding from an HR export: create, update, mark as left, report bad rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from app.people.hr_import import MalformedFile
from app.people.models import Employee, EmployeeStatus, Invite, Role
from app.runtime import Runtime

SAMPLE = (Path(__file__).parent / "samples" / "hr_export.csv").read_text()


async def test_a_first_import_creates_and_invites_the_good_rows(runtime: Runtime) -> None:
    seen: list[tuple[int, int]] = []
    report = await runtime.employee_import.run(SAMPLE, progress=lambda d, t: seen.append((d, t)))
    assert (report.rows, report.created, report.invited) == (5, 3, 3)
    assert report.errors == [
        (4, "email: value is not a valid email address: An email address must have an @-sign."),
        (5, "language: Input should be 'en' or 'fr'"),
    ]
    assert seen[-1] == (5, 5)
    grace = await Employee.get(email="grace@example.com")
    assert (grace.role, grace.location, grace.status) == (
        Role.RECRUITER,
        "London",
        EmployeeStatus.INVITED,
    )
    assert await Invite.all().count() == 3


async def test_a_second_import_updates_and_marks_leavers(runtime: Runtime) -> None:
    await runtime.employee_import.run(SAMPLE)
    second = (
        "external_id,email,name,department,status\n"
        "HR-1,ada.lovelace@example.com,Ada Lovelace,Research,active\n"
        "HR-2,grace@example.com,Grace Hopper,Engineering,left\n"
        "HR-5,alan@example.com,Alan Turing,Research,active\n"
    )
    report = await runtime.employee_import.run(second)
    assert (report.updated, report.left, report.unchanged, report.created) == (1, 1, 1, 0)
    ada = await Employee.get(external_id="HR-1")
    assert (ada.email, ada.department) == ("ada.lovelace@example.com", "Research")
    grace = await Employee.get(external_id="HR-2")
    assert grace.status == EmployeeStatus.LEFT
    assert await Invite.filter(employee_id=grace.id).count() == 0


async def test_an_unknown_leaver_is_reported(runtime: Runtime) -> None:
    report = await runtime.employee_import.run("email,name,status\nghost@example.com,Ghost,left\n")
    assert report.errors == [(2, "ghost@example.com is marked as left but is unknown")]
    assert await Employee.all().count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "The file is empty"), ("mail,fullname\nx@y.z,X\n", "Missing column(s): email, name")],
)
async def test_a_file_without_usable_header_changes_nothing(
    runtime: Runtime, text: str, message: str
) -> None:
    with pytest.raises(MalformedFile, match=message.replace("(", r"\(").replace(")", r"\)")):
        await runtime.employee_import.run(text)
    assert await Employee.all().count() == 0


async def test_the_api_imports_csv_and_reports_line_numbers(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/employees/import",
        data=SAMPLE.encode(),
        headers={**admin_headers, "Content-Type": "text/csv"},
    )
    assert response.status == 200
    body = await response.json()
    assert body["created"] == 3
    assert [error["line"] for error in body["errors"]] == [4, 5]


async def test_the_api_refuses_a_malformed_file_with_422(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/employees/import", data=b"\xff\xfe", headers=admin_headers
    )
    assert response.status == 400
    response = await client.post(
        "/api/v1/employees/import", data=b"who,what\n", headers=admin_headers
    )
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "malformed_file"
