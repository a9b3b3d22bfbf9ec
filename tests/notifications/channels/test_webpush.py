from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from cryptography.hazmat.primitives import serialization
from pydantic import SecretStr

from slotwise.notifications.channels import (
    ChannelNotConfigured,
    ChannelSettings,
    OutgoingMessage,
    PermanentError,
    PushRecipient,
    RetryableError,
    SubscriptionGone,
    ece,
    generate_vapid_keys,
    public_key_of,
    push_topic,
    send,
    send_webpush,
    vapid,
)
from slotwise.notifications.channels.webpush import ENDPOINT_NOT_ALLOWED
from tests.listeners import counting_listener
from tests.notifications.channels.push_service import (
    PushService,
    allowed_host,
    b64url,
    unb64url,
)
from tests.notifications.channels.servers import closed_port, serve_asgi, silent_server

KEYS = generate_vapid_keys()


@pytest.fixture(scope="module")
async def push_service() -> AsyncIterator[tuple[PushService, str]]:
    service = PushService()
    async with serve_asgi(service) as base_url:
        yield service, base_url


@pytest.fixture
def service(push_service: tuple[PushService, str]) -> PushService:
    push_service[0].delivered.clear()
    push_service[0].failures.clear()
    return push_service[0]


@pytest.fixture
def base_url(push_service: tuple[PushService, str]) -> str:
    return push_service[1]


@pytest.fixture
def settings(base_url: str) -> ChannelSettings:
    return ChannelSettings(
        _env_file=None,
        vapid_private_key=SecretStr(KEYS.private_key),
        vapid_public_key=KEYS.public_key,
        vapid_subject="mailto:ops@slotwise.example",
        webpush_allow_http=True,
        webpush_timeout_seconds=2,
        outbound_allowed_hosts=[allowed_host(base_url)],
    )


def _allowing(settings: ChannelSettings, port: int, **update: object) -> ChannelSettings:
    return settings.model_copy(
        update={
            "outbound_allowed_hosts": [*settings.outbound_allowed_hosts, f"127.0.0.1:{port}"],
            **update,
        }
    )


def _message(recipient: PushRecipient, **extra: object) -> OutgoingMessage:
    fields: dict[str, object] = {
        "subject": "Erinnerung: Ihr Termin beginnt in 1 Stunde",
        "text": "Dienstag, 24. November 2026, 10:00 — Salon Müller",
        "idempotency_key": "outbox-9",
        "ttl_seconds": 3600,
        "topic": "2b7c9a4e-5f0d-4a51-9d7e-0c1f2e3d4b5a",
    }
    fields.update(extra)
    return OutgoingMessage(recipient=recipient, **fields)  # type: ignore[arg-type]


def _recipient(service: PushService, base_url: str, name: str = "anna") -> PushRecipient:
    browser = service.subscribe(name)
    return PushRecipient(f"{base_url}/push/{name}", browser.p256dh, browser.auth)


def test_encryption_reproduces_the_rfc_8291_example() -> None:
    body = ece.encrypt(
        b"When I grow up, I want to be a watermelon",
        ua_public=unb64url(
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7V"
            "d8pZGH6SRpkNtoIAiw4"
        ),
        auth_secret=unb64url("BTBZMqHH6r4Tts7J_aSIgg"),
        salt=unb64url("DGv6ra1nlYgDCS1FRnbzlw"),
        sender_private=vapid.load_private_key("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"),
    )
    assert b64url(body) == (
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInm"
        "YWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQ"
        "exSgSxsj_Qulcy4a-fN"
    )


