"""Outgoing e-mail: through SMTP when `SMTP_HOST` is set, else into an outbox directory.

smtplib is blocking, so each message is sent in a worker thread.

Some messages must reach their addressee and nobody else (a candidate's consent link:
whoever holds it can agree in the candidate's name). `post` never hands such a message
back to the caller: without an SMTP server (development, a first install) it is written
to `data_dir/outbox/` as an .eml file readable by the operator alone, and the log says
where; when the server refuses it, it is kept there too, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import smtplib
from email.message import EmailMessage
from pathlib import Path

from app.clock import Clock

log = logging.getLogger(__name__)


class Mailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        outbox: Path,
        clock: Clock,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.outbox = outbox
        self.clock = clock
        self.timeout = timeout

    @property
    def enabled(self) -> bool:
        """An SMTP server is configured."""
        return bool(self.host and self.sender)

    async def send(self, to: str, subject: str, body: str) -> bool:
        """True if the SMTP server accepted the message; False if e-mail is off or it
        failed (logged: the caller has another way to reach the person)."""
        if not self.enabled:
            return False
        try:
            await asyncio.to_thread(self._send, self._message(to, subject, body))
        except (OSError, smtplib.SMTPException):
            log.exception("could not send e-mail to the SMTP server %s:%s", self.host, self.port)
            return False
        return True

    async def post(self, to: str, subject: str, body: str) -> bool:
        """Send a message only its addressee may read. True when it went out (or, with no
        SMTP server configured, when it was written to the outbox for the operator);
        False when the SMTP server failed and it waits in the outbox."""
        if self.enabled and await self.send(to, subject, body):
            return True
        path = await asyncio.to_thread(self._keep, self._message(to, subject, body))
        if self.enabled:
            log.error("e-mail %r kept in %s: the SMTP server did not take it", subject, path)
            return False
        log.warning(
            "no SMTP server (SMTP_HOST): e-mail %r written to %s; send it, or set SMTP_HOST",
            subject,
            path,
        )
        return True

    def _message(self, to: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender or "porte-voix@localhost"
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        return message

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)

    def _keep(self, message: EmailMessage) -> Path:
        """Write the message to the outbox, readable by this user alone (it may hold a
        link that acts in someone's name)."""
        self.outbox.mkdir(parents=True, exist_ok=True)
        stamp = self.clock.now().strftime("%Y%m%dT%H%M%S")
        path = self.outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(message.as_bytes())
        return path
