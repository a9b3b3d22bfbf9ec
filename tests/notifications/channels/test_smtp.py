from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr

from slotwise.notifications.channels import (
    ChannelNotConfigured,
    ChannelSettings,
    EmailRecipient,
    OutgoingMessage,
    PermanentError,
    RetryableError,
    message_id_for,
    send,
    send_email,
)
from tests.notifications.channels.servers import closed_port, silent_server
from tests.notifications.channels.tls import Pki, make_pki

USERNAME = "mailer"
PASSWORD = "s3cret-pass"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    encrypted: bool
    login: bytes | None


@dataclass
class Sink:
    """Accepts everything except the recipients named ``unknown@`` (550) and ``busy@`` (451)."""

    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.startswith("unknown@"):
            return "550 5.1.1 <unknown@example.com>: Recipient address rejected: User unknown"
        if address.startswith("busy@"):
            return "451 4.3.0 Mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        transport: Any = server.transport
        self.received.append(
            Received(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                message=message,
                encrypted=transport.get_extra_info("ssl_object") is not None,
                login=session.auth_data.login
                if isinstance(session.auth_data, LoginPassword)
                else None,
            )
        )
        return "250 2.0.0 Ok: queued"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USERNAME.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@asynccontextmanager
async def smtp_server(
    sink: Sink, *, implicit_tls: ssl.SSLContext | None = None, **options: Any
) -> AsyncIterator[int]:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="mail.test", loop=loop, **options),
        "127.0.0.1",
        0,
        ssl=implicit_tls,
    )
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _settings(port: int, **extra: Any) -> ChannelSettings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_from_address": "termine@salon.example",
        "smtp_from_name": "Salon Müller",
        "smtp_timeout_seconds": 5,
    }
    return ChannelSettings(_env_file=None, **{**values, **extra})


def _message(
    address: str = "anna@example.com",
    key: str = "outbox-42",
    subject: str = "Termin bestätigt: Dienstag, 24. November 2026, 10:00",
) -> OutgoingMessage:
    return OutgoingMessage(
        recipient=EmailRecipient(address, "Anna Schmidt"),
        subject=subject,
        text="Hallo Anna,\n\nIhr Termin ist bestätigt.\n",
        html="<p>Hallo Anna,</p><p>Ihr Termin ist <b>bestätigt</b>.</p>",
        idempotency_key=key,
    )


