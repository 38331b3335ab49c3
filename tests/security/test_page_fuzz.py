"""Fuzzing the routes outside the REST registry (pages, sign-in, the mini app's JSON):
any path segment, query and body, signed in or not, never gets a 5xx."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import hypothesis
from aiohttp.test_utils import TestClient
from hypothesis import strategies as st

from app.people.models import Role
from app.runtime import Runtime
from app.web.session_auth import csrf_for, open_session
from tests.helpers import make_employee
from tests.security.support import run_beside_loop
from tests.security.test_authorization_matrix import ROUTES
from tests.security.test_webhook_fuzz import FUZZ, Post, json_values

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2")) * 75  # about three per route
PLACEHOLDER = re.compile(r"\{(\w+)\}")
SKIP = {"/telegram/webhook", "/api/messages", "/app/static"}  # fuzzed elsewhere / files
segments = (
    st.integers(0, 2**80).map(str)
    | st.text(st.characters(codec="utf-8", exclude_characters="/?#%"), min_size=1, max_size=30)
    | st.sampled_from(["job", "approve", "0", "-1", "..", "1e9"])
)
queries = st.dictionaries(
    st.sampled_from(["days", "by", "period", "scope", "lang", "limit", "section", "x"]),
    st.text(max_size=12) | st.integers(-(2**70), 2**70).map(str),
    max_size=3,
)


async def test_no_route_outside_the_api_answers_5xx(client: TestClient, runtime: Runtime) -> None:
    runtime.settings.sign_in_limit_per_minute = 0
    runtime.settings.redirect_limit_per_minute = 0
    admin = await make_employee(runtime, role=Role.ADMIN)
    session_id = await open_session(runtime, admin.id, Role.ADMIN)
    csrf = csrf_for(runtime.settings.secret_key, session_id)
    routes = sorted((method, canonical) for method, canonical in ROUTES if canonical not in SKIP)
    failures: list[str] = []

    async def send(method: str, path: str, query: dict[str, str], body: Any, signed: bool) -> int:
        headers = {"Cookie": f"pv_session={session_id}", "X-CSRF-Token": csrf} if signed else {}
        form = path.startswith(("/dashboard", "/apply", "/consent")) or path.endswith("logout")
        kwargs: dict[str, Any] = (
            {"data": {"csrf": csrf, "to": str(body)[:20], "token": str(body)[:20]}}
            if form
            else {
                "data": json.dumps(body),
                "headers": headers | {"Content-Type": "application/json"},
            }
        )
        kwargs.setdefault("headers", headers)
        async with client.request(
            method, path, params=query, allow_redirects=False, **kwargs
        ) as response:
            await response.read()
            return response.status

    def search(on_loop: Post) -> None:
        @hypothesis.settings(FUZZ, max_examples=EXAMPLES)
        @hypothesis.given(
            route=st.sampled_from(routes),
            values=st.lists(segments, min_size=3, max_size=3),
            query=queries,
            body=json_values,
            signed=st.booleans(),
        )
        def check(
            route: tuple[str, str],
            values: list[str],
            query: dict[str, str],
            body: Any,
            signed: bool,
        ) -> None:
            method, canonical = route
            fill = iter(values)
            path = PLACEHOLDER.sub(lambda _: next(fill), canonical)
            status = on_loop(send(method, path, query, body, signed))
            if status >= 500:
                failures.append(f"{method} {path} {query} {body!r} signed={signed}: {status}")

        check()

    await run_beside_loop(search)
    assert not failures, "\n".join(failures)
