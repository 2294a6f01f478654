"""Outgoing e-mail: written to the log without a mail server, sent through SMTP (TLS, login)
when one is configured, and a failure is logged without breaking anything."""
from __future__ import annotations

import logging
import smtplib

import pytest

from najma import mail


class FakeSMTP:
    """Stands in for ``smtplib.SMTP``: records what the application asks of the server."""

    sent: list = []
    calls: list = []
    fail_with: Exception | None = None

    def __init__(self, host, port, timeout=None):
        FakeSMTP.calls.append(("connect", host, port, timeout))
        if FakeSMTP.fail_with is not None:
            raise FakeSMTP.fail_with

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        FakeSMTP.calls.append(("quit",))
        return False

    def starttls(self):
        FakeSMTP.calls.append(("starttls",))

    def login(self, user, password):
        FakeSMTP.calls.append(("login", user, password))

    def send_message(self, message):
        FakeSMTP.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    """A configured mail server answered by :class:`FakeSMTP`."""
    FakeSMTP.sent, FakeSMTP.calls, FakeSMTP.fail_with = [], [], None
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")
    monkeypatch.setitem(app.config, "MAIL_PORT", 2525)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "najma")
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "secret")
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", True)
    monkeypatch.setitem(app.config, "MAIL_SENDER", "NAJMA <najma@example.org>")
    return FakeSMTP


def test_without_a_server_the_message_goes_to_the_log(app, caplog, monkeypatch):
    monkeypatch.setattr(smtplib, "SMTP", None)  # any attempt to connect would fail loudly
    with caplog.at_level(logging.INFO, logger="najma.mail"):
        assert mail.send("amina@example.org", "Projet soumis", "Le projet d'Azilal est soumis.") is True
    [record] = [r for r in caplog.records if r.name == "najma.mail"]
    assert record.levelno == logging.INFO
    assert "amina@example.org" in record.getMessage() and "Le projet d'Azilal est soumis." in record.getMessage()


def test_with_a_server_the_message_is_sent_over_tls_after_login(smtp):
    assert mail.send("amina@example.org", "Projet soumis", "Le projet d'Azilal est soumis.") is True
    assert smtp.calls == [("connect", "smtp.example.org", 2525, 10), ("starttls",), ("login", "najma", "secret"),
                          ("quit",)]
    [message] = smtp.sent
    assert message["To"] == "amina@example.org" and message["From"] == "NAJMA <najma@example.org>"
    assert message["Subject"] == "Projet soumis" and message["Message-ID"]
    assert message.get_content().strip() == "Le projet d'Azilal est soumis."


def test_without_credentials_or_tls_the_server_is_used_as_is(smtp, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "")
    mail.send("amina@example.org", "Sujet", "Texte")
    assert [call[0] for call in smtp.calls] == ["connect", "quit"] and len(smtp.sent) == 1


def test_a_failure_is_logged_and_does_not_raise(smtp, caplog):
    smtp.fail_with = ConnectionRefusedError("refused")
    with caplog.at_level(logging.INFO, logger="najma.mail"):
        assert mail.send("amina@example.org", "Sujet", "Texte") is False
    errors = [r for r in caplog.records if r.name == "najma.mail" and r.levelno == logging.ERROR]
    assert len(errors) == 1 and "amina@example.org" in errors[0].getMessage()
    smtp.fail_with = smtplib.SMTPServerDisconnected("gone")
    assert mail.send("amina@example.org", "Sujet", "Texte") is False


def test_the_settings_come_from_the_environment(monkeypatch):
    from najma.config import Config

    monkeypatch.setenv("MAIL_SERVER", "mail.example.ma")
    monkeypatch.setenv("MAIL_PORT", "465")
    monkeypatch.setenv("MAIL_USERNAME", "najma")
    monkeypatch.setenv("MAIL_PASSWORD", "from-the-environment")
    monkeypatch.setenv("MAIL_USE_TLS", "0")
    monkeypatch.setenv("MAIL_SENDER", "najma@example.ma")
    config = Config()
    assert (config.MAIL_SERVER, config.MAIL_PORT, config.MAIL_USERNAME, config.MAIL_PASSWORD) == (
        "mail.example.ma", 465, "najma", "from-the-environment")
    assert config.MAIL_USE_TLS is False and config.MAIL_SENDER == "najma@example.ma"
    monkeypatch.delenv("MAIL_SERVER")
    assert Config().MAIL_SERVER == ""
