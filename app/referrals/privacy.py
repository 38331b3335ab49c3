"""An employee's tracked links, the clicks they brought and the daily counts of those
clicks (the `click_by_employee` roll-up), in their GDPR export; their
erasure removes the person's values from the free text of the referrals they made (the
referrals themselves are exported by `ReferralService.export_for_employee`)."""

from __future__ import annotations

from typing import Any

from app.people.gdpr import ErasedPerson
from app.referrals.models import Click, ClickByEmployee, Referral, ReferralChange, TrackedLink


async def export(employee_id: int) -> dict[str, Any]:
    links = await TrackedLink.filter(employee_id=employee_id).order_by("id")
    codes = {link.id: link.code for link in links}
    clicks = await Click.filter(employee_id=employee_id).order_by("id")
    counts = await ClickByEmployee.filter(employee_id=employee_id).order_by("grain", "day", "id")
    return {
        "links": [
            {
                "code": link.code,
                "content_type": link.content_type.value,
                "content_id": link.content_id,
                "channel": link.channel.value,
                "created_at": link.created_at.isoformat(),
            }
            for link in links
        ],
        "clicks": [
            {
                "link": codes.get(click.link_id),  # type: ignore[attr-defined]
                "occurred_at": click.occurred_at.isoformat(),
                "classification": click.classification.value,
                "channel": click.channel.value,
                "referrer_host": click.referrer_host,
                "country": click.country,
                "browser": click.ua_family,
            }
            for click in clicks
        ],
        "click_counts": [
            {
                "grain": count.grain.value,
                "day": count.day.isoformat(),
                "content_type": count.content_type.value,
                "department": count.department,
                "raw_clicks": count.raw_clicks,
                "unique_clicks": count.unique_clicks,
            }
            for count in counts
        ],
    }


async def erase(person: ErasedPerson) -> None:
    referrals = await Referral.filter(referrer_id=person.employee_id)
    for referral in referrals:
        if person.scrub(referral.note) != referral.note:
            await Referral.filter(id=referral.id).update(note=person.scrub(referral.note))
    for change in await ReferralChange.filter(referral_id__in=[r.id for r in referrals]):
        if person.scrub(change.note) != change.note:
            await ReferralChange.filter(id=change.id).update(note=person.scrub(change.note))
