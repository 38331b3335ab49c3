"""Joining without an invitation: prove you own a work e-mail address.

Enabled when SMTP is configured and SELF_SERVICE_DOMAINS lists the company's domains.
The bot e-mails a code and reads it back; the codes' rules (expiry, tries, the lock-out)
are the people domain's (app/people/email_codes.py).
"""

from __future__ import annotations

from pydantic import EmailStr, TypeAdapter, ValidationError

from app.chat.replies import Reply
from app.chat.turn import Turn
from app.parsing import whole_number
from app.people.email_codes import EmailCodes, Issued, Refusal, Verified
from app.people.emails import domain_of, parse_domains
from app.people.models import Platform

EMAIL = TypeAdapter(EmailStr)


def enabled(turn: Turn) -> bool:
    return bool(domains(turn)) and turn.services.referrals.mailer.enabled


def domains(turn: Turn) -> frozenset[str]:
    return parse_domains(turn.services.settings.self_service_domains)


def _codes(turn: Turn) -> tuple[EmailCodes, str]:
    """The codes' rules, and who asks (this chat account)."""
    codes = EmailCodes(turn.services.redis, turn.services.settings.secret_key)
    return codes, f"{turn.user.platform}:{turn.user.user_id}"


async def start(turn: Turn, text: str) -> list[Reply] | None:
    """If `text` is an e-mail in an allowed domain, send it a code. None: not an e-mail."""
    _ = turn._
    try:
        email = str(EMAIL.validate_python(text.strip()))
    except ValidationError:
        return None
    codes, who = _codes(turn)
    if await codes.locked(who):
        return [Reply(_("Too many wrong codes. Try again in a quarter of an hour."))]
    if domain_of(email) not in domains(turn):
        return [Reply(_("Use your work e-mail address, or ask an admin for an invitation."))]
    issued = await codes.issue(who, email)
    if not isinstance(issued, Issued):
        return [Reply(_("Too many wrong codes. Try again in a quarter of an hour."))]
    code = issued.code
    sent = await turn.services.referrals.mailer.send(
        email,
        _("Your Porte-voix code"),
        _(
            "Your code is {code}. It expires in 10 minutes. If you did not ask for it, ignore "
            "this message."
        ).format(code=code),
    )
    if not sent:
        await codes.withdraw(who)
        return [Reply(_("I could not send the e-mail. Please try again later."))]
    return [Reply(_("I sent a 6-digit code to {email}. Type it here.").format(email=email))]


async def check(turn: Turn, text: str) -> list[Reply] | None:
    """A code typed after `start`; None when no code is being waited for."""
    _ = turn._
    if whole_number(text.strip()) is None:
        return None
    codes, who = _codes(turn)
    outcome = await codes.check(who, text.strip())
    if outcome is None:
        return None
    if outcome == Refusal.LOCKED:
        return [Reply(_("Too many wrong codes. Try again in a quarter of an hour."))]
    if not isinstance(outcome, Verified):
        return [Reply(_("That code is not right. Try again."))]
    employee = await turn.services.people.link_verified_email(
        outcome.email,
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
