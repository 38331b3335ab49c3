"""Property-based fuzzing of the REST API from its own OpenAPI document (schemathesis).

Every operation of `/api/v1/openapi.json` gets generated requests, valid ones and
invalid ones, as the bootstrap admin and as nobody. Each answer must be a documented
status with a body and content type that fit the document, and never a 5xx. The
document's path ids are narrowed to the seeded rows in a second pass, so the generator
reaches the handlers behind the 404s too.

Requests are real HTTP to the `client` fixture's server on 127.0.0.1 (schemathesis'
synchronous transport in a worker thread while the app serves them on the test's loop).
Kept small on purpose (a few examples per operation, derandomised): `FUZZ_EXAMPLES=50`
searches deeper.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from aiohttp.test_utils import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.runtime import Runtime
from tests.conftest import ADMIN_TOKEN
from tests.security.support import make_company, run_beside_loop

# Generating a case costs ~50 ms, so the default is a smoke run of the whole surface.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
# No `negative_data_rejection`: pydantic normalises before it checks (strips whitespace,
# reads 0 as a date-time, keeps the last of a repeated query key), so some "invalid"
# inputs are rightly accepted. Invalid inputs must still never get a 5xx or an
# undocumented answer.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SEEDED_IDS = {"minimum": 1, "maximum": 6}


async def seed(runtime: Runtime) -> None:
    """A few rows of each kind so narrowed ids find something."""
    from app.jobs.schemas import JobCreate, NewsCreate
    from tests.helpers import make_open_job, make_sharer

    await make_company(runtime)
    sharer = await make_sharer(runtime, "sam@example.com", name="Sam Sharer")
    job = await make_open_job(runtime)
    await runtime.content.create_job(JobCreate(title="Draft job"))
    news = await runtime.content.create_news(NewsCreate(title="News", body="Hello"))
    await runtime.content.publish_news(news.id)
    del sharer, job


def narrowed(document: dict[str, Any]) -> dict[str, Any]:
    """The same document with every path id between 1 and 6."""
    doc = copy.deepcopy(document)
    for operations in doc["paths"].values():
        for operation in operations.values():
            for param in operation.get("parameters", []):
                if param["in"] == "path":
                    param["schema"] = {"type": "integer", **SEEDED_IDS}
    return doc


def fuzz(
    document: dict[str, Any],
    base_url: str,
    headers: dict[str, str],
    examples: dict[schemathesis.GenerationMode, int],
    with_path_ids_only: bool = False,
) -> list[str]:
    """Run every operation of `document`; the failures, one report each."""
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    session = requests.Session()
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"the document has an unreadable operation: {result.err()}")
            continue
        operation = result.ok()
        if with_path_ids_only and "{" not in operation.path:
            continue
        for mode, count in examples.items():
            try:
                search(operation, mode, count, base_url, session, headers)()
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # schemathesis' FailureGroup; collect them all
                failures.append(f"{operation.label} [{mode.value}]: {type(exc).__name__}: {exc}")
    return failures


def search(
    operation: schemathesis.APIOperation,
    mode: schemathesis.GenerationMode,
    count: int,
    base_url: str,
    session: requests.Session,
    headers: dict[str, str],
) -> Any:
    """A Hypothesis test of one operation in one generation mode."""

    @hypothesis.settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        case.validate_response(response, checks=CHECKS, headers=headers)

    return check


@pytest.mark.parametrize("who", ["admin", "anonymous"])
async def test_every_operation_answers_within_its_documented_schema(
    client: TestClient, runtime: Runtime, who: str
) -> None:
    await seed(runtime)
    response = await client.get("/api/v1/openapi.json")
    document = await response.json()
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if who == "admin" else {}
    base_url = str(client.make_url("")).rstrip("/")
    failures: list[str] = []

    def run(_: Any) -> None:
        if who == "admin":
            both = {POSITIVE: EXAMPLES, NEGATIVE: EXAMPLES}
            failures.extend(fuzz(document, base_url, headers, both))
            seeded = {POSITIVE: EXAMPLES}
            failures.extend(fuzz(narrowed(document), base_url, headers, seeded, True))
        else:  # every answer is the same 401 whatever the input: one of each is enough
            failures.extend(fuzz(document, base_url, headers, {POSITIVE: 1, NEGATIVE: 1}))

    await run_beside_loop(run)
    assert not failures, f"{len(failures)} failing operations:\n\n" + "\n\n".join(failures)
