"""The worker's brief memory of links and their sharers' departments."""

from __future__ import annotations

from app.people.models import Employee
from app.referrals.models import TrackedLink
from app.referrals.sharer_links import SharerLinks
from app.runtime import Runtime
from tests.referrals.test_worker import stored_link


async def test_links_are_read_with_their_sharers_department(runtime: Runtime) -> None:
    link = await stored_link(runtime)
    found = await SharerLinks(seconds=5).load({link.id, link.id + 1000})
    assert list(found) == [link.id]  # an unknown link is left out
    cached, department = found[link.id]
    assert (cached.employee_id, department) == (link.employee_id, "Engineering")


async def test_a_department_change_reaches_clicks_once_the_cache_time_is_over(
    runtime: Runtime,
) -> None:
    link = await stored_link(runtime)
    remembering, fresh = SharerLinks(seconds=60), SharerLinks(seconds=0)
    await remembering.load({link.id})
    await fresh.load({link.id})
    await Employee.filter(id=link.employee_id).update(department="Sales")
    assert (await remembering.load({link.id}))[link.id][1] == "Engineering"
    assert (await fresh.load({link.id}))[link.id][1] == "Sales"


async def test_a_link_read_once_is_not_read_again_within_the_cache_time(runtime: Runtime) -> None:
    link = await stored_link(runtime)
    links = SharerLinks(seconds=60)
    await links.load({link.id})
    await TrackedLink.filter(id=link.id).update(channel="x")  # not what a link ever does
    assert (await links.load({link.id}))[link.id][0].channel == link.channel
