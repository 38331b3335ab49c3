"""The applicant tracking system's webhook: a signed event creates an application or
moves it along the pipeline (the event handling itself is `app.referrals.ats`)."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from app.http.bodies import parse_json, read_bytes
from app.referrals.ats import AtsEvent, AtsResult, signature_ok
from app.web.api import Api, ApiError, Call, HeaderParam, within_range
from app.web.errors import validation_error

ATS_EVENT: TypeAdapter[Any] = TypeAdapter(AtsEvent)


def register(api: Api) -> None:
    @api.operation(
        "POST",
        "/webhooks/ats",
        summary="Applicant tracking system events",
        tag="Webhooks",
        role=None,
        body_doc=AtsEvent,
        response=AtsResult,
        errors=(401, 404, 409),
        headers=(
            HeaderParam(
                "X-Signature",
                "sha256=<hex of HMAC-SHA256 of the raw body, key ATS_WEBHOOK_SECRET>",
                required=True,
                pattern="^sha256=[0-9a-fA-F]{64}$",
            ),
        ),
        description="Signed with HMAC-SHA256 of the raw body, hex, in header "
        "`X-Signature: sha256=<hex>`, key ATS_WEBHOOK_SECRET; a missing or wrong signature "
        "is 401 and nothing is written. `application.created` creates the application "
        "(attributed to the employee whose tracked link code is in `ref`); "
        "`candidate.stage_changed` moves it, the ATS stage mapped by config/ats.toml (an "
        "unknown stage is 422 unknown_stage). An event id already applied answers "
        '`"outcome": "replayed"` and changes nothing.',
    )
    async def ats_webhook(call: Call) -> AtsResult:
        settings = call.services.settings
        raw = await read_bytes(call.request, settings)
        if not signature_ok(
            settings.ats_webhook_secret, raw, call.request.headers.get("X-Signature", "")
        ):
            raise ApiError(401, "bad_signature", "The X-Signature header does not match the body.")
        data = parse_json(raw, settings)
        try:
            event = ATS_EVENT.validate_python(data)
        except ValidationError as exc:
            raise validation_error(exc, "body") from None
        within_range(event, "body")
        return await call.services.referrals.ats.handle(event)