def _parts(message: EmailMessage) -> dict[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    # The wire has CRLF line ends; the parser keeps them.
    return {
        part.get_content_type(): part.get_content().replace("\r\n", "\n")
        for part in message.iter_parts()
    }


async def test_plain_smtp_delivers_one_multipart_message() -> None:
    sink = Sink()
    async with smtp_server(sink) as port:
        settings = _settings(port)
        message_id = await send(_message(), settings)
    assert len(sink.received) == 1
    got = sink.received[0]
    assert got.mail_from == "termine@salon.example"
    assert got.rcpt_tos == ["anna@example.com"]
    assert not got.encrypted
    mail = got.message
    assert mail["Subject"] == "Termin bestätigt: Dienstag, 24. November 2026, 10:00"
    assert mail["From"].addresses[0].display_name == "Salon Müller"
    assert mail["From"].addresses[0].addr_spec == "termine@salon.example"
    assert mail["To"].addresses[0].display_name == "Anna Schmidt"
    assert mail["Message-ID"] == message_id == message_id_for("outbox-42", settings)
    assert message_id.endswith("@salon.example>")
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Date"] is not None
    parts = _parts(mail)
    assert list(parts) == ["text/plain", "text/html"]
    assert parts["text/plain"] == "Hallo Anna,\n\nIhr Termin ist bestätigt.\n"
    assert parts["text/html"].strip() == "<p>Hallo Anna,</p><p>Ihr Termin ist <b>bestätigt</b>.</p>"


async def test_resend_has_the_same_message_id() -> None:
    sink = Sink()
    async with smtp_server(sink) as port:
        await send_email(_message(key="outbox-1"), _settings(port))
        await send_email(_message(key="outbox-1"), _settings(port))
        await send_email(_message(key="outbox-2"), _settings(port))
    ids = [r.message["Message-ID"] for r in sink.received]
    assert ids[0] == ids[1] != ids[2]


async def test_text_only_message_is_not_multipart() -> None:
    sink = Sink()
    message = OutgoingMessage(
        recipient=EmailRecipient("anna@example.com"),
        subject="Hi",
        text="Plain only",
        idempotency_key="k",
    )
    async with smtp_server(sink) as port:
        await send(message, _settings(port))
    mail = sink.received[0].message
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content().replace("\r\n", "\n") == "Plain only\n"


async def test_starttls_with_auth(pki: Pki) -> None:
    sink = Sink()
    async with smtp_server(
        sink,
        tls_context=pki.server_context(),
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
    ) as port:
        settings = _settings(
            port,
            smtp_security="starttls",
            smtp_ca_file=pki.ca_file,
            smtp_username=USERNAME,
            smtp_password=SecretStr(PASSWORD),
        )
        await send(_message(), settings)
        assert len(sink.received) == 1
        assert sink.received[0].encrypted
        assert sink.received[0].login == USERNAME.encode()

        wrong = settings.model_copy(update={"smtp_password": SecretStr("wrong")})
        with pytest.raises(PermanentError, match="535"):
            await send(_message(), wrong)
    assert len(sink.received) == 1


async def test_starttls_rejects_an_untrusted_certificate(pki: Pki, tmp_path: Path) -> None:
    other = make_pki(tmp_path)
    sink = Sink()
    async with smtp_server(sink, tls_context=pki.server_context(), require_starttls=True) as port:
        with pytest.raises(RetryableError, match=r"(?i)certificate"):
            await send(
                _message(), _settings(port, smtp_security="starttls", smtp_ca_file=other.ca_file)
            )
    assert sink.received == []


async def test_starttls_required_but_not_offered_is_permanent() -> None:
    sink = Sink()
    async with smtp_server(sink) as port:
        with pytest.raises(PermanentError, match=r"(?i)starttls"):
            await send(_message(), _settings(port, smtp_security="starttls"))
    assert sink.received == []


async def test_implicit_tls(pki: Pki) -> None:
    sink = Sink()
    async with smtp_server(sink, implicit_tls=pki.server_context()) as port:
        await send(_message(), _settings(port, smtp_security="ssl", smtp_ca_file=pki.ca_file))
    assert len(sink.received) == 1
    assert sink.received[0].encrypted


async def test_server_down_is_retryable() -> None:
    with pytest.raises(RetryableError, match="SMTP connection failed"):
        await send(_message(), _settings(closed_port()))


async def test_silent_server_times_out_as_retryable() -> None:
    async with silent_server() as port:
        async with asyncio.timeout(3):
            with pytest.raises(RetryableError):
                await send(_message(), _settings(port, smtp_timeout_seconds=0.3))


async def test_550_rejection_is_permanent_and_451_retryable() -> None:
    sink = Sink()
    async with smtp_server(sink) as port:
        with pytest.raises(PermanentError) as rejected:
            await send(_message("unknown@example.com"), _settings(port))
        assert not isinstance(rejected.value, RetryableError)
        assert rejected.value.reason.startswith("SMTP 550")
        assert "User unknown" in rejected.value.reason
        with pytest.raises(RetryableError, match="SMTP 451"):
            await send(_message("busy@example.com"), _settings(port))
    assert sink.received == []


async def test_local_relay_domains_are_accepted() -> None:
    sink = Sink()
    async with smtp_server(sink) as port:
        settings = _settings(port, smtp_from_address="slotwise@localhost")
        await send(_message("ops@mail.local"), settings)
        await send(_message("Anna@Example.COM"), settings)
    assert [r.mail_from for r in sink.received] == ["slotwise@localhost"] * 2
    assert [r.rcpt_tos for r in sink.received] == [["ops@mail.local"], ["Anna@example.com"]]


async def test_invalid_address_fails_before_connecting() -> None:
    # Nothing listens on the port: a connection attempt would be a RetryableError.
    for address in (
        "not-an-address",
        "anna@",
        "anna@example.com\r\nBcc: eve@example.com",
        "a b@example.com",
        "anna@exa_mple.com",
        "<anna>@example.com",
    ):
        with pytest.raises(PermanentError, match="invalid email address"):
            await send(_message(address), _settings(closed_port()))


async def test_line_breaks_in_the_subject_cannot_add_headers() -> None:
    sink = Sink()
    async with smtp_server(sink) as port:
        await send(_message(subject="Hello\r\nBcc: eve@example.com"), _settings(port))
    got = sink.received[0]
    assert got.rcpt_tos == ["anna@example.com"]
    assert got.message["Bcc"] is None
    assert got.message["Subject"] == "Hello Bcc: eve@example.com"


async def test_not_configured() -> None:
    with pytest.raises(ChannelNotConfigured, match="SLOTWISE_SMTP_HOST"):
        await send(_message(), ChannelSettings(_env_file=None))
