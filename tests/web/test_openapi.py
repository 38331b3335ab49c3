"""The OpenAPI document lists every API route, and the docs page renders it."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from app.server import build_api
from app.web.api import PATH_PARAM


async def test_every_api_route_is_in_the_document(client: TestClient) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    served = {
        (route.method, PATH_PARAM.sub(r"{\1}", route.resource.canonical))
        for route in client.app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api/v1/")
        and route.resource.canonical != "/api/v1/openapi.json"
        and route.method != "HEAD"
    }
    assert served
    assert served == documented


async def test_operations_document_their_security_and_errors(client: TestClient) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()
    create = document["paths"]["/api/v1/employees"]["post"]
    assert create["security"] == [{"bearer": []}]
    assert {"201", "400", "401", "403", "409", "422"} <= set(create["responses"])
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/EmployeeCreate"}
    assert "email" in document["components"]["schemas"]["EmployeeCreate"]["required"]
    listing = document["paths"]["/api/v1/employees"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"status", "limit", "offset", "q"}


def test_a_referral_is_documented_in_the_recruiters_view_and_the_referrers() -> None:
    document = build_api().openapi()
    schemas = document["components"]["schemas"]

    def views(schema: dict) -> set[str]:  # type: ignore[type-arg]
        return {ref["$ref"].rsplit("/", 1)[1] for ref in schema["oneOf"]}

    one = document["paths"]["/api/v1/referrals/{referral_id}"]["get"]["responses"]["200"]
    assert views(one["content"]["application/json"]["schema"]) == {
        "RecruiterReferral",
        "ReferrerReferral",
    }
    assert views(schemas["ReferralPage"]["properties"]["items"]["items"]) == {
        "RecruiterReferral",
        "ReferrerReferral",
    }
    history = document["paths"]["/api/v1/referrals/{referral_id}/history"]["get"]
    listed = history["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    assert views(listed) == {"RecruiterChange", "ReferrerStep"}
    private = {"candidate_email", "candidate_phone", "candidate_linkedin_url", "note"}
    assert private <= set(schemas["RecruiterReferral"]["properties"])
    assert not private & set(schemas["ReferrerReferral"]["properties"])
    assert not {"actor", "note", "source"} & set(schemas["ReferrerStep"]["properties"])
    assert "consent_url" not in schemas["ReferralCreated"]["properties"]


def test_headers_an_operation_reads_itself_are_documented() -> None:
    paths = build_api().openapi()["paths"]
    [signature] = [
        p for p in paths["/api/v1/webhooks/ats"]["post"]["parameters"] if p["in"] == "header"
    ]
    assert signature["name"] == "X-Signature" and signature["required"]
    assert signature["schema"]["pattern"] == "^sha256=[0-9a-fA-F]{64}$"
    adjust = paths["/api/v1/employees/{employee_id}/points/adjust"]["post"]
    [key] = [p for p in adjust["parameters"] if p["in"] == "header"]
    assert key["name"] == "Idempotency-Key" and not key["required"]
    assert key["schema"]["maxLength"] == 128


def test_every_schema_reference_resolves() -> None:
    document = build_api().openapi()
    text = str(document)
    import re

    for name in set(re.findall(r"#/components/schemas/(\w+)", text)):
        assert name in document["components"]["schemas"], name


async def test_the_docs_page_is_served_without_any_cdn(client: TestClient) -> None:
    page = await (await client.get("/api/docs")).text()
    assert "/api/v1/openapi.json" in page
    assert "https://" not in page
    script = await client.get("/api/docs.js")
    assert script.status == 200
