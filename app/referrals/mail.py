"""Outgoing e-mail through SMTP, when `SMTP_HOST` is set (otherwise nothing is sent).

smtplib is blocking, so each message is sent in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage

log = logging.getLogger(__name__)


class Mailer:
    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout

    @property
    def enabled(self) -> bool:
        return bool(self.host and self.sender)

    async def send(self, to: str, subject: str, body: str) -> bool:
        """True if the server accepted the message; False if e-mail is off or it failed
        (logged: the caller has another way to reach the person)."""
        if not self.enabled:
            return False
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            await asyncio.to_thread(self._send, message)
        except (OSError, smtplib.SMTPException):
            log.exception("could not send e-mail to the SMTP server %s:%s", self.host, self.port)
            return False
        return True

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)
