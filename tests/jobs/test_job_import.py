"""Importing job offers from Greenhouse, Lever and RSS/Atom: a sync that is safe to repeat.

The samples in `samples/` have the shapes the real public APIs and feeds serve.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from app.jobs.importers import MalformedSource
from app.jobs.job_import import JobImportReport
from app.jobs.models import ContentSource, EmploymentType, JobOffer, JobStatus, Workplace
from app.jobs.schemas import JobUpdate
from app.people.models import Role
from app.runtime import Runtime
from app.settings import Settings
from tests.conftest import START
from tests.helpers import bearer, make_open_job
from tests.test_cli import portevoix

SAMPLES = Path(__file__).parent / "samples"
GREENHOUSE = (SAMPLES / "greenhouse.json").read_text()
LEVER = (SAMPLES / "lever.json").read_text()
RSS = (SAMPLES / "feed.rss").read_text()
ATOM = (SAMPLES / "feed.atom").read_text()
ALL_SAMPLES = [
    pytest.param(GREENHOUSE, 3, id="greenhouse"),
    pytest.param(LEVER, 3, id="lever"),
    pytest.param(RSS, 3, id="rss"),
    pytest.param(ATOM, 2, id="atom"),
]


def counts(report: JobImportReport) -> dict[str, int]:
    return {
        "created": report.created,
        "updated": report.updated,
        "reopened": report.reopened,
        "unchanged": report.unchanged,
        "closed": report.closed,
        "skipped": len(report.skipped),
    }


def without_greenhouse_job(job_id: int) -> str:
    board = json.loads(GREENHOUSE)
    board["jobs"] = [job for job in board["jobs"] if job["id"] != job_id]
    return json.dumps(board)


async def snapshot() -> list[tuple[Any, ...]]:
    """Every job offer as stored, to show that nothing changed."""
    return await JobOffer.all().order_by("id").values_list("id", "title", "status", "updated_at")


# -- each format ---------------------------------------------------------------------------


async def test_a_greenhouse_board_becomes_open_job_offers(runtime: Runtime) -> None:
    report = await runtime.job_import.run(GREENHOUSE)

    assert counts(report) == {
        "created": 3,
        "updated": 0,
        "reopened": 0,
        "unchanged": 0,
        "closed": 0,
        "skipped": 1,
    }
    assert report.source == ContentSource.GREENHOUSE
    job = await JobOffer.get(source=ContentSource.GREENHOUSE, external_id="4012345005")
    assert (job.title, job.department, job.location) == (
        "Senior Backend Engineer",
        "Engineering",
        "Paris, France",
    )
    assert (job.status, job.published_at) == (JobStatus.OPEN, START)
    assert job.apply_url == "https://boards.greenhouse.io/acmerobotics/jobs/4012345005"
    # The board's escaped HTML becomes readable text: no tags, no entities.
    assert job.description.startswith("About the role\n\nYou will design the APIs")
    assert "fast & reliable" in job.description
    assert "- Build services in Python and PostgreSQL\n- Own their on-call rotation" in (
        job.description
    )
    assert "<" not in job.description and "&amp;" not in job.description
    remote = await JobOffer.get(external_id="4012345006")
    assert remote.workplace == Workplace.REMOTE
    intern = await JobOffer.get(external_id="4012345007")
    assert (intern.employment_type, intern.language) == (EmploymentType.INTERNSHIP, "fr")


async def test_a_job_without_a_title_is_skipped_with_its_reason(runtime: Runtime) -> None:
    report = await runtime.job_import.run(GREENHOUSE)
    assert [str(skipped) for skipped in report.skipped] == ["#4 (id 4012345008): no title"]
    assert not await JobOffer.exists(external_id="4012345008")


async def test_lever_postings_keep_team_workplace_and_commitment(runtime: Runtime) -> None:
    report = await runtime.job_import.run(LEVER)

    assert (report.source, report.created, report.skipped) == (ContentSource.LEVER, 3, [])
    sales = await JobOffer.get(external_id="5f0c6a2e-8d3b-4c59-9a55-2b1d1b0c1a01")
    assert (sales.title, sales.department, sales.location, sales.workplace) == (
        "Account Executive, UK",
        "Sales",
        "London",
        Workplace.HYBRID,
    )
    assert sales.apply_url.startswith("https://jobs.lever.co/acmerobotics/")
    assert "What you'll do\n\n- Own the full sales cycle\n- Work with" in sales.description
    assert sales.description.endswith("25 days of holidays.")
    support = await JobOffer.get(external_id="5f0c6a2e-8d3b-4c59-9a55-2b1d1b0c1a02")
    assert (support.department, support.workplace, support.employment_type) == (
        "Customer Support",  # no department: the team
        Workplace.REMOTE,
        EmploymentType.PART_TIME,
    )
    firmware = await JobOffer.get(external_id="5f0c6a2e-8d3b-4c59-9a55-2b1d1b0c1a03")
    assert firmware.employment_type == EmploymentType.CONTRACT
    assert firmware.description.startswith("Six months")  # only descriptionPlain given


async def test_an_rss_feed_imports_its_items_in_the_feed_language(runtime: Runtime) -> None:
    report = await runtime.job_import.run(RSS)

    assert (report.source, report.created) == (ContentSource.FEED, 3)
    job = await JobOffer.get(source=ContentSource.FEED, external_id="acme-job-311")
    assert (job.title, job.language, job.department) == (
        "Technicien de maintenance robotique (H/F)",
        "fr",
        "Opérations",
    )
    assert job.description == (
        "Vous assurez la maintenance de notre flotte à Lyon.\n\n"
        "- Diagnostic des pannes\n- Maintenance préventive"
    )
    assert job.apply_url == "https://careers.acme-robotics.example/jobs/technicien-maintenance"
    # An item without a guid is known by its link.
    assert await JobOffer.exists(
        external_id="https://careers.acme-robotics.example/jobs/chef-de-projet"
    )


async def test_an_atom_feed_prefers_the_full_content(runtime: Runtime) -> None:
    await runtime.job_import.run(ATOM)
    sre = await JobOffer.get(external_id="tag:careers.acme-robotics.example,2026:job-401")
    assert sre.description == "Keep the robots’ control plane up.\n\n- Kubernetes\n- PostgreSQL"
    assert (sre.status, sre.language) == (JobStatus.OPEN, "en")


async def test_progress_is_reported_to_the_end(runtime: Runtime) -> None:
    seen: list[tuple[int, int]] = []
    await runtime.job_import.run(LEVER, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


# -- the sync ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "jobs"), ALL_SAMPLES)
async def test_importing_the_same_source_again_changes_nothing(
    runtime: Runtime, text: str, jobs: int
) -> None:
    await runtime.job_import.run(text)
    before = await snapshot()

    again = await runtime.job_import.run(text)

    assert again.unchanged == jobs
    assert (again.created, again.updated, again.reopened, again.closed) == (0, 0, 0, 0)
    assert await snapshot() == before


async def test_a_changed_title_updates_the_same_job(runtime: Runtime) -> None:
    await runtime.job_import.run(LEVER)
    first = await JobOffer.get(external_id="5f0c6a2e-8d3b-4c59-9a55-2b1d1b0c1a03")
    postings = json.loads(LEVER)
    postings[2]["text"] = "Senior Embedded Firmware Engineer"

    report = await runtime.job_import.run(json.dumps(postings))

    assert (report.updated, report.unchanged, report.created) == (1, 2, 0)
    job = await JobOffer.get(external_id="5f0c6a2e-8d3b-4c59-9a55-2b1d1b0c1a03")
    assert (job.id, job.title, job.slug) == (
        first.id,
        "Senior Embedded Firmware Engineer",
        "senior-embedded-firmware-engineer",
    )
    assert await JobOffer.filter(source=ContentSource.LEVER).count() == 3


async def test_a_job_the_source_no_longer_lists_is_closed(runtime: Runtime) -> None:
    await runtime.job_import.run(GREENHOUSE)
    manual = await make_open_job(runtime, "Office Manager")
    await runtime.job_import.run(LEVER)

    report = await runtime.job_import.run(without_greenhouse_job(4012345006))

    assert (report.closed, report.unchanged) == (1, 2)
    gone = await JobOffer.get(external_id="4012345006")
    assert gone.status == JobStatus.CLOSED
    # Only that source's jobs are synced: manual jobs and other sources stay open.
    assert (await JobOffer.get(id=manual.id)).status == JobStatus.OPEN
    assert await JobOffer.filter(source=ContentSource.LEVER, status=JobStatus.OPEN).count() == 3


async def test_a_closed_job_back_in_the_source_is_reopened(runtime: Runtime) -> None:
    await runtime.job_import.run(GREENHOUSE)
    await runtime.job_import.run(without_greenhouse_job(4012345006))

    report = await runtime.job_import.run(GREENHOUSE)

    assert (report.reopened, report.unchanged) == (1, 2)
    job = await JobOffer.get(external_id="4012345006")
    assert (job.status, job.published_at) == (JobStatus.OPEN, START)


async def test_a_skipped_job_that_is_still_listed_is_not_closed(runtime: Runtime) -> None:
    await runtime.job_import.run(LEVER)
    postings = json.loads(LEVER)
    postings[0]["text"] = "   "

    report = await runtime.job_import.run(json.dumps(postings))

    assert [s.reason for s in report.skipped] == ["no title"]
    assert report.closed == 0
    job = await JobOffer.get(external_id=postings[0]["id"])
    assert (job.status, job.title) == (JobStatus.OPEN, "Account Executive, UK")


async def test_what_recruiters_add_survives_a_new_import(runtime: Runtime) -> None:
    await runtime.job_import.run(GREENHOUSE)
    job = await JobOffer.get(external_id="4012345005")
    await runtime.content.update_job(
        job.id, JobUpdate(target_departments=["Engineering"], referral_points=500)
    )

    report = await runtime.job_import.run(GREENHOUSE)

    assert report.unchanged == 3
    job = await JobOffer.get(id=job.id)
    assert (job.target_departments, job.referral_points) == (["Engineering"], 500)


async def test_the_same_id_twice_in_a_source_is_imported_once(runtime: Runtime) -> None:
    postings = json.loads(LEVER)
    report = await runtime.job_import.run(json.dumps([*postings, postings[0]]))
    assert report.created == 3
    assert [str(s) for s in report.skipped] == [f"#4 (id {postings[0]['id']}): the same id as #1"]


async def test_ids_and_links_too_long_to_store_are_skipped(runtime: Runtime) -> None:
    postings = json.loads(LEVER)
    postings[0]["id"] = "x" * 201
    postings[1]["hostedUrl"] = "https://jobs.lever.co/acmerobotics/" + "y" * 1000

    report = await runtime.job_import.run(json.dumps(postings))

    assert [s.reason for s in report.skipped] == [
        "an id longer than 200 characters",
        "an apply URL longer than 1000 characters",
    ]
    assert report.created == 1


async def test_a_failure_half_way_writes_nothing(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await runtime.job_import.run(GREENHOUSE)
    before = await snapshot()
    board = json.loads(without_greenhouse_job(4012345005))
    board["jobs"].append({**board["jobs"][0], "id": 4012345099, "title": "Product Manager"})

    async def broken(job_id: int) -> JobOffer:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(runtime.content, "close_job", broken)
    with pytest.raises(RuntimeError):
        # Creates the new job, then fails while closing the one that left the board.
        await runtime.job_import.run(json.dumps(board))
    assert await snapshot() == before
    assert not await JobOffer.exists(external_id="4012345099")


# -- malformed sources ---------------------------------------------------------------------

MALFORMED = [
    pytest.param("", "The source is empty", id="empty"),
    pytest.param('{"jobs": [{"id": 1, ', "not valid JSON: Expecting", id="truncated-json"),
    pytest.param('{"data": [], "ok": true}', "The JSON has an unknown shape", id="unknown-json"),
    pytest.param("[1, 2, 3]", "The JSON has an unknown shape", id="array-of-numbers"),
    pytest.param('[{"name": "x"}]', "The JSON has an unknown shape", id="array-not-lever"),
    pytest.param(
        "<rss><channel><item><title>Job</title></channel></rss>",
        "not well-formed XML: mismatched tag",
        id="broken-xml",
    ),
    pytest.param(
        "<!DOCTYPE html><html><body><h1>Careers</h1></body></html>",
        "an HTML page, not an RSS or Atom feed",
        id="html-page",
    ),
    pytest.param('<?xml version="1.0"?><jobs/>', "not an RSS or Atom feed", id="other-xml"),
    pytest.param("title,location\nEngineer,Paris\n", "neither JSON nor XML", id="csv"),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
async def test_a_malformed_source_is_refused_and_changes_nothing(
    runtime: Runtime, text: str, message: str
) -> None:
    await runtime.job_import.run(GREENHOUSE)
    before = await snapshot()

    with pytest.raises(MalformedSource) as refused:
        await runtime.job_import.run(text)

    assert message in refused.value.message
    assert await snapshot() == before  # in particular, no job was closed


async def test_an_empty_board_closes_every_job_of_that_source(runtime: Runtime) -> None:
    """Unlike a malformed source, an empty one is an answer: nothing is open anymore."""
    await runtime.job_import.run(GREENHOUSE)
    report = await runtime.job_import.run('{"jobs": [], "meta": {"total": 0}}')
    assert report.closed == 3
    assert not await JobOffer.exists(status=JobStatus.OPEN)


# -- API -----------------------------------------------------------------------------------


async def test_the_api_imports_a_source_and_answers_the_report(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/jobs/import",
        data=RSS.encode(),
        headers={**admin_headers, "Content-Type": "application/rss+xml"},
    )
    assert response.status == 200
    body = await response.json()
    assert (body["source"], body["created"], body["skipped"]) == ("feed", 3, [])
    assert body["summary"].startswith("RSS/Atom feed, 3 entries: 3 created")

    again = await client.post("/api/v1/jobs/import", data=GREENHOUSE, headers=admin_headers)
    assert (await again.json())["skipped"] == [
        {"position": 4, "external_id": "4012345008", "reason": "no title"}
    ]


async def test_the_api_refuses_a_malformed_source_with_422(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post("/api/v1/jobs/import", data="{not json", headers=admin_headers)
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "malformed_source"
    assert error["message"].startswith("The source is not valid JSON")
    assert await JobOffer.all().count() == 0


async def test_only_recruiters_may_import(client: TestClient, runtime: Runtime) -> None:
    response = await client.post(
        "/api/v1/jobs/import", data=LEVER, headers=await bearer(runtime, Role.EMPLOYEE)
    )
    assert response.status == 403
    assert await JobOffer.all().count() == 0
    allowed = await client.post(
        "/api/v1/jobs/import", data=LEVER, headers=await bearer(runtime, Role.RECRUITER)
    )
    assert allowed.status == 200


# -- CLI -----------------------------------------------------------------------------------


async def test_the_cli_imports_a_file_and_prints_the_summary(
    runtime: Runtime, settings: Settings
) -> None:
    result = portevoix("import-jobs", str(SAMPLES / "greenhouse.json"), settings=settings)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Greenhouse job board, 4 entries: 3 created, 0 updated, 0 reopened, 0 unchanged, "
        "0 closed, 1 skipped"
    )
    assert lines[1:] == ["  skipped #4 (id 4012345008): no title"]
    assert "jobs: 100%" in result.stderr  # the progress bar
    assert await JobOffer.filter(status=JobStatus.OPEN).count() == 3


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("/no/such/jobs.json", "portevoix: cannot read /no/such/jobs.json"),
        (str(Path(__file__)), "portevoix: The source is neither JSON nor XML"),
    ],
)
async def test_the_cli_stops_on_a_bad_file_with_one_line(
    runtime: Runtime, settings: Settings, source: str, message: str
) -> None:
    result = portevoix("import-jobs", source, settings=settings)
    assert result.returncode == 1
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert await JobOffer.all().count() == 0


SENT = {"endless": 0}


@pytest.fixture
async def careers_site() -> AsyncIterator[str]:
    """A local web server (127.0.0.1 only) serving the samples, one slow page and a 404."""

    async def feed(request: web.Request) -> web.Response:
        return web.Response(text=RSS, content_type="application/rss+xml", charset="utf-8")

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)  # a page slower than the import's timeout (it is never waited out)
        return web.Response(text=LEVER, content_type="application/json")

    async def endless(request: web.Request) -> web.StreamResponse:
        """50 MB of a Greenhouse board, chunked (no Content-Length); counts what it sent."""
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        chunk = b'{"id": 1, "title": "Engineer", "absolute_url": "https://x.example/1"},' * 900
        await response.write(b'{"jobs": [')
        try:
            while SENT["endless"] < 50_000_000:
                await response.write(chunk)
                SENT["endless"] += len(chunk)
        except (ConnectionError, RuntimeError):  # the client hung up
            return response
        await response.write_eof(b"{}]}")
        return response

    app = web.Application()
    app.router.add_get("/jobs.rss", feed)
    app.router.add_get("/slow.json", slow)
    app.router.add_get("/endless.json", endless)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("/")).rstrip("/")
    await server.close()


async def test_the_cli_fetches_a_url(
    runtime: Runtime, settings: Settings, careers_site: str
) -> None:
    # In a thread: the test's event loop must keep serving while the command runs.
    result = await asyncio.to_thread(
        portevoix, "import-jobs", f"{careers_site}/jobs.rss", "--quiet", settings=settings
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("RSS/Atom feed, 3 entries: 3 created")
    assert await JobOffer.filter(source=ContentSource.FEED).count() == 3


@pytest.mark.parametrize(
    ("path", "options", "message"),
    [
        ("/missing.json", [], "HTTP 404 Not Found"),
        ("/slow.json", ["--timeout", "0.5"], "no answer within 0.5 s"),
    ],
)
async def test_the_cli_reports_a_failed_fetch_in_one_line(
    runtime: Runtime,
    settings: Settings,
    careers_site: str,
    path: str,
    options: list[str],
    message: str,
) -> None:
    url = careers_site + path
    result = await asyncio.to_thread(portevoix, "import-jobs", url, *options, settings=settings)
    assert result.returncode == 1
    assert result.stderr.strip() == f"portevoix: cannot fetch {url}: {message}"
    assert await JobOffer.all().count() == 0


async def test_the_cli_stops_reading_an_answer_beyond_its_size_cap(
    runtime: Runtime, settings: Settings, careers_site: str
) -> None:
    url = f"{careers_site}/endless.json"
    SENT["endless"] = 0
    result = await asyncio.to_thread(
        portevoix, "import-jobs", url, settings=settings, env={"IMPORT_MAX_BYTES": "1000000"}
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"portevoix: cannot import {url}: larger than 1,000,000 bytes (IMPORT_MAX_BYTES)"
    )
    # It hung up rather than taking the 50 MB. What the server handed over before it saw
    # the hang-up is the 1 MB read plus both ends' loopback socket buffers, which Linux
    # grows to several MB each: 10.4 MB was seen on a loaded machine.
    assert SENT["endless"] < 25_000_000
    assert await JobOffer.all().count() == 0


async def test_the_cli_reports_an_unreachable_server(settings: Settings) -> None:
    # Port 9 (discard) on the loopback interface: nothing listens there in a test run.
    result = portevoix("import-jobs", "http://127.0.0.1:9/jobs.json", settings=settings)
    assert result.returncode == 1
    assert result.stderr.startswith("portevoix: cannot fetch http://127.0.0.1:9/jobs.json: ")
    assert "Traceback" not in result.stderr
