"""Roles from the provider's groups, and the OIDC settings an operator can get wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.people.models import Role
from app.people.sso import RoleGroups
from app.settings import SettingsError, load_settings

GROUPS = RoleGroups.parse("pv-admins=admin, Talent Team=recruiter", claim="groups")


def test_the_highest_role_of_the_persons_groups_wins() -> None:
    claims = {"groups": ["staff", "Talent Team", "pv-admins"]}
    assert GROUPS.role_of(claims) == Role.ADMIN
    assert GROUPS.role_of({"groups": ["Talent Team"]}) == Role.RECRUITER


def test_no_matching_group_or_no_groups_claim_means_employee() -> None:
    assert GROUPS.role_of({"groups": ["staff"]}) == Role.EMPLOYEE
    assert GROUPS.role_of({}) == Role.EMPLOYEE
    assert GROUPS.role_of({"groups": "pv-admins"}) == Role.ADMIN  # one group, as a string
    assert GROUPS.role_of({"groups": [{"id": "pv-admins"}]}) == Role.EMPLOYEE


def test_without_a_group_map_groups_have_no_say() -> None:
    assert RoleGroups.parse("").role_of({"groups": ["pv-admins"]}) is None


def test_the_claim_is_configurable() -> None:
    roles = RoleGroups.parse("Porte-voix.Admin=admin", claim="roles")
    assert roles.role_of({"roles": ["Porte-voix.Admin"], "groups": []}) == Role.ADMIN


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"oidc_issuer": "http://login.example.com"}, "OIDC_ISSUER"),
        ({"oidc_issuer": "https://login.example.com"}, "OIDC_CLIENT_ID"),
        ({"oidc_role_groups": "pv-admins=owner"}, "OIDC_ROLE_GROUPS"),
        ({"oidc_role_groups": "pv-admins"}, "OIDC_ROLE_GROUPS"),
    ],
)
def test_a_wrong_oidc_setting_is_named(
    overrides: dict[str, str], named: str, tmp_path: Path
) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(data_dir=tmp_path, **overrides)


def test_a_local_provider_over_http_is_allowed_for_trials(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, oidc_issuer="http://127.0.0.1:8765/", oidc_client_id="porte-voix"
    )
    assert settings.oidc_enabled and settings.oidc_issuer == "http://127.0.0.1:8765"
