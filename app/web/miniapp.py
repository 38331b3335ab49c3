"""The employees' mini app at `/app`: a Telegram Web App, a Teams personal tab, or a
browser page opened with a one-time link from the bot.

Each section is a small HTML page (so the back button and deep links work) that
`static/app/app.js` fills from the JSON endpoints of `miniapp_api` and `miniapp_jobs`;
`static/app/telegram.js` talks to Telegram when the page runs inside it. The page carries
the viewer's CSRF token, its texts and the labels of stored values in the viewer's
language. Signed out, the same page tries Telegram's `initData` (the `#tgWebAppData=`
launch parameter, kept for the session) and else explains how to get a sign-in link.
"""

from __future__ import annotations

from aiohttp import web

from app.i18n import translator
from app.i18n.formats import CONTRACTS, SHARE_ACTIONS, STATUSES, WORKPLACES
from app.web import miniapp_api, miniapp_jobs, oidc
from app.web.keys import SERVICES
from app.web.session_auth import current_viewer
from app.web.ui import language_of, render_page

# The tab bar, in its order: (path under /app, icon in templates/app/icons.svg.j2,
# English label). Five at most, so that each label fits a 390 px phone.
TABS = (
    ("", "home", "Home"),
    ("/jobs", "jobs", "Jobs"),
    ("/links", "activity", "Activity"),
    ("/leaderboard", "ranking", "Ranking"),
    ("/shop", "rewards", "Shop"),
)
# Sections without a tab of their own: the tab they belong to (settings: the header's).
TAB_OF = {"/referrals": "/links", "/settings": None}
# Inner views, and where their Back leads (Telegram's BackButton, or the page's own).
BACK = {"job": "/app/jobs", "settings": "/app"}
# The Activity tab's two sections, switched by a segmented control under the title.
ACTIVITY = (("/links", "My links"), ("/referrals", "My referrals"))
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
    "points to the next level", "Top level reached", "locked", "See open jobs",
    "No challenge for your team right now. Sharing a job still earns points.",
    "News", "Share", "Refer someone", "Copy link", "Copy", "Copied", "E-mail",
    "Select the link and copy it", "Accept the social media policy to share", "I accept",
    "Search jobs", "Title, department, city…", "Department", "Site", "All departments",
    "All sites", "{count} of {total} jobs", "No job matches these filters.", "Clear filters",
    "No open job right now. You can still refer someone for a future opening.",
    "Up to {points} points for a hire", "Other jobs are open: have a look.", "Points on offer",
    "When your link brings its first visitor", "Each unique visitor",
    "Your candidate is screened", "Interview", "Offer", "Hired", "Job description",
    "Share with my link", "Network", "Your post on {network}", "Share on {network}",
    "Send in a Telegram chat", "Sent. Each visitor of your link counts for you.", "Not sent.",
    "Loading…", "Candidate's name", "Candidate's e-mail", "Phone (optional)",
    "LinkedIn profile (optional)", "CV (optional): PDF, DOC or DOCX, {max_mb} MB at most",
    "How do you know them? (optional)", "A general referral",
    "A general referral: no specific job.",
    "We e-mail the candidate to ask for their consent; recruiters see the referral only once "
    "they agree.",
    "Send", "Cancel", "Unique clicks (last 30 days)", "Clicks", "Unique visitors",
    "Links without a click yet ({count})",
    "No link yet: share a job and your own link appears here with its clicks.", "Status",
    "You have not referred anyone yet. Know someone for a job? Refer them in a minute.",
    "Week", "Month", "Quarter", "All time", "Company", "My department", "My site", "Period",
    "Scope", "Leaderboard", "You",
    "Nobody has points in this ranking yet: share a job to be the first.",
    "Balance", "Redeem", "My redemptions", "Out of stock", "in stock", "Not enough points",
    "The shop has no reward yet; your points wait for you. Keep sharing!", "Nothing redeemed yet.",
    "Redeemed: waiting for approval", "Redeemed", "Redeem {reward}?", "Cost", "Balance after",
    "points", "Confirm", "Language", "Hide me from leaderboards", "Save", "Saved", "Sign out",
    "Open this page from the bot: send /app to get a sign-in link.", "Signing in…",
    "Something went wrong. Try again.",
)  # fmt: skip
# Stored values (statuses, workplace, contract) as the viewer reads them.
LABELS = {
    **STATUSES,
    # What an employee reads of their own referrals says more than a recruiter's board.
    "pending_consent": "Waiting for the candidate's consent",
    "duplicate": "Already referred by someone else",
    "requested": "Waiting for approval",
    "approved": "Approved",
    "fulfilled": "Delivered",
    "cancelled": "Cancelled",
    **WORKPLACES,
    **CONTRACTS,
}


def strings(language: str) -> dict[str, str]:
    _ = translator(language)
    return {text: _(text) for text in STRINGS}


def labels(language: str) -> dict[str, str]:
    _ = translator(language)
    return {value: _(text) for value, text in LABELS.items()}


async def page(request: web.Request) -> web.Response:
    section = request.match_info.get("section", "")
    return await shell(request, f"/{section}" if section else "")


async def job_page(request: web.Request) -> web.Response:
    """One job: its detail view, an inner view of the Jobs tab (Back returns to the list)."""
    return await shell(request, "/jobs", item=int(request.match_info["job_id"]))


async def shell(request: web.Request, section: str, item: int | None = None) -> web.Response:
    services = request.app[SERVICES]
    if section not in TITLES:
        raise web.HTTPNotFound()
    viewer = await current_viewer(request)
    employee = viewer.employee if viewer else None
    language = language_of(request, employee.language if employee else None)
    _ = translator(language)
    signed_in = employee is not None
    name = "job" if item is not None else section.strip("/") or "home"
    title = _("Job offer") if item is not None else _(TITLES[section])
    activity = signed_in and section in dict(ACTIVITY)
    return render_page(
        "app/shell.html.j2",
        language,
        title=title if signed_in else services.settings.company_name,
        company=services.settings.company_name,
        page=name if signed_in else "signin",
        current=section,
        tab=TAB_OF.get(section, section),
        back=BACK.get(name, ""),
        signed_in=signed_in,
        nav=[(slug, icon, _(label)) for slug, icon, label in TABS],
        subnav=[(slug, _(label)) for slug, label in ACTIVITY] if activity else [],
        config={
            "lang": language,
            "page": name if signed_in else "signin",
            "item": item,
            "csrf": viewer.csrf if viewer and signed_in else "",
            # Signed out: the provider's button (a browser), Teams' SSO (the tab).
            "sso": None
            if signed_in
            else oidc.button(services.settings, language, "/app" + section),
            "teams_sso": not signed_in and services.settings.teams_sso_enabled,
            "strings": strings(language),
            "labels": labels(language),
            "channels": {code: _(name) for code, name in SHARE_ACTIONS.items() if code},
            "cv_max_mb": services.settings.cv_max_mb,
        },
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/app", page)
    app.router.add_get("/app/", page)
    app.router.add_get("/app/{section:jobs|links|referrals|leaderboard|shop|settings}", page)
    app.router.add_get(r"/app/jobs/{job_id:[0-9]{1,9}}", job_page)
    miniapp_api.add_routes(app)
    miniapp_jobs.add_routes(app)
