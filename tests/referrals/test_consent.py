"""A referred candidate's consent: the link is e-mailed to the candidate and to nobody
else (through SMTP, or into the operator's outbox when there is no SMTP server, and a
mail server that is down loses nothing); declining withdraws and erases them."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from app.events import ReferralStatusChanged
from app.referrals.models import Candidate, Referral
from app.referrals.models import ReferralStatus as S
from app.runtime import Runtime
from tests.referrals.factories import consent_link, outbox, refer, seen, team


async def test_declining_consent_withdraws_and_erases_the_candidate(runtime: Runtime) -> None:
    ada, _, job = await team(runtime)
    outcome = await refer(runtime, ada, job)
    changed = seen(runtime, ReferralStatusChanged)
    assert await runtime.referrals.consent.refuse(outcome.referral.consent_token or "")
    referral = await Referral.get(id=outcome.referral.id)
    assert referral.status == S.WITHDRAWN and referral.consent_token is None
    candidate = await Candidate.get()
    assert (candidate.email, candidate.name, candidate.phone) == (None, "", "")
    assert [(e.old_status, e.new_status) for e in changed] == [("pending_consent", "withdrawn")]
    history = await runtime.referrals.pipeline.history(referral.id)
    assert [(h.from_status, h.to_status, h.actor) for h in history][-1] == (
        "pending_consent",
        "withdrawn",
        "candidate",
    )
    assert not await runtime.referrals.consent.refuse(outcome.referral.consent_token or "")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
async def smtp_inbox(runtime: Runtime) -> AsyncIterator[Inbox]:
    """A local SMTP server (aiosmtpd) the runtime's mailer sends to."""
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    mailer = runtime.referrals.mailer
    mailer.host, mailer.port, mailer.sender = "127.0.0.1", controller.port, "jobs@example.com"
    yield inbox
    await asyncio.to_thread(controller.stop)


async def test_the_consent_link_is_emailed_when_smtp_is_configured(
    runtime: Runtime, smtp_inbox: Inbox
) -> None:
    ada, _, job = await team(runtime)
    outcome = await refer(runtime, ada, job)
    assert outcome.consent_emailed
    [mail] = smtp_inbox.messages
    assert mail["To"] == "Marie.Curie@Example.org"  # as the referrer typed it
    assert mail["Subject"] == "Ada Lovelace recommended you to Porte-voix Demo"
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert consent_link(outcome) in body
    assert "deleted in 30 days" in body
    assert consent_link(outcome) not in outcome.message
    assert not list(outbox(runtime))  # sent: nothing kept


async def test_without_smtp_the_consent_email_waits_in_the_operators_outbox(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    ada, _, job = await team(runtime)
    outcome = await refer(runtime, ada, job)
    assert outcome.consent_emailed
    [path] = outbox(runtime)
    assert path.stat().st_mode & 0o777 == 0o600  # the link acts in the candidate's name
    mail = message_from_bytes(path.read_bytes())
    assert mail["To"] == "Marie.Curie@Example.org"
    assert consent_link(outcome) in mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert str(path) in caplog.text and "SMTP_HOST" in caplog.text
    token = outcome.referral.consent_token
    assert token and token not in caplog.text  # the log says where, not the link
    assert outcome.message == (
        "Thank you! We e-mailed Marie Curie (Marie.Curie@Example.org) a link to agree to "
        "this referral. Recruiters see it once they do, and your points come when a "
        "recruiter screens the application."
    )


async def test_a_mail_server_that_is_down_does_not_lose_the_referral(runtime: Runtime) -> None:
    ada, _, job = await team(runtime)
    mailer = runtime.referrals.mailer
    mailer.host, mailer.port, mailer.sender = "127.0.0.1", 1, "jobs@example.com"
    outcome = await refer(runtime, ada, job)
    assert not outcome.consent_emailed
    assert outcome.status == S.PENDING_CONSENT
    assert "We could not e-mail Marie Curie" in outcome.message
    assert consent_link(outcome) not in outcome.message
    [kept] = outbox(runtime)  # kept for an administrator to send
    assert consent_link(outcome) in kept.read_text()
