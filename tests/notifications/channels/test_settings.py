from __future__ import annotations

import pytest
from pydantic import ValidationError

from slotwise.notifications.channels import Channel, ChannelSettings, generate_vapid_keys


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = generate_vapid_keys()
    env = {
        "SLOTWISE_SMTP_HOST": "smtp.example.com",
        "SLOTWISE_SMTP_PORT": "587",
        "SLOTWISE_SMTP_SECURITY": "starttls",
        "SLOTWISE_SMTP_USERNAME": "mailer",
        "SLOTWISE_SMTP_PASSWORD": "pw",
        "SLOTWISE_SMTP_FROM_ADDRESS": "termine@salon.example",
        "SLOTWISE_SMTP_FROM_NAME": "Salon Müller",
        "SLOTWISE_VAPID_PRIVATE_KEY": keys.private_key,
        "SLOTWISE_VAPID_PUBLIC_KEY": keys.public_key,
        "SLOTWISE_VAPID_SUBJECT": "mailto:ops@salon.example",
        "SLOTWISE_WHATSAPP_TOKEN": "EAAG",
        "SLOTWISE_WHATSAPP_PHONE_NUMBER_ID": "1065",
        "SLOTWISE_TELEGRAM_BOT_TOKEN": "123:abc",
        "SLOTWISE_TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = ChannelSettings(_env_file=None)
    assert settings.smtp_port == 587
    assert settings.smtp_security == "starttls"
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "pw"
    # Secrets stay out of reprs and logs.
    assert "pw'" not in repr(settings) and "123:abc" not in repr(settings)
    assert settings.telegram_api_base_url == "http://127.0.0.1:8081"
    assert settings.configured_channels() == set(Channel)


def test_nothing_configured_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SLOTWISE_SMTP_HOST",
        "SLOTWISE_VAPID_PRIVATE_KEY",
        "SLOTWISE_WHATSAPP_TOKEN",
        "SLOTWISE_TELEGRAM_BOT_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    assert ChannelSettings(_env_file=None).configured_channels() == frozenset()
    # A WhatsApp token alone is not enough: messages are sent from a phone number id.
    assert ChannelSettings(_env_file=None, whatsapp_token="x").configured_channels() == frozenset()


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValidationError):
        ChannelSettings(_env_file=None, smtp_security="tls")
    with pytest.raises(ValidationError):
        ChannelSettings(_env_file=None, vapid_subject="ops@example.com")
    with pytest.raises(ValidationError):
        ChannelSettings(_env_file=None, smtp_port=0)


def test_outbound_allowed_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLOTWISE_OUTBOUND_ALLOWED_HOSTS", "push.internal.example, 10.0.0.5:8443")
    settings = ChannelSettings(_env_file=None)
    assert settings.outbound_allowed_hosts == ["push.internal.example", "10.0.0.5:8443"]
    allowed = settings.outbound_allow_list()
    assert allowed.allows("push.internal.example", 443)
    assert allowed.allows("10.0.0.5", 8443) and not allowed.allows("10.0.0.5", 443)
    monkeypatch.setenv("SLOTWISE_OUTBOUND_ALLOWED_HOSTS", '["[::1]:8443"]')
    assert ChannelSettings(_env_file=None).outbound_allow_list().allows("::1", 8443)
    monkeypatch.delenv("SLOTWISE_OUTBOUND_ALLOWED_HOSTS")
    assert ChannelSettings(_env_file=None).outbound_allowed_hosts == []
    with pytest.raises(ValidationError):
        ChannelSettings(_env_file=None, outbound_allowed_hosts="push.example/path")
