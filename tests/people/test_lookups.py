"""Employees looked up by id (`PeopleService.find`, `by_ids`, `names_by_id`): the one
place the web pages and the leaderboards get names from."""

from __future__ import annotations

from app.runtime import Runtime
from tests.helpers import make_employee


async def test_names_by_id_answers_only_the_employees_that_exist(runtime: Runtime) -> None:
    ada = await make_employee(runtime, "ada@example.com", "Ada Lovelace")
    bob = await make_employee(runtime, "bob@example.com", "Bob Martin")
    names = await runtime.people.names_by_id([ada.id, bob.id, bob.id, 999_999])
    assert names == {ada.id: "Ada Lovelace", bob.id: "Bob Martin"}
    assert await runtime.people.names_by_id([]) == {}


async def test_by_ids_gives_the_employees_themselves(runtime: Runtime) -> None:
    ada = await make_employee(runtime, department="Research")
    found = await runtime.people.by_ids(iter([ada.id, 424_242]))
    assert list(found) == [ada.id] and found[ada.id].department == "Research"


async def test_find_is_none_for_an_unknown_id(runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    assert (await runtime.people.find(ada.id)).email == "ada@example.com"  # type: ignore[union-attr]
    assert await runtime.people.find(424_242) is None
