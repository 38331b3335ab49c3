"""My points, level, badges and referrals; leaderboards; the rewards shop."""

from __future__ import annotations

from app.chat.buttons import BOARD, BUY, CANCEL, MY_REDEMPTIONS, REDEEM, SHOP
from app.chat.replies import Button, Reply
from app.chat.turn import Turn
from app.gamification.standings import named_board
from app.referrals.service import ReferralFilter

PERIODS = ("week", "month", "all")


async def me(turn: Turn) -> list[Reply]:
    _ = turn._
    employee = turn.me()
    game = turn.services.gamification
    summary = await game.summary(employee)  # reads the current balance
    level = summary.level_name.get(turn.language, summary.level_name["en"])
    progress = ""
    if summary.next_level_points is not None:
        progress = _(" ({missing} points to the next level)").format(
            missing=summary.next_level_points - summary.lifetime
        )
    standing = await game.my_standing(employee.id, "month", "company", "all")
    rank = (
        _("rank #{rank} this month").format(rank=standing.me.rank)
        if standing.me
        else _("not ranked yet this month")
    )
    badges = {b.code: b for b in game.rules.badges}
    names = [getattr(badges[c], turn.language) for c in summary.badges if c in badges]
    lines = [
        _("{points} points to spend · {lifetime} earned in all").format(
            points=summary.balance, lifetime=summary.lifetime
        ),
        _("Level: {level}").format(level=level) + progress,
        rank,
        _("Streak: {weeks} week(s) in a row").format(weeks=summary.streak_weeks),
        _("Unique clicks on your links: {clicks}").format(
            clicks=await turn.services.figures.unique_clicks_of(employee.id)
        ),
        _("Badges: {badges}").format(badges=", ".join(names) if names else "—"),
    ]
    referrals, _total = await turn.services.referrals.search(
        ReferralFilter(referrer_id=employee.id, limit=5), recruiter=False
    )
    if referrals:
        candidates = await turn.services.referrals.candidates_of(referrals)
        lines.append(_("Your latest referrals:"))
        for referral in referrals:
            who = candidates.get(referral.candidate_id)  # type: ignore[attr-defined]
            lines.append(f"· {who.name if who else '—'}: {_(referral.status.value)}")
    return [
        Reply(
            "\n".join(lines),
            buttons=[
                [
                    Button(_("Leaderboard"), action=BOARD("month", "company")),
                    Button(_("Rewards"), action=SHOP()),
                ]
            ],
        )
    ]


async def badges(turn: Turn) -> list[Reply]:
    _ = turn._
    game = turn.services.gamification
    mine = set((await game.summary(turn.me())).badges)
    lines = [
        ("✅ " if b.code in mine else "▫️ ") + getattr(b, turn.language) for b in game.rules.badges
    ]
    return [Reply(_("Your badges:") + "\n" + "\n".join(lines))]


async def leaderboard(turn: Turn, period: str = "month", scope: str = "company") -> list[Reply]:
    _ = turn._
    me_ = turn.me()
    scope_id = "all" if scope == "company" else me_.department
    if not scope_id:
        scope, scope_id = "company", "all"
    board = await named_board(
        turn.services.gamification,
        turn.services.people,
        period,  # type: ignore[arg-type]
        scope,  # type: ignore[arg-type]
        scope_id,
        10,
        me_.id,
    )
    titles = {"week": _("This week"), "month": _("This month"), "all": _("All time")}
    where = _("the company") if scope == "company" else scope_id
    lines = [f"{titles.get(period, period)} — {where}"]
    for s in board.top:
        marker = " ◀" if s.employee_id == me_.id else ""
        lines.append(f"{s.rank}. {s.name or '—'} · {s.points}{marker}")
    if not board.top:
        lines.append(_("Nobody has points yet: be the first!"))
    if board.me and all(s.employee_id != me_.id for s in board.top):
        lines.append(
            _("You: #{rank} · {points}").format(rank=board.me.rank, points=board.me.points)
        )
    other_scope = "department" if scope == "company" else "company"
    switches = [Button(titles[p], action=BOARD(p, scope)) for p in PERIODS if p != period]
    switches.append(
        Button(
            _("My department") if other_scope == "department" else _("Whole company"),
            action=BOARD(period, other_scope),
        )
    )
    return [Reply("\n".join(lines), buttons=[switches], edit=True)]


async def shop(turn: Turn) -> list[Reply]:
    _ = turn._
    employee = await turn.services.people.get(turn.me().id)  # the balance of now
    rewards = await turn.services.shop.catalogue()
    if not rewards:
        return [Reply(_("The shop is empty for now."))]
    rows = []
    for reward in rewards:
        name = reward.name_fr if turn.language == "fr" else reward.name_en
        stock = "" if reward.stock is None else _(" ({stock} left)").format(stock=reward.stock)
        rows.append([Button(f"{name} · {reward.cost}{stock}", action=BUY(reward.id))])
    rows.append([Button(_("My redemptions"), action=MY_REDEMPTIONS())])
    return [
        Reply(
            _("You have {points} points. What would you like?").format(
                points=employee.points_balance
            ),
            buttons=rows,
        )
    ]


async def confirm_redeem(turn: Turn, reward_id: int) -> list[Reply]:
    _ = turn._
    reward = await turn.services.shop.reward(reward_id)
    name = reward.name_fr if turn.language == "fr" else reward.name_en
    return [
        Reply(
            _("Spend {cost} points on {name}?").format(cost=reward.cost, name=name),
            buttons=[
                [
                    Button(_("Yes, redeem"), action=REDEEM(reward.id)),
                    Button(_("No"), action=CANCEL()),
                ]
            ],
        )
    ]


async def redeem(turn: Turn, reward_id: int) -> list[Reply]:
    _ = turn._
    redemption = await turn.services.shop.redeem(turn.me().id, reward_id)
    if redemption.status.value == "requested":
        return [
            Reply(_("Done! An admin will approve it soon; your points are set aside."), edit=True)
        ]
    return [Reply(_("Done! Your reward is on its way."), edit=True)]


async def my_redemptions(turn: Turn) -> list[Reply]:
    _ = turn._
    rows = await turn.services.shop.redemptions(employee_id=turn.me().id, limit=10)
    if not rows:
        return [Reply(_("No redemptions yet."))]
    lines = []
    for r in rows:
        name = r.reward.name_fr if turn.language == "fr" else r.reward.name_en
        lines.append(f"· {name} — {_(r.status.value)}")
    return [Reply("\n".join(lines))]
