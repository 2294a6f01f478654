"""Outgoing e-mail, kept deliberately small: one plain-text message through the configured SMTP
server (``MAIL_SERVER``, ``MAIL_PORT``, ``MAIL_USERNAME``, ``MAIL_PASSWORD``, ``MAIL_USE_TLS``,
``MAIL_SENDER``), or written to the application log (logger ``najma.mail``) when no server is
configured, as on a single machine or in tests.

E-mail is a courtesy next to the in-app notification: a failure is logged and never breaks
the request that caused it.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

logger = logging.getLogger("najma.mail")


def send(to: str, subject: str, body: str) -> bool:
    """Send one plain-text message to ``to``; True when it was handed to the SMTP server or
    written to the log, False when sending failed (the failure is logged)."""
    config = current_app.config
    sender = config.get("MAIL_SENDER") or "najma@localhost"
    server = config.get("MAIL_SERVER") or ""
    if not server:
        logger.info("E-mail (no MAIL_SERVER configured) to %s: %s\n%s", to, subject, body)
        return True
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    message.set_content(body)
    try:
        with smtplib.SMTP(server, int(config.get("MAIL_PORT") or 25), timeout=config.get("MAIL_TIMEOUT", 10)) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        logger.exception("E-mail to %s could not be sent (%s)", to, subject)
        return False
    logger.info("E-mail sent to %s: %s", to, subject)
    return True
