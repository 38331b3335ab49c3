"""Recruiter and admin tools in the same bot: the pipeline, approvals, reports, stats,
and publishing a job or a news post with a guided form."""

from __future__ import annotations

from app.chat.buttons import (
    CANCEL,
    CLOSE_REPORT,
    DECIDE,
    MOVE,
    POST_EVERYONE,
    POST_PUBLISH,
    REVIEW,
)
from app.chat.replies import Button, Intent, Reply
from app.chat.turn import Form, Turn
from app.gamification.models import RedemptionStatus
from app.jobs.schemas import JobCreate, NewsCreate
from app.referrals.funnel import STAGE_NAMES, conversions
from app.referrals.models import ReferralSource, ReferralStatus
from app.referrals.pipeline import Actor, allowed_moves
from app.referrals.service import ReferralFilter

PAGE = 5


async def referrals(turn: Turn, page: int = 0) -> list[Reply]:
    _ = turn._
    rows, total = await turn.services.referrals.search(
        ReferralFilter(limit=PAGE, offset=page * PAGE), recruiter=True
    )
    if not rows:
        return [Reply(_("No referrals to review."))]
    candidates = await turn.services.referrals.candidates_of(rows)
    titles = await turn.services.referrals.job_titles(rows)
    replies = []
    for referral in rows:
        who = candidates.get(referral.candidate_id)  # type: ignore[attr-defined]
        job = titles.get(referral.job_id or 0, _("a general referral"))
        moves = [
            Button(_(status.value), action=MOVE(referral.id, status.value))
            for status in allowed_moves(referral.status)
        ]
        replies.append(
            Reply(
                f"#{referral.id} {who.name if who else '—'} · {job}\n"
                + _("Status: {status}").format(status=_(referral.status.value)),
                buttons=[moves] if moves else [],
            )
        )
    if (page + 1) * PAGE < total:
        replies.append(Reply(_("More…"), buttons=[[Button(_("Next ▶"), action=REVIEW(page + 1))]]))
    return replies


async def move(turn: Turn, referral_id: int, status: str) -> list[Reply]:
    _ = turn._
    referral = await turn.services.referrals.pipeline.move(
        referral_id, ReferralStatus(status), Actor.employee(turn.me().id, ReferralSource.BOT)
    )
    return [
        Reply(
            _("Referral #{id} is now {status}.").format(
                id=referral.id, status=_(referral.status.value)
            ),
            edit=True,
        )
    ]


async def approvals(turn: Turn) -> list[Reply]:
    _ = turn._
    pending = await turn.services.shop.redemptions(status=RedemptionStatus.REQUESTED, limit=10)
    if not pending:
        return [Reply(_("No redemption waits for approval."))]
    names = await turn.services.people.names_by_id(r.employee_id for r in pending)
    return [
        Reply(
            f"#{r.id} {names.get(r.employee_id, '—')} · {r.reward.name_en} · {r.cost}",
            buttons=[
                [
                    Button(_("Approve"), action=DECIDE(r.id, "approve")),
                    Button(_("Reject"), action=DECIDE(r.id, "reject")),
                ]
            ],
        )
        for r in pending
    ]


async def decide(turn: Turn, redemption_id: int, action: str) -> list[Reply]:
    redemption = await turn.services.shop.move(redemption_id, action, by=turn.me().id)
    return [
        Reply(
            turn._("Redemption #{id}: {status}.").format(
                id=redemption.id, status=turn._(redemption.status.value)
            ),
            edit=True,
        )
    ]


async def reports(turn: Turn) -> list[Reply]:
    _ = turn._
    open_reports = await turn.services.people.open_reports()
    if not open_reports:
        return [Reply(_("No open reports."))]
    return [
        Reply(
            f"#{r.id} {r.name or '—'} ({_(r.kind.value)}): {r.text}",
            buttons=[[Button(_("Mark as handled"), action=CLOSE_REPORT(r.id))]],
        )
        for r in open_reports
    ]


async def close_report(turn: Turn, report_id: int) -> list[Reply]:
    await turn.services.people.close_report(report_id)
    return [Reply(turn._("Marked as handled."), edit=True)]


async def stats(turn: Turn) -> list[Reply]:
    """This week so far (Monday to today, company time): the same figures as the
    dashboard's overview, from the same place."""
    _ = turn._
    services = turn.services
    period = services.figures.week_to_date(services.clock.now())
    figures = await services.figures.overview(period)
    lines = [
        _("This week ({start} – {end}):").format(start=period.start, end=period.end),
        _("Clicks: {raw} ({unique} unique)").format(
            raw=figures.reach, unique=figures.unique_clicks
        ),
    ]
    for stage in conversions(figures.funnel):
        rate = "" if stage.rate is None else f" ({100 * stage.rate:.0f}%)"
        lines.append(
            _("· {stage}: {count}{rate}").format(
                stage=_(STAGE_NAMES[stage.stage]), count=stage.count, rate=rate
            )
        )
    lines.append(
        _("Saved: {savings} {currency}").format(
            savings=f"{figures.roi.savings:,.0f}", currency=figures.roi.currency
        )
    )
    lines.append(_("Each percentage is the share of the stage before it."))
    return [Reply("\n".join(lines))]


# -- publishing ----------------------------------------------------------------------------


async def start_post(turn: Turn, kind: str) -> list[Reply]:
    await turn.forms.put(Form(f"post_{kind}", "title"))
    return [Reply(turn._("Title?"), buttons=[[Button(turn._("Cancel"), action=CANCEL())]])]


async def post_answer(turn: Turn, form: Form, intent: Intent) -> list[Reply]:
    _ = turn._
    text = intent.args.strip() if intent.kind == "text" else ""
    cancel = [Button(_("Cancel"), action=CANCEL())]
    if form.step == "title":
        if not 1 <= len(text) <= 200:
            return [Reply(_("Title?"), buttons=[cancel])]
        form.data["title"] = text
        form.step = "body"
        await turn.forms.put(form)
        return [Reply(_("The text (description)?"), buttons=[cancel])]
    if form.step == "body":
        form.data["body"] = text[:50_000]
        form.step = "departments"
        await turn.forms.put(form)
        return [
            Reply(
                _("Which departments? Comma-separated, or Everyone."),
                buttons=[[Button(_("Everyone"), action=POST_EVERYONE())], cancel],
            )
        ]
    if form.step == "departments":
        everyone = intent.kind == "action"
        form.data["departments"] = (
            [] if everyone else [d.strip() for d in text.split(",") if d.strip()][:50]
        )
        form.step = "preview"
        await turn.forms.put(form)
        targets = ", ".join(form.data["departments"]) or _("everyone")
        return [
            Reply(
                f"{form.data['title']}\n\n{form.data['body']}\n\n"
                + _("For: {targets}").format(targets=targets),
                buttons=[[Button(_("Publish"), action=POST_PUBLISH()), *cancel]],
            )
        ]
    return [Reply(_("Use the buttons to publish or cancel."))]


async def publish(turn: Turn, form: Form) -> list[Reply]:
    _ = turn._
    await turn.forms.clear()
    content = turn.services.content
    d = form.data
    fields = {
        "title": d["title"],
        "language": turn.language,
        "target_departments": d["departments"],
    }
    draft = (
        JobCreate(description=d["body"], **fields)
        if form.name == "post_job"
        else NewsCreate(body=d["body"], **fields)
    )
    # Created and published in one transaction: a refused publication leaves nothing.
    item = await content.save(None, draft, publish=True)
    return [Reply(_("Published: {title}").format(title=item.title), edit=True)]
