"""Joining without an invitation: prove you own a work e-mail address.

Enabled when SMTP is configured and SELF_SERVICE_DOMAINS lists the company's domains.
The bot e-mails a six-digit code that expires in 10 minutes; five wrong tries lock the
chat account out for 15 minutes. Codes are stored hashed, in Redis.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from pydantic import EmailStr, TypeAdapter, ValidationError

from app.chat.replies import Reply
from app.chat.turn import Turn
from app.parsing import whole_number
from app.people.emails import domain_of, parse_domains
from app.people.models import Platform

CODE_TTL = 600
LOCK_TTL = 900
MAX_TRIES = 5
EMAIL = TypeAdapter(EmailStr)


def enabled(turn: Turn) -> bool:
    return bool(domains(turn)) and turn.services.referrals.mailer.enabled


def domains(turn: Turn) -> frozenset[str]:
    return parse_domains(turn.services.settings.self_service_domains)


def _keys(turn: Turn) -> tuple[str, str]:
    who = f"{turn.user.platform}:{turn.user.user_id}"
    return f"verify:{who}", f"verify-lock:{who}"


def _hash(turn: Turn, code: str) -> str:
    key = turn.services.settings.secret_key.encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


async def start(turn: Turn, text: str) -> list[Reply] | None:
    """If `text` is an e-mail in an allowed domain, send it a code. None: not an e-mail."""
    _ = turn._
    try:
        email = str(EMAIL.validate_python(text.strip()))
    except ValidationError:
        return None
    state_key, lock_key = _keys(turn)
    if await turn.services.redis.exists(lock_key):
        return [Reply(_("Too many wrong codes. Try again in a quarter of an hour."))]
    if domain_of(email) not in domains(turn):
        return [Reply(_("Use your work e-mail address, or ask an admin for an invitation."))]
    code = f"{secrets.randbelow(1_000_000):06d}"
    await turn.services.redis.set(
        state_key, json.dumps({"email": email, "code": _hash(turn, code), "tries": 0}), ex=CODE_TTL
    )
    sent = await turn.services.referrals.mailer.send(
        email,
        _("Your Porte-voix code"),
        _(
            "Your code is {code}. It expires in 10 minutes. If you did not ask for it, ignore "
            "this message."
        ).format(code=code),
    )
    if not sent:
        await turn.services.redis.delete(state_key)
        return [Reply(_("I could not send the e-mail. Please try again later."))]
    return [Reply(_("I sent a 6-digit code to {email}. Type it here.").format(email=email))]


async def check(turn: Turn, text: str) -> list[Reply] | None:
    """A code typed after `start`; None when no code is being waited for."""
    _ = turn._
    state_key, lock_key = _keys(turn)
    raw = await turn.services.redis.get(state_key)
    if raw is None or whole_number(text.strip()) is None:
        return None
    state = json.loads(raw)
    if not hmac.compare_digest(state["code"], _hash(turn, text.strip())):
        state["tries"] += 1
        if state["tries"] >= MAX_TRIES:
            await turn.services.redis.delete(state_key)
            await turn.services.redis.set(lock_key, 1, ex=LOCK_TTL)
            return [Reply(_("Too many wrong codes. Try again in a quarter of an hour."))]
        ttl = await turn.services.redis.ttl(state_key)
        await turn.services.redis.set(state_key, json.dumps(state), ex=max(ttl, 1))
        return [Reply(_("That code is not right. Try again."))]
    await turn.services.redis.delete(state_key)
    employee = await turn.services.people.link_verified_email(
        state["email"],
        Platform(turn.user.platform),
        turn.user.user_id,
        turn.user.chat_id,
        name=turn.user.name,
        create=turn.services.settings.self_service_create,
        language=turn.language,
    )
    turn.employee = employee
    turn.language = employee.language
    from app.chat.account import policy_gate

    return await policy_gate(turn)
