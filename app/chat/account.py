"""Joining and the account: invites, the policy gate, menu, help, settings, reports, app.

Nothing but joining works before the current social media policy is accepted.
"""

from __future__ import annotations

import re

from app.chat import self_service
from app.chat.buttons import (
    ACCESS_REQUEST,
    BOARD,
    JOBS,
    LANGUAGE,
    ME,
    NEWS,
    NOTIFICATIONS,
    OPT_OUT,
    POLICY,
    REFER,
    REVIEW,
    SHOP,
    STATS,
)
from app.chat.replies import Button, Intent, Reply
from app.chat.turn import Form, Turn
from app.errors import DomainError
from app.i18n import LANGUAGES
from app.people.models import Platform, ReportKind, Role

INVITE_CODE = re.compile(r"^[A-Za-z0-9_-]{12,40}$")


def menu(turn: Turn) -> list[list[Button]]:
    _ = turn._
    rows = [
        [Button(_("Jobs"), action=JOBS(0)), Button(_("News"), action=NEWS(0))],
        [Button(_("Refer a friend"), action=REFER()), Button(_("My points"), action=ME())],
        [
            Button(_("Leaderboard"), action=BOARD("month", "company")),
            Button(_("Rewards"), action=SHOP()),
        ],
    ]
    if turn.can.web_app:
        rows.append([Button(_("Open the app"), web_app=_app_url(turn))])
    if turn.is_at_least(Role.RECRUITER):
        rows.append(
            [
                Button(_("Referrals to review"), action=REVIEW(0)),
                Button(_("This week"), action=STATS()),
            ]
        )
    return rows


def welcome(turn: Turn) -> list[Reply]:
    _ = turn._
    name = turn.me().name.split(" ")[0]
    return [
        Reply(
            _(
                "Welcome, {name}! Share our jobs and news with your own links, refer "
                "friends, and earn points. What would you like to do?"
            ).format(name=name),
            buttons=menu(turn),
        )
    ]


async def unknown_user(turn: Turn, intent: Intent) -> list[Reply]:
    """Someone the bot does not know: an invite code joins them; else explain."""
    _ = turn._
    form = await turn.forms.get()
    code = intent.args.strip() if intent.kind == "command" and intent.name == "start" else ""
    if intent.kind == "text" and form is None and INVITE_CODE.match(intent.args.strip()):
        code = intent.args.strip()  # Teams users paste the code they were given
    if code:
        try:
            employee = await turn.services.people.redeem_invite(
                code,
                Platform(turn.user.platform),
                turn.user.user_id,
                turn.user.chat_id,
                turn.user.conversation_reference,
                language=turn.user.language,
            )
        except DomainError as exc:
            return [Reply(_(exc.message))]
        turn.employee = employee
        turn.language = employee.language
        return await policy_gate(turn)
    if intent.kind == "action" and ACCESS_REQUEST.matches(intent.name):
        await turn.forms.put(Form("access", "text"))
        return [
            Reply(
                _(
                    "Who are you? Write your name, work e-mail and team, and an admin "
                    "will invite you."
                )
            )
        ]
    if intent.kind == "text" and self_service.enabled(turn) and form is None:
        answered = await self_service.check(turn, intent.args) or await self_service.start(
            turn, intent.args
        )
        if answered is not None:
            return answered
    if form is not None and form.name == "access" and intent.kind == "text":
        await turn.services.people.report(
            ReportKind.ACCESS_REQUEST,
            intent.args,
            platform=turn.user.platform,
            platform_user_id=turn.user.user_id,
            name=turn.user.name,
        )
        await turn.forms.clear()
        return [Reply(_("Thank you, the admins have your request."))]
    hello = _(
        "Hello! This bot is for employees of {company}. Open the invitation link you "
        "received by e-mail (or send me its code). No invitation? Ask for access."
    ).format(company=turn.services.settings.company_name)
    if self_service.enabled(turn):
        hello += " " + _("Or send me your work e-mail address to get a code.")
    return [Reply(hello, buttons=[[Button(_("Ask for access"), action=ACCESS_REQUEST())]])]


