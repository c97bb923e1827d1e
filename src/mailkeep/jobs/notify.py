"""Email notifications to administrators through a configured SMTP relay.

Sent when a job fails or completes with errors (and for anything else worth an administrator's
attention, e.g. a new archive store that could not be created). A notification that cannot be
sent is logged and never changes the job's own outcome.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpRelay:
    """Where notifications go (the ``notify.*`` settings)."""

    host: str
    port: int
    security: str
    sender: str
    recipients: tuple[str, ...]
    timeout: float = 30.0

    @property
    def enabled(self) -> bool:
        """A relay and at least one recipient are configured."""
        return bool(self.host and self.recipients)


def send_notification(relay: SmtpRelay, subject: str, body: str) -> bool:
    """Send one plain-text notification; False (and a log line) if it could not be sent."""
    if not relay.enabled:
        return False
    message = EmailMessage()
    message["From"] = relay.sender
    message["To"] = ", ".join(relay.recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain="mailkeep")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    message.set_content(body)
    try:
        if relay.security == "tls":
            context = ssl.create_default_context()
            with smtplib.SMTP_SSL(
                relay.host, relay.port, timeout=relay.timeout, context=context
            ) as smtp:
                smtp.send_message(message)
        else:
            with smtplib.SMTP(relay.host, relay.port, timeout=relay.timeout) as smtp:
                if relay.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("notification to %s not sent: %s", relay.host, exc)
        return False
    return True
