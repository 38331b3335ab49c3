"""Bulk onboarding from an HR export: create, update, mark as left, report bad rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from app.people.hr_import import MalformedFile
from app.people.models import Employee, EmployeeStatus, Invite, Role
from app.runtime import Runtime

SAMPLES = Path(__file__).parent / "samples"
SAMPLE = (SAMPLES / "hr_export.csv").read_bytes()


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
        b"external_id,email,name,department,status\n"
        b"HR-1,ada.lovelace@example.com,Ada Lovelace,Research,active\n"
        b"HR-2,grace@example.com,Grace Hopper,Engineering,left\n"
        b"HR-5,alan@example.com,Alan Turing,Research,active\n"
    )
    report = await runtime.employee_import.run(second)
    assert (report.updated, report.left, report.unchanged, report.created) == (1, 1, 1, 0)
    ada = await Employee.get(external_id="HR-1")
    assert (ada.email, ada.department) == ("ada.lovelace@example.com", "Research")
    grace = await Employee.get(external_id="HR-2")
    assert grace.status == EmployeeStatus.LEFT
    assert await Invite.filter(employee_id=grace.id).count() == 0


async def test_an_unknown_leaver_is_reported(runtime: Runtime) -> None:
    report = await runtime.employee_import.run(b"email,name,status\nghost@example.com,Ghost,left\n")
    assert report.errors == [(2, "ghost@example.com is marked as left but is unknown")]
    assert await Employee.all().count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"", "The file is empty"),
        (b"mail,fullname\nx@y.z,X\n", "Missing column(s): email, name (read as UTF-8, "),
        ("email,name\n".encode("utf-16"), "The file is UTF-16"),
        (b"email,name\n\x00\x01\x02", "This is not a text file"),
        (b"email,name\nx@y.z,\x81\x8d\n", "neither UTF-8 nor Windows-1252"),
    ],
)
async def test_a_file_without_usable_header_changes_nothing(
    runtime: Runtime, text: bytes, message: str
) -> None:
    with pytest.raises(MalformedFile) as refused:
        await runtime.employee_import.run(text)
    assert message in refused.value.message
    assert await Employee.all().count() == 0


async def test_the_api_imports_csv_and_reports_line_numbers(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/employees/import",
        data=SAMPLE,
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
    assert response.status == 422
    assert "UTF-16" in (await response.json())["error"]["message"]
    response = await client.post(
        "/api/v1/employees/import", data=b"who,what\n", headers=admin_headers
    )
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "malformed_file"


@pytest.mark.parametrize(
    ("sample", "encoding"),
    [("excel_fr_windows1252.csv", "Windows-1252"), ("excel_fr_utf8_bom.csv", "UTF-8 with BOM")],
)
async def test_french_excel_files_are_read_with_their_separator_and_encoding(
    runtime: Runtime, sample: str, encoding: str
) -> None:
    report = await runtime.employee_import.run((SAMPLES / sample).read_bytes())
    assert (report.file.encoding, report.file.delimiter) == (encoding, ";")
    assert f"read as {encoding}, columns separated by ';'" in report.summary()
    assert (report.rows, report.created, report.errors) == (3, 3, [])
    people = {e.email: e for e in await Employee.all()}
    helene = people["helene.dupre@example.com"]
    assert (helene.name, helene.department, helene.role) == (
        "Hélène Dupré",
        "Ressources humaines",
        Role.RECRUITER,
    )
    # A comma inside a field of a ;-separated file is part of the name, not a column.
    assert people["zoe.noel@example.com"].name == "Noël, Zoé"


async def test_a_utf8_comma_file_says_so() -> None:
    from app.people.hr_import import HrFile

    file = HrFile.read(SAMPLE)
    assert (file.encoding, file.delimiter) == ("UTF-8", ",")
    # A semicolon in a value does not make a comma file look ;-separated.
    tricky = HrFile.read(b"email,name,department\na@b.io,A; B,R&D; Paris\n")
    assert tricky.delimiter == ","


async def test_the_api_imports_a_windows_1252_semicolon_file(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/employees/import",
        data=(SAMPLES / "excel_fr_windows1252.csv").read_bytes(),
        headers={**admin_headers, "Content-Type": "text/csv"},
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert (body["encoding"], body["delimiter"], body["created"]) == ("Windows-1252", ";", 3)
    assert (await Employee.get(email="francois.lemaitre@example.com")).name == "François Lemaître"
