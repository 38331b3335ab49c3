"""Fuzzing what people type into our forms, past the CSRF check (real tokens): the public
apply and consent forms, and the mini app's JSON API signed in as an employee. Whatever
the fields, the answer is never a 5xx, a refusal changes nothing (no candidate, no CV
file, no consent recorded), and the mini app answers JSON with an error code. Kept
small for CI (`FUZZ_EXAMPLES=50` searches deeper), derandomised like the other suites."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import hypothesis
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from hypothesis import strategies as st

from app.people.sessions import COOKIE
from app.referrals.intake import CandidateDetails
from app.referrals.models import Candidate, Referral
from app.runtime import Runtime
from app.web.session_auth import csrf_for, open_session
from tests.helpers import make_open_job, make_sharer
from tests.security.support import run_beside_loop
from tests.security.test_webhook_fuzz import FUZZ, Post, json_values

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2")) * 20
PDF = b"%PDF-1.4 a real enough pdf"
typed = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60)
emails = st.sampled_from(["grace@navy.example", "not-an-email", "", "a@b", "x@" + "y" * 300])
apply_fields = st.fixed_dictionaries(
    {},
    optional={
        "name": typed | st.just("Grace Hopper"),
        "email": emails | typed,
        "phone": typed,
        "linkedin_url": typed | st.just("https://www.linkedin.com/in/grace"),
        "message": typed,
        "consent": st.sampled_from(["yes", "no", ""]) | typed,
        "ref": typed,
    },
)
cvs = st.none() | st.just(PDF) | st.binary(max_size=200) | st.just(b"PK\x03\x04" + bytes(40))


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, "the form carries a CSRF token"
    return found.group(1)


async def stored_cvs(runtime: Runtime) -> int:
    directory = runtime.settings.data_dir / "cv"
    return len(list(directory.glob("*"))) if directory.exists() else 0


async def test_the_apply_form_takes_anything_without_a_5xx_and_a_refusal_stores_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.apply_limit_per_minute = 0  # fuzz the form, not its rate limit
    job = await make_open_job(runtime)
    async with client.get(f"/apply/{job.id}") as form:
        csrf, nonce = csrf_of(await form.text()), form.cookies["pv_csrf"].value
    failures: list[str] = []

    async def submit(fields: dict[str, str], cv: bytes | None, good_csrf: bool) -> None:
        before = (await Candidate.all().count(), await stored_cvs(runtime))
        data = FormData()
        data.add_field("csrf", csrf if good_csrf else "forged")
        for name, value in fields.items():
            data.add_field(name, value)
        if cv is not None:
            data.add_field("cv", cv, filename="cv.pdf", content_type="application/pdf")
        headers = {"Cookie": f"pv_csrf={nonce}"}
        async with client.post(f"/apply/{job.id}", data=data, headers=headers) as response:
            status = response.status
            await response.read()
        after = (await Candidate.all().count(), await stored_cvs(runtime))
        if status >= 500:
            failures.append(f"{fields} cv={cv!r:.20}: {status}")
        elif status >= 400 and after != before:
            failures.append(f"{fields} cv={cv!r:.20}: refused ({status}) but stored {after}")

    def search(on_loop: Post) -> None:
        @hypothesis.settings(FUZZ, max_examples=EXAMPLES)
        @hypothesis.given(fields=apply_fields, cv=cvs, good_csrf=st.booleans())
        def check(fields: dict[str, str], cv: bytes | None, good_csrf: bool) -> None:
            on_loop(submit(fields, cv, good_csrf))

        check()

    await run_beside_loop(search)
    assert not failures, "\n".join(failures)


async def test_the_consent_form_takes_anything_without_a_5xx_and_a_refusal_records_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime)
    outcome = await runtime.referrals.intake.refer(
        ada, job.id, CandidateDetails("Grace Hopper", "grace@navy.example")
    )
    token = outcome.referral.consent_token
    assert token is not None
    async with client.get(f"/consent/{token}") as form:
        csrf, nonce = csrf_of(await form.text()), form.cookies["pv_csrf"].value
    failures: list[str] = []

    async def answer(fields: dict[str, str], good_csrf: bool, path: str) -> None:
        before = await Referral.all().values_list("status", flat=True)
        data = {**fields, "csrf": csrf if good_csrf else fields.get("csrf", "")}
        headers = {"Cookie": f"pv_csrf={nonce}"}
        async with client.post(f"/consent/{path}", data=data, headers=headers) as response:
            status = response.status
            await response.read()
        after = await Referral.all().values_list("status", flat=True)
        if status >= 500:
            failures.append(f"{path} {fields}: {status}")
        elif status >= 400 and after != before:
            failures.append(f"{path} {fields}: refused ({status}) but {before} -> {after}")

    def search(on_loop: Post) -> None:
        @hypothesis.settings(FUZZ, max_examples=EXAMPLES)
        @hypothesis.given(
            fields=st.dictionaries(
                st.sampled_from(["decision", "csrf", "x"]),
                st.sampled_from(["accept", "decline", "ACCEPT", ""]) | typed,
                max_size=3,
            ),
            good_csrf=st.booleans(),
            path=st.just(token) | st.sampled_from([token + "x", token.upper(), "a" * 300]),
        )
        def check(fields: dict[str, str], good_csrf: bool, path: str) -> None:
            on_loop(answer(fields, good_csrf, path))

        check()

    await run_beside_loop(search)
    assert not failures, "\n".join(failures)


MINIAPP_POSTS = [
    "/app/api/policy/accept",
    "/app/api/shares",
    "/app/api/referrals",
    "/app/api/redemptions",
    "/app/api/redemptions/1/cancel",
    "/app/api/settings",
]
MINIAPP_GETS = ["/app/api/home", "/app/api/feed", "/app/api/leaderboard", "/app/api/shop"]
FIELD_NAMES = [
    *("content_type", "content_id", "job_id", "name", "email", "note", "reward_id"),
    *("language", "leaderboard_opt_out", "period", "scope"),
]
field_values = json_values | st.sampled_from(
    ["job", "news", 1, 0, -1, 2**31, 2**63, "fr", "en", True, "month", "company", "a@b.c"]
)
bodies = json_values | st.dictionaries(st.sampled_from(FIELD_NAMES), field_values, max_size=5)


async def test_the_mini_app_api_answers_any_body_with_json_and_never_a_5xx(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_sharer(runtime)
    await make_open_job(runtime)
    session_id = await open_session(runtime, ada.id, ada.role)
    csrf = csrf_for(runtime.settings.secret_key, session_id)
    headers = {"Cookie": f"{COOKIE}={session_id}", "Content-Type": "application/json"}
    failures: list[str] = []

    async def call(method: str, path: str, body: Any, query: dict[str, str]) -> None:
        sent = headers | {"X-CSRF-Token": csrf}
        async with client.request(
            method, path, data=json.dumps(body), params=query, headers=sent
        ) as response:
            status, kind = response.status, response.content_type
            answer = await response.json() if kind == "application/json" else None
        if status >= 500 or kind != "application/json":
            failures.append(f"{method} {path} {body!r} {query}: {status} {kind}")
        elif status >= 400 and not isinstance((answer or {}).get("error"), dict):
            failures.append(f"{method} {path} {body!r}: {status} without an error code")

    def search(on_loop: Post) -> None:
        @hypothesis.settings(FUZZ, max_examples=EXAMPLES * 2)
        @hypothesis.given(
            route=st.sampled_from([("POST", p) for p in MINIAPP_POSTS])
            | st.sampled_from([("GET", p) for p in MINIAPP_GETS]),
            body=bodies,
            query=st.dictionaries(
                st.sampled_from(["period", "scope", "limit", "x"]), typed, max_size=2
            ),
        )
        def check(route: tuple[str, str], body: Any, query: dict[str, str]) -> None:
            on_loop(call(*route, body, query))

        check()

    await run_beside_loop(search)
    assert not failures, "\n".join(failures)