def test_generated_vapid_keys() -> None:
    keys = generate_vapid_keys()
    assert len(unb64url(keys.private_key)) == 32
    public = unb64url(keys.public_key)
    assert len(public) == 65 and public[0] == 4
    assert public_key_of(keys.private_key) == keys.public_key
    assert generate_vapid_keys().private_key != keys.private_key
    # A PEM key (as other VAPID tools write it) is accepted too.
    pem = (
        vapid.load_private_key(keys.private_key)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    assert public_key_of(pem) == keys.public_key


def test_application_server_key_for_browsers() -> None:
    only_private = ChannelSettings(_env_file=None, vapid_private_key=SecretStr(KEYS.private_key))
    assert only_private.vapid_application_server_key() == KEYS.public_key
    assert ChannelSettings(_env_file=None).vapid_application_server_key() is None


def test_topic_fits_rfc_8030() -> None:
    appointment = uuid.UUID("2b7c9a4e-5f0d-4a51-9d7e-0c1f2e3d4b5a")
    assert push_topic(str(appointment)) == appointment.hex
    assert push_topic("short_id-1") == "short_id-1"
    long_topic = push_topic("appointment:" + "x" * 100)
    assert len(long_topic) == 32
    assert long_topic == push_topic("appointment:" + "x" * 100)
    assert set(long_topic) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


async def test_push_is_signed_encrypted_and_carries_ttl_and_topic(
    service: PushService, base_url: str, settings: ChannelSettings
) -> None:
    recipient = _recipient(service, base_url)
    location = await send(
        _message(
            recipient,
            urgency="high",
            url="https://app.example/a/1",
            data={"appointment_id": "2b7c"},
        ),
        settings,
    )
    assert location == "/message/1"
    assert len(service.delivered) == 1
    got = service.delivered[0]
    assert got.payload == {
        "title": "Erinnerung: Ihr Termin beginnt in 1 Stunde",
        "body": "Dienstag, 24. November 2026, 10:00 — Salon Müller",
        "id": "outbox-9",
        "tag": "2b7c9a4e-5f0d-4a51-9d7e-0c1f2e3d4b5a",
        "url": "https://app.example/a/1",
        "data": {"appointment_id": "2b7c"},
    }
    assert got.headers["ttl"] == "3600"
    assert got.headers["topic"] == "2b7c9a4e5f0d4a519d7e0c1f2e3d4b5a"
    assert got.headers["urgency"] == "high"
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.vapid_public_key == KEYS.public_key
    assert got.jwt_claims["aud"] == base_url
    assert got.jwt_claims["sub"] == "mailto:ops@slotwise.example"
    assert time.time() < got.jwt_claims["exp"] <= time.time() + 24 * 3600


async def test_ttl_defaults_and_is_clamped(
    service: PushService, base_url: str, settings: ChannelSettings
) -> None:
    recipient = _recipient(service, base_url)
    await send_webpush(_message(recipient, ttl_seconds=None, topic=None), settings)
    await send_webpush(_message(recipient, ttl_seconds=-30), settings)
    assert service.delivered[0].headers["ttl"] == str(24 * 3600)
    assert "topic" not in service.delivered[0].headers
    assert service.delivered[1].headers["ttl"] == "0"


async def test_long_text_is_cut_to_fit_one_record(
    service: PushService, base_url: str, settings: ChannelSettings
) -> None:
    recipient = _recipient(service, base_url)
    await send(_message(recipient, text="Запись " * 2000), settings)
    body = service.delivered[0].payload["body"]
    assert body.startswith("Запись Запись")
    assert body.endswith("…")
    assert len(body.encode()) < ece.MAX_PLAINTEXT
    assert len(body) > 1500


async def test_summary_is_the_notification_body(
    service: PushService, base_url: str, settings: ChannelSettings
) -> None:
    recipient = _recipient(service, base_url)
    await send(
        _message(
            recipient, text="Hallo Anna,\n\nlong email text", summary="Ihr Termin ist bestätigt."
        ),
        settings,
    )
    assert service.delivered[0].payload["body"] == "Ihr Termin ist bestätigt."


@pytest.mark.parametrize("status", [404, 410])
async def test_gone_subscription(
    service: PushService, base_url: str, settings: ChannelSettings, status: int
) -> None:
    service.failures.append((status, {}))
    with pytest.raises(SubscriptionGone, match=f"push service {status}"):
        await send(_message(_recipient(service, base_url)), settings)


async def test_429_with_retry_after_is_retryable(
    service: PushService, base_url: str, settings: ChannelSettings
) -> None:
    recipient = _recipient(service, base_url)
    service.failures.append((429, {"Retry-After": "120"}))
    with pytest.raises(RetryableError) as caught:
        await send(_message(recipient), settings)
    assert caught.value.retry_after == 120
    await send(_message(recipient), settings)
    assert len(service.delivered) == 1


@pytest.mark.parametrize("status", [500, 503])
async def test_5xx_is_retryable(
    service: PushService, base_url: str, settings: ChannelSettings, status: int
) -> None:
    service.failures.append((status, {}))
    with pytest.raises(RetryableError, match=f"push service {status}"):
        await send(_message(_recipient(service, base_url)), settings)


@pytest.mark.parametrize("status", [400, 403, 413])
async def test_other_4xx_is_permanent(
    service: PushService, base_url: str, settings: ChannelSettings, status: int
) -> None:
    service.failures.append((status, {}))
    with pytest.raises(PermanentError) as caught:
        await send(_message(_recipient(service, base_url)), settings)
    assert not isinstance(caught.value, SubscriptionGone | RetryableError)


async def test_wrong_keys_fail_decryption_at_the_push_service(
    service: PushService, base_url: str, settings: ChannelSettings
) -> None:
    # Encrypted for another browser: the local service cannot decrypt, so it rejects; this
    # proves the service really decrypts rather than accepting any body.
    recipient = _recipient(service, base_url)
    stranger = service.subscribe("stranger")
    wrong = PushRecipient(recipient.endpoint, stranger.p256dh, recipient.auth)
    with pytest.raises(PermanentError, match="push service 400: rejected: InvalidTag"):
        await send(_message(wrong), settings)
    assert service.delivered == []


async def test_broken_subscription_keys_mean_the_subscription_is_gone(
    service: PushService, base_url: str, settings: ChannelSettings
) -> None:
    recipient = _recipient(service, base_url)
    for p256dh, auth in ((recipient.p256dh[:20], recipient.auth), (recipient.p256dh, "AAAA")):
        with pytest.raises(SubscriptionGone, match="invalid subscription keys"):
            await send(_message(PushRecipient(recipient.endpoint, p256dh, auth)), settings)
    assert service.delivered == []


async def test_unanswered_request_times_out(settings: ChannelSettings) -> None:
    browser_keys = PushService().subscribe("x")
    async with silent_server() as port:
        recipient = PushRecipient(
            f"http://127.0.0.1:{port}/push/x", browser_keys.p256dh, browser_keys.auth
        )
        slow = _allowing(settings, port, webpush_timeout_seconds=0.3)
        # The outer limit only turns a hang (our timeout ignored) into a failure.
        async with asyncio.timeout(60):
            with pytest.raises(RetryableError, match=r"no response within 0\.3 s"):
                await send(_message(recipient), slow)


async def test_connection_refused_is_retryable(settings: ChannelSettings) -> None:
    browser = PushService().subscribe("x")
    port = closed_port()
    recipient = PushRecipient(f"http://127.0.0.1:{port}/push/x", browser.p256dh, browser.auth)
    with pytest.raises(RetryableError):
        await send(_message(recipient), _allowing(settings, port))


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::1]", "[::ffff:7f00:1]", "169.254.169.254", "10.0.0.1"]
)
async def test_internal_endpoints_fail_for_good_without_connecting(
    settings: ChannelSettings, host: str
) -> None:
    browser = PushService().subscribe("x")
    async with counting_listener() as listener:
        errors = []
        # An open port and a closed one look the same: the answer is no port scanner.
        for port in (listener.port, closed_port()):
            for scheme in ("https", "http"):
                recipient = PushRecipient(
                    f"{scheme}://{host}:{port}/push/x", browser.p256dh, browser.auth
                )
                with pytest.raises(PermanentError) as caught:
                    await send(_message(recipient), settings)
                assert not isinstance(caught.value, SubscriptionGone | RetryableError)
                errors.append(caught.value.reason)
    assert errors == [ENDPOINT_NOT_ALLOWED] * 4
    assert listener.accepted == 0


