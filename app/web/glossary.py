"""The one-line definition shown under each figure on the dashboard (a title tooltip
too), in the viewer's language. The full glossary is docs/glossary.md; both say what
`app/referrals/figures.py` computes, so change them together."""

from __future__ import annotations

from collections.abc import Callable


def definitions(_: Callable[[str], str], timezone: str) -> dict[str, str]:
    """Figure key → its definition, translated with `_`."""
    return {
        "reach": _("Every click on our links (jobs and news), bots and repeats included."),
        "unique": _(
            "Clicks from a visitor new to the link: no bots, no self-clicks, no repeats. "
            "Jobs and news."
        ),
        "clicks": _("Unique clicks on job links only: the funnel's first stage."),
        "applications": _("Referrals submitted in the period (consented, attributed)."),
        "interviews": _("Referrals that reached the interview stage in the period."),
        "offers": _("Referrals that reached the offer stage in the period."),
        "hires": _("Referrals hired in the period, on the day of the hire."),
        "savings": _("Hires in the period × (job board cost − referral cost) per hire."),
        "rates": _("Each percentage is the share of the stage before it."),
        "period": _(
            "Whole days in {zone}: each click, application or hire counts on the day it happened."
        ).format(zone=timezone),
    }
