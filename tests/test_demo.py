"""The demo company a newcomer sees on first `make run`."""

from __future__ import annotations

from app import demo
from app.gamification.models import Redemption, Reward
from app.jobs.models import JobOffer, NewsPost
from app.people.models import ChatIdentity, Employee, EmployeeStatus, PolicyAcceptance, Role
from app.referrals.models import (
    BonusStatus,
    Click,
    ClickClass,
    Referral,
    ReferralChange,
    ReferralStatus,
)
from app.runtime import Runtime


async def test_the_demo_seeds_a_living_company_once(runtime: Runtime) -> None:
    steps: list[tuple[str, int, int]] = []
    assert await demo.is_empty(runtime)
    await demo.seed(runtime, lambda step, done, total: steps.append((step, done, total)))
    employees = await Employee.all()
    assert len(employees) == demo.EMPLOYEE_COUNT
    assert {e.language for e in employees} == {"fr", "en"}
    assert len({e.department for e in employees}) == 6
    assert {e.role for e in employees} == {Role.ADMIN, Role.RECRUITER, Role.EMPLOYEE}
    statuses = {s: sum(e.status == s for e in employees) for s in EmployeeStatus}
    assert statuses[EmployeeStatus.LEFT] == 2 and statuses[EmployeeStatus.INVITED] > 0
    assert await ChatIdentity.filter(active=True).count() == statuses[EmployeeStatus.ACTIVE]
    assert await PolicyAcceptance.all().count() >= statuses[EmployeeStatus.ACTIVE]
    assert ("employees", demo.EMPLOYEE_COUNT, demo.EMPLOYEE_COUNT) in steps
    assert await JobOffer.filter(status="open").count() == len(demo.JOBS)
    assert await NewsPost.filter(status="published").count() == len(demo.NEWS)
    clicks = await Click.all()
    assert len(clicks) == demo.CLICKS
    classes = {c.classification for c in clicks}
    assert {ClickClass.UNIQUE, ClickClass.REPEAT, ClickClass.BOT} <= classes
    assert min(c.day for c in clicks) < max(c.day for c in clicks)  # spread over weeks
    assert ("clicks", demo.CLICKS, demo.CLICKS) in steps
    assert await Reward.filter(active=True).count() == len(demo.REWARDS)
    assert await Redemption.filter(status="requested").count() == 1
    referrals = await Referral.all()
    assert {r.status for r in referrals} == set(ReferralStatus)  # every stage
    assert {r.bonus_status for r in referrals} >= {BonusStatus.DUE, BonusStatus.PAID}
    assert await ReferralChange.all().count() > 2 * len(referrals)  # with their history
    top = await runtime.gamification.leaderboard("all", "company", "all", 3)
    assert len(top) == 3 and top[0].points >= top[1].points >= top[2].points > 10

    await demo.seed(runtime, lambda *a: None)
    assert await Employee.all().count() == demo.EMPLOYEE_COUNT
    assert await Click.all().count() == demo.CLICKS
    assert await Referral.all().count() == len(referrals)
    assert not await demo.is_empty(runtime)
