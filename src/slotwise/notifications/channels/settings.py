"""Channel configuration from the environment (prefix ``SLOTWISE_``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from slotwise import outbound
from slotwise.notifications.channels.message import Channel
from slotwise.notifications.channels.vapid import public_key_of

SmtpSecurity = Literal["none", "starttls", "ssl"]


class ChannelSettings(BaseSettings):
    """Everything the four channels need. A channel without its essentials (SMTP host, VAPID
    private key, WhatsApp token + phone number id, Telegram bot token) is not configured:
    :meth:`configured_channels` leaves it out and sending on it raises
    ``ChannelNotConfigured``."""

    model_config = SettingsConfigDict(env_prefix="SLOTWISE_", env_file=".env", extra="ignore")

    # --- email (SMTP) ---------------------------------------------------------------------
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    # "starttls": upgrade a plain connection (port 587) and refuse a server that cannot;
    # "ssl": TLS from the first byte (port 465); "none": a trusted local relay only.
    smtp_security: SmtpSecurity = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from_address: str = "slotwise@localhost"
    smtp_from_name: str = "Slotwise"
    # The domain of the Message-IDs we generate; defaults to the from address's domain.
    smtp_message_id_domain: str | None = None
    # Extra CA certificates to trust (PEM), e.g. a company relay's own CA.
    smtp_ca_file: Path | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=600)

    # --- Web Push (VAPID) ------------------------------------------------------------------
    # The raw 32-byte P-256 private key, base64url (what `slotwise vapid-keys` prints), or PEM.
    vapid_private_key: SecretStr | None = None
    # Optional: derived from the private key when absent; when given, it must match.
    vapid_public_key: str | None = None
    # A contact for push services: "mailto:ops@example.com" or an https URL.
    vapid_subject: str = "mailto:admin@localhost"
    webpush_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Used when a message carries no TTL (seconds a push service keeps an undelivered push).
    webpush_default_ttl_seconds: int = Field(default=24 * 3600, ge=0, le=28 * 24 * 3600)
    # Real push services are https only; plain http is for tests and local fakes.
    webpush_allow_http: bool = False
    # Hosts (``host`` or ``host:port``, separated by commas) that user-given URLs such as push
    # endpoints may reach although they are not public internet addresses: a push service in
    # your own network, the tests' local servers. Everything else internal is refused.
    outbound_allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # --- WhatsApp Cloud API -----------------------------------------------------------------
    whatsapp_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_api_base_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v23.0"
    whatsapp_timeout_seconds: float = Field(default=15.0, gt=0, le=120)

    # --- Telegram Bot API -------------------------------------------------------------------
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_timeout_seconds: float = Field(default=15.0, gt=0, le=120)

    @field_validator("whatsapp_api_base_url", "telegram_api_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("outbound_allowed_hosts", mode="before")
    @classmethod
    def _host_list(cls, value: object) -> object:
        return outbound.split_host_list(value)

    @field_validator("outbound_allowed_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        outbound.AllowList.parse(value)
        return value

    @field_validator("vapid_subject")
    @classmethod
    def _contact_uri(cls, value: str) -> str:
        if not (value.startswith("mailto:") or value.startswith("https://")):
            raise ValueError("the VAPID subject must be a mailto: or https: URI")
        return value

    def outbound_allow_list(self) -> outbound.AllowList:
        return outbound.AllowList.parse(self.outbound_allowed_hosts)

    def vapid_application_server_key(self) -> str | None:
        """The public key browsers pass to ``pushManager.subscribe`` (base64url), or
        ``None`` when Web Push is not configured."""
        if self.vapid_public_key:
            return self.vapid_public_key.strip()
        if self.vapid_private_key is None or not self.vapid_private_key.get_secret_value():
            return None
        return public_key_of(self.vapid_private_key.get_secret_value())

    def configured_channels(self) -> frozenset[Channel]:
        channels = set()
        if self.smtp_host:
            channels.add(Channel.EMAIL)
        if self.vapid_private_key is not None and self.vapid_private_key.get_secret_value():
            channels.add(Channel.WEBPUSH)
        if self.whatsapp_token is not None and self.whatsapp_phone_number_id:
            channels.add(Channel.WHATSAPP)
        if self.telegram_bot_token is not None and self.telegram_bot_token.get_secret_value():
            channels.add(Channel.TELEGRAM)
        return frozenset(channels)
