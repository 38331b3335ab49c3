"""The candidates API: a candidate's GDPR export and erasure, which keeps the funnel."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from app.people.models import Role
from app.referrals.funnel import FunnelQuery
from app.referrals.models import Candidate, Referral, ReferralChange
from app.referrals.models import ReferralStatus as S
from app.runtime import Runtime
from tests.helpers import bearer
from tests.referrals.factories import consented, refer, team


async def test_erasing_a_candidate_removes_their_data_and_keeps_the_funnel(
    client: TestClient, runtime: Runtime
) -> None:
    ada, _, job = await team(runtime)
    referral = await consented(runtime, await refer(runtime, ada, job))
    cv_dir = runtime.settings.data_dir / "cv"
    cv_dir.mkdir(parents=True, exist_ok=True)
    (cv_dir / ("a" * 32 + ".pdf")).write_bytes(b"%PDF-1.4")
    await Referral.filter(id=referral.id).update(cv_file="a" * 32 + ".pdf")
    admin = await bearer(runtime, Role.ADMIN)
    exported = await client.post(
        "/api/v1/candidates/export", json={"email": "MARIE.CURIE@example.org"}, headers=admin
    )
    data = await exported.json()
    assert data["candidate"]["name"] == "Marie Curie"
    assert [a["status"] for a in data["applications"]] == ["submitted"]
    funnel_before = await runtime.referrals.funnel.rows(FunnelQuery("job"))
    before = await client.get(f"/api/v1/referrals/{referral.id}/cv", headers=admin)
    assert (before.status, await before.read()) == (200, b"%PDF-1.4")
    erased = await client.post(
        "/api/v1/candidates/erase", json={"email": "marie.curie@example.org"}, headers=admin
    )
    assert (await erased.json()) == {"erased": True}
    candidate = await Candidate.get()
    assert (candidate.email, candidate.name, candidate.phone) == (None, "", "")
    assert candidate.erased_at is not None
    stored = await Referral.get(id=referral.id)
    assert (stored.note, stored.cv_file, stored.status) == ("", "", S.SUBMITTED)
    assert not any(cv_dir.iterdir())
    cv = await client.get(f"/api/v1/referrals/{referral.id}/cv", headers=admin)
    assert cv.status == 404
    assert all(c.note == "" for c in await ReferralChange.filter(referral_id=referral.id))
    assert await runtime.referrals.funnel.rows(FunnelQuery("job")) == funnel_before
    again = await client.post(
        "/api/v1/candidates/erase", json={"email": "marie.curie@example.org"}, headers=admin
    )
    assert again.status == 404
    # the referrer's own GDPR export lists the referral without the candidate
    export = await runtime.privacy.export(ada.id)
    assert [r["id"] for r in export["referrals"]] == [referral.id]
    assert "Marie" not in str(export["referrals"])
