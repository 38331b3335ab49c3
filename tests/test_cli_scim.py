"""`portevoix scim-token`: a token is shown once, opens /scim/v2 until revoked, and a
wrong command line gets one clear line."""

from __future__ import annotations

import pytest

from app.people.models import ScimToken
from app.runtime import Runtime
from app.settings import Settings
from tests.test_cli import portevoix


async def test_create_list_and_revoke(runtime: Runtime, settings: Settings) -> None:
    created = portevoix("scim-token", "create", "--name", "entra", settings=settings)
    assert created.returncode == 0, created.stderr
    token, where = created.stdout.splitlines()
    assert token.startswith("pvscim_")
    assert where.startswith("Tenant URL: http") and "/scim/v2  (this token is shown once)" in where
    row = await runtime.scim_tokens.authenticate(token)
    assert row is not None and row.name == "entra"
    [stored] = await ScimToken.all()
    assert token not in stored.token_hash  # only the hash is kept

    listed = portevoix("scim-token", "list", settings=settings)
    assert "entra" in listed.stdout and "active" in listed.stdout and token not in listed.stdout

    revoked = portevoix("scim-token", "revoke", str(row.id), settings=settings)
    assert revoked.returncode == 0 and f"Revoked SCIM token {row.id} (entra)" in revoked.stdout
    assert await runtime.scim_tokens.authenticate(token) is None


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["revoke"], "which token?"),
        (["revoke", "999"], "No SCIM token with id 999."),
        (["create", "--name", " "], "--name must be 1 to 100 characters"),
        (["list", "3"], "list takes no ID"),
    ],
)
async def test_wrong_input_is_one_clear_line(
    runtime: Runtime, settings: Settings, args: list[str], says: str
) -> None:
    result = portevoix("scim-token", *args, settings=settings)
    assert result.returncode == 1
    assert result.stderr.startswith("portevoix: ") and says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert await ScimToken.all().count() == 0


def test_a_bad_id_is_refused_by_the_parser() -> None:
    result = portevoix("scim-token", "revoke", "abc")
    assert result.returncode == 2 and "expected a whole number above 0" in result.stderr
