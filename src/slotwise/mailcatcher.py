"""A local SMTP server for the demo: it accepts every message and hands a one-line summary
(to, subject) to a callback, so that a newcomer sees the confirmations go out without
configuring a mail server."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from email import message_from_bytes, policy
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"

# aiosmtpd logs every connection and command at INFO; the summary line is what matters here.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def summary(content: bytes, recipients: list[str]) -> str:
    message = message_from_bytes(content, policy=policy.default)
    return f"Mail to {', '.join(recipients)}: {message.get('Subject', '(no subject)')}"


class _Handler:
    def __init__(self, on_message: Callable[[str], None]) -> None:
        self._on_message = on_message

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)  # decode_data is off: aiosmtpd keeps the bytes
        self._on_message(summary(content, list(envelope.rcpt_tos)))
        return "250 2.0.0 Accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class MailCatcher:
    """``with MailCatcher(print) as catcher:`` serves SMTP on ``catcher.port`` (loopback
    only, in its own thread) until the block ends."""

    def __init__(self, on_message: Callable[[str], None]) -> None:
        self.port = _free_port()
        self._controller = Controller(
            _Handler(on_message),
            hostname=HOST,
            port=self.port,
            server_hostname="localhost",
            enable_SMTPUTF8=True,
        )

    def smtp_env(self) -> dict[str, str]:
        """The settings that make a worker send its email here."""
        return {
            "SLOTWISE_SMTP_HOST": HOST,
            "SLOTWISE_SMTP_PORT": str(self.port),
            "SLOTWISE_SMTP_SECURITY": "none",
        }

    def __enter__(self) -> MailCatcher:
        self._controller.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._controller.stop()
