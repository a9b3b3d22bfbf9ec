from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr
from starlette.responses import JSONResponse, Response

from slotwise.notifications.channels import (
    ChannelNotConfigured,
    ChannelSettings,
    OutgoingMessage,
    PermanentError,
    RetryableError,
    WhatsAppRecipient,
    WhatsAppTemplate,
    send,
    send_whatsapp,
)
from tests.notifications.channels.servers import Recorded, Scripted, serve_asgi, silent_server

TOKEN = "EAAG-test-access-token"
PHONE_NUMBER_ID = "106540352242922"
VERSION = "v23.0"


def _graph_error(message: str, code: int, details: str | None = None) -> dict[str, object]:
    error: dict[str, object] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEf",
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


async def _cloud_api(request: Recorded) -> Response:
    if request.headers.get("authorization") != f"Bearer {TOKEN}":
        return JSONResponse(_graph_error("Invalid OAuth access token.", 190), status_code=401)
    if request.path != f"/{VERSION}/{PHONE_NUMBER_ID}/messages":
        return JSONResponse(_graph_error("Unknown path components", 2500), status_code=400)
    to = request.json()["to"]
    return JSONResponse(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI"}],
        }
    )


@pytest.fixture(scope="module")
async def cloud_api() -> AsyncIterator[tuple[Scripted, str]]:
    api = Scripted(_cloud_api)
    async with serve_asgi(api) as base_url:
        yield api, base_url


@pytest.fixture
def api(cloud_api: tuple[Scripted, str]) -> Scripted:
    cloud_api[0].reset()
    return cloud_api[0]


@pytest.fixture
def settings(cloud_api: tuple[Scripted, str]) -> ChannelSettings:
    return ChannelSettings(
        _env_file=None,
        whatsapp_token=SecretStr(TOKEN),
        whatsapp_phone_number_id=PHONE_NUMBER_ID,
        whatsapp_api_base_url=cloud_api[1],
        whatsapp_api_version=VERSION,
        whatsapp_timeout_seconds=2,
    )


def _message(phone: str = "+49 (151) 234-5678", **extra: object) -> OutgoingMessage:
    return OutgoingMessage(
        recipient=WhatsAppRecipient(phone),
        subject="Termin bestätigt",
        text="Dienstag, 24. November 2026, 10:00",
        idempotency_key="outbox-7",
        **extra,  # type: ignore[arg-type]
    )


async def test_text_message(api: Scripted, settings: ChannelSettings) -> None:
    assert await send(_message(), settings) == "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI"
    assert len(api.requests) == 1
    request = api.requests[0]
    assert request.method == "POST"
    assert request.path == f"/{VERSION}/{PHONE_NUMBER_ID}/messages"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "491512345678",
        "biz_opaque_callback_data": "outbox-7",
        "type": "text",
        "text": {
            "preview_url": False,
            "body": "*Termin bestätigt*\n\nDienstag, 24. November 2026, 10:00",
        },
    }


async def test_template_message(api: Scripted, settings: ChannelSettings) -> None:
    template = WhatsAppTemplate(
        name="appointment_reminder",
        language="de",
        body_parameters=("Anna", "Dienstag, 24. November 2026, 10:00"),
    )
    await send_whatsapp(_message("0049 151 2345678", whatsapp_template=template), settings)
    body = api.requests[0].json()
    assert body["type"] == "template"
    assert "text" not in body
    assert body["to"] == "491512345678"
    assert body["template"] == {
        "name": "appointment_reminder",
        "language": {"code": "de"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Anna"},
                    {"type": "text", "text": "Dienstag, 24. November 2026, 10:00"},
                ],
            }
        ],
    }


async def test_429_is_retryable_with_retry_after_then_succeeds(
    api: Scripted, settings: ChannelSettings
) -> None:
    api.queue(429, _graph_error("(#130429) Rate limit hit", 130429), {"Retry-After": "3"})
    with pytest.raises(RetryableError) as caught:
        await send(_message(), settings)
    assert caught.value.retry_after == 3
    assert "(#130429) Rate limit hit (code 130429)" in caught.value.reason
    assert await send(_message(), settings) is not None
    assert len(api.requests) == 2


async def test_throttling_code_on_a_400_is_retryable(
    api: Scripted, settings: ChannelSettings
) -> None:
    # The Graph API reports a per-recipient rate limit as HTTP 400 with its own code.
    api.queue(
        400,
        _graph_error("(#131056) (Business Account, Consumer Account) pair rate limit hit", 131056),
    )
    with pytest.raises(RetryableError, match="131056"):
        await send(_message(), settings)


@pytest.mark.parametrize("status", [500, 503])
async def test_5xx_is_retryable(api: Scripted, settings: ChannelSettings, status: int) -> None:
    api.queue(status, {"error": {"message": "Service temporarily unavailable", "code": 999}})
    with pytest.raises(RetryableError, match=f"WhatsApp {status}"):
        await send(_message(), settings)


async def test_400_is_permanent_with_the_api_description(
    api: Scripted, settings: ChannelSettings
) -> None:
    api.queue(
        400,
        _graph_error(
            "(#131030) Recipient phone number not in allowed list",
            131030,
            "Recipient phone number not in allowed list: Add recipient "
            "phone number to recipient list and try again.",
        ),
    )
    with pytest.raises(PermanentError) as caught:
        await send(_message(), settings)
    assert not isinstance(caught.value, RetryableError)
    assert caught.value.reason == (
        "WhatsApp 400: (#131030) Recipient phone number not in allowed list (code 131030): "
        "Recipient phone number not in allowed list: Add recipient phone number to recipient "
        "list and try again."
    )


async def test_bad_token_is_permanent_and_not_leaked(
    api: Scripted, settings: ChannelSettings
) -> None:
    wrong = settings.model_copy(update={"whatsapp_token": SecretStr("EAAG-wrong-token")})
    with pytest.raises(PermanentError) as caught:
        await send(_message(), wrong)
    assert caught.value.reason == "WhatsApp 401: Invalid OAuth access token. (code 190)"
    assert "wrong-token" not in str(caught.value)


async def test_invalid_phone_fails_before_any_request(
    api: Scripted, settings: ChannelSettings
) -> None:
    for phone in ("", "12", "+0151234567", "phone", "+49 151 2345678 ext 5"):
        with pytest.raises(PermanentError, match="invalid WhatsApp phone number"):
            await send(_message(phone), settings)
    assert api.requests == []


async def test_unanswered_request_times_out_as_retryable(settings: ChannelSettings) -> None:
    async with silent_server() as port:
        slow = settings.model_copy(
            update={
                "whatsapp_api_base_url": f"http://127.0.0.1:{port}",
                "whatsapp_timeout_seconds": 0.3,
            }
        )
        async with asyncio.timeout(3):
            with pytest.raises(RetryableError, match=r"no response within 0\.3 s"):
                await send(_message(), slow)


async def test_not_configured() -> None:
    settings = ChannelSettings(_env_file=None, whatsapp_token=SecretStr(TOKEN))
    with pytest.raises(ChannelNotConfigured, match="PHONE_NUMBER_ID"):
        await send(_message(), settings)