async def test_plain_http_endpoints_are_refused_by_default(
    service: PushService, base_url: str, settings: ChannelSettings
) -> None:
    strict = settings.model_copy(update={"webpush_allow_http": False})
    for endpoint in (f"{base_url}/push/anna", "file:///etc/passwd", "push/anna"):
        recipient = PushRecipient(
            endpoint, service.subscribe("anna").p256dh, service.browsers["anna"].auth
        )
        with pytest.raises(PermanentError, match="invalid push endpoint"):
            await send(_message(recipient), strict)
    assert service.delivered == []


async def test_configuration_errors(service: PushService, base_url: str) -> None:
    recipient = _recipient(service, base_url)
    with pytest.raises(ChannelNotConfigured, match="SLOTWISE_VAPID_PRIVATE_KEY"):
        await send(_message(recipient), ChannelSettings(_env_file=None))
    mismatched = ChannelSettings(
        _env_file=None,
        vapid_private_key=SecretStr(KEYS.private_key),
        vapid_public_key=generate_vapid_keys().public_key,
        webpush_allow_http=True,
    )
    with pytest.raises(ChannelNotConfigured, match="does not match"):
        await send(_message(recipient), mismatched)
    garbage = ChannelSettings(
        _env_file=None, vapid_private_key=SecretStr("not-a-key"), webpush_allow_http=True
    )
    with pytest.raises(ChannelNotConfigured, match="not a P-256 key"):
        await send(_message(recipient), garbage)
    assert service.delivered == []
