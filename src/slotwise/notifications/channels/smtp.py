"""Email over SMTP: multipart/alternative (plain text + HTML), one connection per message."""

from __future__ import annotations

import hashlib
import re
import ssl
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
from email_validator import EmailNotValidError, validate_email

from slotwise.notifications.channels.errors import (
    ChannelNotConfigured,
    PermanentError,
    RetryableError,
)
from slotwise.notifications.channels.message import EmailRecipient, OutgoingMessage
from slotwise.notifications.channels.settings import ChannelSettings

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


def message_id_for(idempotency_key: str, settings: ChannelSettings) -> str:
    """The ``Message-ID`` of the message with this key: the same on every attempt, so a
    resend after a crash is recognisable (and mail clients thread it as one message)."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    domain = settings.smtp_message_id_domain or settings.smtp_from_address.rpartition("@")[2]
    return f"<slotwise.{digest}@{domain or 'localhost'}>"


def _single_line(value: str) -> str:
    # A CR or LF from a firm or client name would otherwise end the header early.
    return " ".join(value.split())


def _address(address: str, name: str | None) -> Address:
    local, at, domain = address.strip().rpartition("@")
    try:
        if at and _HOSTNAME.match(domain):
            # email_validator refuses dotless and special-use domains (localhost, .local,
            # .test) that a private relay may well serve: check the local part alone there.
            local = validate_email(
                f"{local}@example.com", check_deliverability=False, allow_smtputf8=True
            ).local_part
            domain = domain.lower()
        else:
            valid = validate_email(address, check_deliverability=False, allow_smtputf8=True)
            local, _, domain = valid.normalized.rpartition("@")
    except EmailNotValidError as exc:
        raise PermanentError(f"invalid email address: {exc}") from None
    return Address(display_name=_single_line(name or ""), username=local, domain=domain)


def build_email(message: OutgoingMessage, settings: ChannelSettings) -> EmailMessage:
    recipient = message.recipient
    if not isinstance(recipient, EmailRecipient):
        raise TypeError("not an email recipient")
    mail = EmailMessage()
    mail["From"] = _address(settings.smtp_from_address, settings.smtp_from_name)
    mail["To"] = _address(recipient.address, recipient.name)
    mail["Subject"] = _single_line(message.subject)
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = message_id_for(message.idempotency_key, settings)
    # RFC 3834: tells auto-responders (out-of-office) not to answer a machine.
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text)
    if message.html is not None:
        mail.add_alternative(message.html, subtype="html")
    return mail


def _tls_context(settings: ChannelSettings) -> ssl.SSLContext | None:
    if settings.smtp_security == "none":
        return None
    cafile = str(settings.smtp_ca_file) if settings.smtp_ca_file else None
    context = ssl.create_default_context()
    if cafile:
        context.load_verify_locations(cafile=cafile)
    return context


def _from_smtp_code(code: int, text: str, what: str) -> RetryableError | PermanentError:
    reason = f"SMTP {code} {what}: {text}".strip()
    # 4xx are transient by definition (RFC 5321 4.2.1); 5xx say "don't repeat as is".
    if 400 <= code < 500:
        return RetryableError(reason)
    if code >= 500:
        return PermanentError(reason)
    return RetryableError(reason)


async def send_email(message: OutgoingMessage, settings: ChannelSettings) -> str:
    """Send one email; returns its Message-ID."""
    if not settings.smtp_host:
        raise ChannelNotConfigured("email is not configured (SLOTWISE_SMTP_HOST)")
    mail = build_email(message, settings)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            mail,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=password if settings.smtp_username else None,
            use_tls=settings.smtp_security == "ssl",
            start_tls=settings.smtp_security == "starttls",
            tls_context=_tls_context(settings),
            timeout=settings.smtp_timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients[0] if exc.recipients else None
        if refused is None:
            raise PermanentError("SMTP recipient refused") from None
        raise _from_smtp_code(refused.code, refused.message, "recipient refused") from None
    except aiosmtplib.SMTPNotSupported as exc:
        # STARTTLS or AUTH demanded by our settings but not offered: a configuration error.
        raise PermanentError(f"SMTP server does not support it: {exc.message}") from None
    except (
        aiosmtplib.SMTPConnectError,
        aiosmtplib.SMTPTimeoutError,
        aiosmtplib.SMTPServerDisconnected,
    ) as exc:
        raise RetryableError(f"SMTP connection failed: {exc}") from None
    except aiosmtplib.SMTPResponseException as exc:
        raise _from_smtp_code(exc.code, exc.message, type(exc).__name__) from None
    except aiosmtplib.SMTPException as exc:
        if "not supported" in str(exc).lower():
            # e.g. STARTTLS required by us but not offered: retrying cannot fix the setup.
            raise PermanentError(f"SMTP error: {exc}") from None
        raise RetryableError(f"SMTP error: {exc}") from None
    except (OSError, ssl.SSLError) as exc:
        raise RetryableError(f"SMTP connection failed: {exc}") from None
    return str(mail["Message-ID"])
