"""The apply page `/apply/{job_id}`: attribution by parameter and by cookie, upload
limits and type checks by content, CSRF, friendly errors that write nothing."""

from __future__ import annotations

import io
import re
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from app.gamification.models import PointsEntry
from app.people.models import Employee, Role
from app.referrals.models import Candidate, Channel, ContentType, Referral, ReferralStatus
from app.runtime import Runtime
from tests.helpers import bearer, make_employee, make_open_job, make_sharer

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
DOC = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


class Browser:
    """A visitor's cookies, sent by hand (the site's cookies are Secure, the test
    server is plain http)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.cookies: dict[str, str] = {}

    def headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    async def get(self, path: str) -> tuple[int, str]:
        response = await self.client.get(path, headers=self.headers(), allow_redirects=False)
        for name, morsel in response.cookies.items():
            self.cookies[name] = morsel.value
        return response.status, await response.text()

    async def post(self, path: str, data: FormData | dict[str, str]) -> tuple[int, str]:
        response = await self.client.post(path, data=data, headers=self.headers())
        return response.status, await response.text()


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name} field"
    return match.group(1)


def application(
    page: str,
    *,
    cv: bytes | None = PDF,
    filename: str = "cv.pdf",
    consent: bool = True,
    email: str = "marie.curie@example.org",
    csrf: str | None = None,
    ref: str | None = None,
) -> FormData:
    form = FormData(default_to_multipart=True)  # as a browser sends a form with a file input
    form.add_field("csrf", hidden(page, "csrf") if csrf is None else csrf)
    form.add_field("ref", hidden(page, "ref") if ref is None else ref)
    form.add_field("name", "Marie Curie")
    form.add_field("email", email)
    form.add_field("phone", "")
    form.add_field("linkedin_url", "https://www.linkedin.com/in/marie-curie")
    form.add_field("message", "I would love to join.")
    if consent:
        form.add_field("consent", "yes")
    if cv is not None:
        form.add_field("cv", cv, filename=filename, content_type="application/octet-stream")
    return form


def stored_cvs(runtime: Runtime) -> list[Path]:
    folder = runtime.settings.data_dir / "cv"
    return sorted(folder.iterdir()) if folder.exists() else []


async def nothing_written(runtime: Runtime) -> None:
    assert await Referral.all().count() == 0
    assert await Candidate.all().count() == 0
    assert stored_cvs(runtime) == []


async def test_an_unknown_job_is_a_friendly_404_page(client: TestClient, runtime: Runtime) -> None:
    for path in ("/apply/999", "/apply/not-a-job", "/apply/99999999999999"):
        response = await client.get(path)
        assert response.status == 404
        assert response.content_type == "text/html"
        assert "This job offer does not exist." in await response.text()
    job = await make_open_job(runtime)
    await runtime.content.close_job(job.id)
    closed = await client.get(f"/apply/{job.id}")
    assert closed.status == 410


async def test_the_job_page_links_to_the_apply_page(client: TestClient, runtime: Runtime) -> None:
    job = await make_open_job(runtime)
    page = await (await client.get(f"/jobs/{job.id}")).text()
    assert f'href="/apply/{job.id}"' in page


async def test_the_form_speaks_the_jobs_language(client: TestClient, runtime: Runtime) -> None:
    job = await make_open_job(runtime, "Développeur·se", language="fr")
    status, page = await Browser(client).get(f"/apply/{job.id}")
    assert status == 200
    assert '<html lang="fr">' in page
    assert "Nom complet" in page and "Postuler" in page
    assert 'enctype="multipart/form-data"' in page


async def test_a_direct_application_is_stored_with_its_cv(
    client: TestClient, runtime: Runtime
) -> None:
    job = await make_open_job(runtime)
    browser = Browser(client)
    _, page = await browser.get(f"/apply/{job.id}")
    status, thanks = await browser.post(f"/apply/{job.id}", application(page))
    assert status == 200, thanks
    assert "Thank you for applying!" in thanks
    referral = await Referral.get()
    assert referral.status == ReferralStatus.SUBMITTED
    assert referral.referrer_id is None and referral.consented_at is not None
    candidate = await Candidate.get()
    assert candidate.email == "marie.curie@example.org"
    assert candidate.linkedin_url == "https://www.linkedin.com/in/marie-curie"
    [cv] = stored_cvs(runtime)
    assert cv.name == referral.cv_file and cv.suffix == ".pdf"
    assert cv.read_bytes() == PDF
    recruiter = await bearer(runtime, Role.RECRUITER)
    download = await client.get(f"/api/v1/referrals/{referral.id}/cv", headers=recruiter)
    assert download.status == 200
    assert download.content_type == "application/pdf"
    assert await download.read() == PDF
    employee = await bearer(runtime, Role.EMPLOYEE)
    forbidden = await client.get(f"/api/v1/referrals/{referral.id}/cv", headers=employee)
    assert forbidden.status == 403
    again = await browser.get(f"/apply/{job.id}")
    status, page = await browser.post(f"/apply/{job.id}", application(again[1]))
    assert status == 409 and "already" in page
    assert await Referral.all().count() == 1
    assert len(stored_cvs(runtime)) == 1  # the second upload was not kept


async def test_attribution_from_the_ref_parameter(client: TestClient, runtime: Runtime) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime)
    [share] = await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.WHATSAPP])
    browser = Browser(client)
    _, page = await browser.get(f"/apply/{job.id}?ref={share.code}")
    assert hidden(page, "ref") == share.code
    status, _ = await browser.post(f"/apply/{job.id}", application(page))
    assert status == 200
    referral = await Referral.get()
    assert referral.referrer_id == ada.id
    assert referral.channel == "whatsapp"
    assert referral.department == ada.department
    assert referral.status == ReferralStatus.SUBMITTED


async def test_attribution_from_the_cookie_set_by_the_tracked_link(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime)
    [share] = await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.LINKEDIN])
    browser = Browser(client)
    status, _ = await browser.get(f"/r/{share.code}")
    assert status == 302 and browser.cookies["pv_ref"] == share.code
    _, page = await browser.get(f"/apply/{job.id}")  # no ?ref=: the cookie says who
    status, _ = await browser.post(f"/apply/{job.id}", application(page, ref=""))
    assert status == 200
    referral = await Referral.get()
    assert referral.referrer_id == ada.id and referral.channel == "linkedin"


async def test_an_employee_applying_through_their_own_link_is_not_a_referral(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime)
    [share] = await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.COPY])
    browser = Browser(client)
    _, page = await browser.get(f"/apply/{job.id}?ref={share.code}")
    status, _ = await browser.post(f"/apply/{job.id}", application(page, email=ada.email))
    assert status == 200
    assert (await Referral.get()).referrer_id is None


async def test_an_employee_applying_under_an_alias_of_their_address_is_not_a_referral(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_sharer(runtime)  # ada@example.com
    job = await make_open_job(runtime)
    [share] = await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.COPY])
    for n, alias in enumerate(("Ada+jobs@Example.com", "someone.else@example.com")):
        browser = Browser(client)
        _, page = await browser.get(f"/apply/{job.id}?ref={share.code}")
        status, _ = await browser.post(f"/apply/{job.id}", application(page, email=alias))
        assert status == 200
        assert await Referral.filter(referrer_id__isnull=True).count() == n + 1
    assert not await Referral.filter(referrer_id=ada.id).exists()  # nobody's referral


async def test_applications_through_a_link_earn_nothing_until_a_recruiter_screens_one(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_sharer(runtime)
    after_policy = (await Employee.get(id=ada.id)).points_balance
    job = await make_open_job(runtime)
    [share] = await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.LINKEDIN])
    for n in range(5):  # anyone can fill in the public form, with any name and address
        browser = Browser(client)
        _, page = await browser.get(f"/apply/{job.id}?ref={share.code}")
        fake = application(page, email=f"fake{n}@example.org")
        assert (await browser.post(f"/apply/{job.id}", fake))[0] == 200
    assert await Referral.filter(referrer_id=ada.id, status=ReferralStatus.SUBMITTED).count() == 5
    assert (await Employee.get(id=ada.id)).points_balance == after_policy
    assert not await PointsEntry.filter(employee_id=ada.id, reason="application").exists()

    first = await Referral.filter(referrer_id=ada.id).order_by("id").first()
    assert first is not None
    rita = await make_employee(runtime, "rita@example.com", "Rita", role=Role.RECRUITER)
    moved = await client.post(
        f"/api/v1/referrals/{first.id}/status",
        json={"status": "screening"},
        headers=await bearer(runtime, Role.RECRUITER, rita),
    )
    assert moved.status == 200
    application_points = runtime.gamification.rules.points.application
    assert (await Employee.get(id=ada.id)).points_balance == after_policy + application_points
    [entry] = await PointsEntry.filter(employee_id=ada.id, reason="application")
    assert entry.idempotency_key == f"application:{first.id}"


async def test_word_documents_are_accepted_by_their_content(
    client: TestClient, runtime: Runtime
) -> None:
    job = await make_open_job(runtime)
    for number, (content, name) in enumerate([(DOC, "cv.doc"), (docx(), "CV FINAL.DOCX")]):
        browser = Browser(client)
        _, page = await browser.get(f"/apply/{job.id}")
        email = f"candidate{number}@example.org"
        status, _ = await browser.post(
            f"/apply/{job.id}", application(page, cv=content, filename=name, email=email)
        )
        assert status == 200
    assert sorted(p.suffix for p in stored_cvs(runtime)) == [".doc", ".docx"]


async def test_files_are_checked_by_content_not_by_name(
    client: TestClient, runtime: Runtime
) -> None:
    job = await make_open_job(runtime)
    for content in (b"just text, named like a pdf", plain_zip(), b"%PD", b"MZ\x90\x00"):
        browser = Browser(client)
        _, page = await browser.get(f"/apply/{job.id}")
        status, answer = await browser.post(
            f"/apply/{job.id}", application(page, cv=content, filename="cv.pdf")
        )
        assert status == 415
        assert "PDF, DOC or DOCX" in answer
    await nothing_written(runtime)


async def test_a_cv_over_5_mb_is_refused_and_not_kept(client: TestClient, runtime: Runtime) -> None:
    job = await make_open_job(runtime)
    browser = Browser(client)
    _, page = await browser.get(f"/apply/{job.id}")
    too_big = PDF + b"0" * (5 * 1024 * 1024)
    status, answer = await browser.post(f"/apply/{job.id}", application(page, cv=too_big))
    assert status == 413
    assert "5 MB" in answer
    await nothing_written(runtime)
    _, page = await browser.get(f"/apply/{job.id}")
    just_fits = PDF + b"0" * (5 * 1024 * 1024 - len(PDF))
    status, _ = await browser.post(f"/apply/{job.id}", application(page, cv=just_fits))
    assert status == 200


async def test_missing_consent_or_cv_shows_the_form_again_and_writes_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    job = await make_open_job(runtime)
    browser = Browser(client)
    _, page = await browser.get(f"/apply/{job.id}")
    status, answer = await browser.post(f"/apply/{job.id}", application(page, consent=False))
    assert status == 422
    assert "Please agree to the privacy notice to apply." in answer
    assert 'value="marie.curie@example.org"' in answer  # what was typed is kept
    status, answer = await browser.post(f"/apply/{job.id}", application(page, cv=None))
    assert status == 422
    assert "Please attach your CV" in answer
    status, answer = await browser.post(
        f"/apply/{job.id}", application(page, email="not-an-address")
    )
    assert status == 422
    assert "Please enter a valid e-mail address." in answer
    await nothing_written(runtime)


async def test_a_form_without_a_valid_csrf_token_is_refused(
    client: TestClient, runtime: Runtime
) -> None:
    job = await make_open_job(runtime)
    browser = Browser(client)
    _, page = await browser.get(f"/apply/{job.id}")
    status, answer = await browser.post(f"/apply/{job.id}", application(page, csrf="0" * 64))
    assert status == 403 and "expired" in answer
    stranger = Browser(client)  # a page on another site posting to ours: no cookie
    status, _ = await stranger.post(f"/apply/{job.id}", application(page))
    assert status == 403
    status, _ = await browser.post(f"/apply/{job.id}", {"name": "x"})  # not multipart
    assert status == 400
    await nothing_written(runtime)


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


async def test_a_docx_with_too_many_entries_or_a_zip_bomb_is_refused_off_the_event_loop(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe's 58,000-entry DOCX stalled every request while it was parsed: a zip is
    now bounded by its declared entries and unpacked size, and checked in a thread."""
    from app.referrals import cv

    threads: list[str] = []
    real_sniff = cv.sniff

    def watched_sniff(*args: Any) -> str | None:
        threads.append(threading.current_thread().name)
        return real_sniff(*args)

    monkeypatch.setattr(cv, "sniff", watched_sniff)
    limits = cv.ZipLimits(max_entries=50, max_unzipped_bytes=1_000_000)
    runtime.referrals.cv_store.zip_limits = limits
    job = await make_open_job(runtime)
    word = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}
    many = word | {f"word/media/{n}.xml": b"" for n in range(limits.max_entries)}
    bomb = word | {"word/media/big.bin": b"\0" * (limits.max_unzipped_bytes + 1)}
    for refused in (zip_of(many), zip_of(bomb)):
        assert len(refused) < 100_000  # small on the wire
        browser = Browser(client)
        _, page = await browser.get(f"/apply/{job.id}")
        status, answer = await browser.post(
            f"/apply/{job.id}", application(page, cv=refused, filename="cv.docx")
        )
        assert status == 415, answer
        await nothing_written(runtime)
    browser = Browser(client)
    _, page = await browser.get(f"/apply/{job.id}")
    fits = word | {f"word/media/{n}.xml": b"" for n in range(limits.max_entries - 2)}
    status, _ = await browser.post(
        f"/apply/{job.id}", application(page, cv=zip_of(fits), filename="cv.docx")
    )
    assert status == 200
    assert [path.suffix for path in stored_cvs(runtime)] == [".docx"]
    main = threading.main_thread().name
    assert len(threads) == 3 and main not in threads  # each check ran in a worker thread
