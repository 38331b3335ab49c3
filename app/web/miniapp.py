"""The employees' mini app at `/app`: a Telegram Web App, a Teams personal tab, or a
browser page opened with a one-time link from the bot.

Each section is a small HTML page (so the back button and deep links work) that
`static/app/app.js` fills from the JSON endpoints of `miniapp_api`. The page carries the
viewer's CSRF token and its texts in the viewer's language. Signed out, the same page
tries Telegram's `initData` (from `Telegram.WebApp` when Telegram's script is there, or
from the `#tgWebAppData=` launch parameter, so Telegram's script is optional) and else
explains how to get a sign-in link.
"""

from __future__ import annotations

from aiohttp import web

from app.i18n import translator
from app.web import miniapp_api
from app.web.keys import RUNTIME
from app.web.session_auth import current_viewer
from app.web.ui import language_of, render_page

# (path under /app, icon, English label); the icons are plain Unicode symbols that
# every system font has, rather than emoji: the sections, in the bottom bar's order.
SECTIONS = (
    ("", "⌂", "Home"),
    ("/jobs", "↗", "Share"),
    ("/links", "∿", "My links"),
    ("/referrals", "♥", "Referrals"),
    ("/leaderboard", "★", "Ranking"),
    ("/shop", "◆", "Rewards"),
    ("/settings", "⚙", "Settings"),
)
TITLES = {
    "": "My points",
    "/jobs": "Jobs and news",
    "/links": "My links",
    "/referrals": "My referrals",
    "/leaderboard": "Leaderboard",
    "/shop": "Rewards shop",
    "/settings": "Settings",
}
# Every text app.js shows, translated on the server into the viewer's language.
STRINGS = (
    "Points", "Level", "Rank this month", "Week streak", "Badges", "Team challenges",
    "points to the next level", "Top level reached", "No challenge for your team right now.",
    "Open jobs", "News", "Share", "Refer someone", "Copy link", "Link copied",
    "Accept the social media policy to share", "I accept", "Nothing to share right now.",
    "Candidate's name", "Candidate's e-mail", "How do you know them? (optional)", "Send",
    "Cancel", "Unique clicks (last 30 days)", "clicks", "unique", "No link yet: share a job.",
    "You have not referred anyone yet.", "Week", "Month", "Quarter", "All time", "Company",
    "My department", "My site", "You", "Nobody has points in this ranking yet.",
    "You are hidden from rankings (see Settings).", "Balance", "Redeem", "My redemptions",
    "Out of stock", "in stock", "Not enough points", "Redeemed: waiting for approval",
    "Redeemed", "requested", "approved", "fulfilled", "rejected", "cancelled", "Language",
    "Hide me from leaderboards", "Save", "Saved", "Sign out",
    "Open this page from the bot: send /app to get a sign-in link.", "Signing in…",
    "Something went wrong. Try again.", "pending_consent", "submitted", "screening",
    "interview", "offer", "hired", "withdrawn", "duplicate",
    "Confirm", "Reward", "Cost", "Status", "Email", "Copy", "Channel", "Content",
    "Department", "Location", "Name",
    "Redeem {reward}?", "Balance after", "points",
)  # fmt: skip


def strings(language: str) -> dict[str, str]:
    _ = translator(language)
    return {text: _(text) for text in STRINGS}


async def page(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    section = request.match_info.get("section", "")
    section = f"/{section}" if section else ""
    if section not in TITLES:
        raise web.HTTPNotFound()
    viewer = await current_viewer(request)
    employee = viewer.employee if viewer else None
    language = language_of(request, employee.language if employee else None)
    _ = translator(language)
    signed_in = employee is not None
    return render_page(
        "app/shell.html.j2",
        language,
        title=_(TITLES[section]) if signed_in else runtime.settings.company_name,
        company=runtime.settings.company_name,
        page=(section.strip("/") or "home") if signed_in else "signin",
        current=section,
        signed_in=signed_in,
        nav=[(slug, icon, _(label)) for slug, icon, label in SECTIONS],
        config={
            "lang": language,
            "page": (section.strip("/") or "home") if signed_in else "signin",
            "csrf": viewer.csrf if viewer and signed_in else "",
            "strings": strings(language),
        },
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/app", page)
    app.router.add_get("/app/", page)
    app.router.add_get("/app/{section:jobs|links|referrals|leaderboard|shop|settings}", page)
    miniapp_api.add_routes(app)