async def policy_gate(turn: Turn) -> list[Reply]:
    """Show the current policy with an Accept button (or the welcome if accepted)."""
    policy_service = turn.services.policy
    if await policy_service.has_accepted_current(turn.me()):
        return welcome(turn)
    policy = await policy_service.current()
    text = policy.text_fr if turn.language == "fr" else policy.text_en
    _ = turn._
    return [
        Reply(text, buttons=[[Button(_("I accept"), action=POLICY("accept"))]]),
        Reply(_("Please read and accept the social media policy to continue.")),
    ]


async def accept_policy(turn: Turn) -> list[Reply]:
    await turn.services.policy.accept(turn.me(), channel=turn.user.platform)
    _ = turn._
    return [Reply(_("Thank you! You can share now."), edit=True), *welcome(turn)]


async def show_policy(turn: Turn) -> list[Reply]:
    policy = await turn.services.policy.current()
    return [Reply(policy.text_fr if turn.language == "fr" else policy.text_en)]


async def settings(turn: Turn) -> list[Reply]:
    _ = turn._
    me = turn.me()
    summary = await turn.services.gamification.summary(me)
    notifications = _("on") if me.notifications_enabled else _("off")
    visible = _("hidden") if summary.leaderboard_opt_out else _("visible")
    return [
        Reply(
            _(
                "Language: {language}\nNotifications: {notifications}\nOn public leaderboards: "
                "{visible}"
            ).format(
                language=LANGUAGES[turn.language],
                notifications=notifications,
                visible=visible,
            ),
            buttons=[
                [
                    Button(LANGUAGES[code], action=LANGUAGE(code))
                    for code in LANGUAGES
                    if code != turn.language
                ],
                [
                    Button(
                        _("Turn notifications off")
                        if me.notifications_enabled
                        else _("Turn notifications on"),
                        action=NOTIFICATIONS(),
                    )
                ],
                [
                    Button(
                        _("Show me on leaderboards")
                        if summary.leaderboard_opt_out
                        else _("Hide me from leaderboards"),
                        action=OPT_OUT(),
                    )
                ],
            ],
        )
    ]


async def set_language(turn: Turn, language: str) -> list[Reply]:
    if language not in LANGUAGES:
        return [Reply(turn._("Choose en or fr."))]
    turn.employee = await turn.services.people.set_preferences(turn.me().id, language=language)
    turn.language = language
    return [
        Reply(
            turn._("I will speak English from now on.")
            if language == "en"
            else turn._("Je parlerai français désormais."),
            buttons=menu(turn),
        )
    ]


async def toggle_notifications(turn: Turn) -> list[Reply]:
    me = turn.me()
    turn.employee = await turn.services.people.set_preferences(
        me.id, notifications=not me.notifications_enabled
    )
    return await settings(turn)


async def toggle_opt_out(turn: Turn) -> list[Reply]:
    me = turn.me()
    summary = await turn.services.gamification.summary(me)
    await turn.services.gamification.set_opt_out(me.id, not summary.leaderboard_opt_out)
    return await settings(turn)


async def start_report(turn: Turn) -> list[Reply]:
    await turn.forms.put(Form("report", "text"))
    return [Reply(turn._("Write your message to the communication team (or /cancel)."))]


async def finish_report(turn: Turn, text: str) -> list[Reply]:
    me = turn.me()
    await turn.services.people.report(
        ReportKind.REPORT,
        text,
        employee_id=me.id,
        platform=turn.user.platform,
        platform_user_id=turn.user.user_id,
        name=me.name,
    )
    await turn.forms.clear()
    return [Reply(turn._("Sent. Thank you for telling us."))]


async def open_app(turn: Turn) -> list[Reply]:
    """A one-time sign-in link to the mini app (Teams and browsers), or the web app button."""
    _ = turn._
    url = await turn.services.logins.create(turn.me().id)  # already the whole URL
    buttons = [[Button(_("Open the app"), url=url)]]
    if turn.can.web_app:
        buttons.append([Button(_("Open inside Telegram"), web_app=_app_url(turn))])
    return [Reply(_("Your personal link (valid a few minutes, for you only):"), buttons=buttons)]


def _app_url(turn: Turn) -> str:
    return f"{turn.services.settings.public_base_url}/app"
