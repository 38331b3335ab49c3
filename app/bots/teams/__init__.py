"""The Microsoft Teams channel: botbuilder's CloudAdapter inside our aiohttp server.

`POST /api/messages` takes Bot Framework activities. With TEAMS_APP_ID set every
activity's JWT is checked (signature against the OpenID metadata's keys, issuer, audience,
service URL, expiry) and a missing or bad token is a 401 with nothing done; without it
the endpoint exists only when TEAMS_EMULATOR is on (the Bot Framework Emulator's local,
unauthenticated mode). With TEAMS_TENANT_ID set, any other tenant gets one refusal.

Messages and card submits become intents for the conversation core, its replies go back
as Adaptive Cards (`app/bots/teams/cards.py`); the messaging extension searches jobs and news;
notifications reach people through the conversation reference stored on install and
refreshed on every message. Calls to the connector that are throttled or fail upstream
(429/412/502/504) are retried with exponential backoff and jitter; 403/404 mean the
conversation is gone. This is the only package that imports botbuilder, so a move to the
Microsoft 365 Agents SDK rewrites this package alone.

`channel` is the endpoint, the reading of a turn, connector calls and speaking first;
`bot` what each kind of activity does; `auth` the token checks and the bot's own
credentials; `rendering` our replies as Teams activities.
"""

from app.bots.teams.channel import TeamsChannel

__all__ = ["TeamsChannel"]
