"""An e-mail address as an identity: every spelling a mailbox receives is one person."""

from __future__ import annotations

import pytest

from app.people.emails import CompanyDomains, normalise_email
from app.runtime import Runtime
from tests.helpers import make_employee


@pytest.mark.parametrize(
    ("typed", "person"),
    [
        ("  Ada@Example.COM ", "ada@example.com"),
        ("ada+jobs@example.com", "ada@example.com"),
        ("ada+a+b@corp.example", "ada@corp.example"),
        ("Ada.Lovelace+x@GoogleMail.com", "adalovelace@gmail.com"),
        ("a.d.a@gmail.com", "ada@gmail.com"),
        ("ada.lovelace@outlook.com", "ada.lovelace@outlook.com"),  # dots count elsewhere
        ("+ada@example.com", "+ada@example.com"),  # no name before the tag: not a tag
        ("not-an-address", "not-an-address"),
    ],
)
def test_every_spelling_of_a_mailbox_is_one_person(typed: str, person: str) -> None:
    assert normalise_email(typed) == person
    assert normalise_email(person) == person  # normalising twice changes nothing


async def test_the_company_domains_are_configured_or_those_of_the_employees(
    runtime: Runtime,
) -> None:
    await make_employee(runtime, "ada@example.com")
    await make_employee(runtime, "bob.personal@gmail.com", "Bob")  # a personal address
    company = CompanyDomains({"corp.example"})
    assert await company.includes("anyone@corp.example")
    assert await company.includes("Someone+x@EXAMPLE.com")  # an employee's domain
    assert not await company.includes("marie@example.org")
    assert not await company.includes("marie@gmail.com")  # never a company's
