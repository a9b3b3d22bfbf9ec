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
    TelegramRecipient,
    send,
    send_telegram,
)
from tests.notifications.channels.servers import (
    Recorded,
    Scripted,
    closed_port,
    serve_asgi,
    silent_server,
)

TOKEN = "123456:AAE-test-token_secret"


async def _bot_api(request: Recorded) -> Response:
    if request.path != f"/bot{TOKEN}/sendMessage":
        return JSONResponse(
            {"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401
        )
    return JSONResponse({"ok": True, "result": {"message_id": 77, "chat": {"id": 1}}})


@pytest.fixture(scope="module")
async def bot_api() -> AsyncIterator[tuple[Scripted, str]]:
    api = Scripted(_bot_api)
    async with serve_asgi(api) as base_url:
        yield api, base_url


@pytest.fixture
def api(bot_api: tuple[Scripted, str]) -> Scripted:
    bot_api[0].reset()
    return bot_api[0]


@pytest.fixture
def settings(bot_api: tuple[Scripted, str]) -> ChannelSettings:
    return ChannelSettings(
        _env_file=None,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=bot_api[1] + "/",
        telegram_timeout_seconds=2,
    )


def _message(
    chat_id: str = "424242", text: str = "Anna <script>alert(1)</script> & co"
) -> OutgoingMessage:
    return OutgoingMessage(
        recipient=TelegramRecipient(chat_id),
        subject="Termin <bestätigt>",
        text=text,
        idempotency_key="outbox-1",
    )


async def test_send_message_with_html_parse_mode(api: Scripted, settings: ChannelSettings) -> None:
    assert await send(_message(), settings) == "77"
    assert len(api.requests) == 1
    request = api.requests[0]
    assert request.method == "POST"
    assert request.path == f"/bot{TOKEN}/sendMessage"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "chat_id": 424242,
        "text": "<b>Termin &lt;bestätigt&gt;</b>\n\nAnna &lt;script&gt;alert(1)&lt;/script&gt;"
        " &amp; co",
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }


async def test_channel_username_and_negative_group_ids(
    api: Scripted, settings: ChannelSettings
) -> None:
    await send_telegram(_message("@slotwise_news"), settings)
    await send_telegram(_message("-1001234567890"), settings)
    assert [r.json()["chat_id"] for r in api.requests] == ["@slotwise_news", -1001234567890]


async def test_429_is_retryable_with_retry_after_then_succeeds(
    api: Scripted, settings: ChannelSettings
) -> None:
    api.queue(
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 5",
            "parameters": {"retry_after": 5},
        },
    )
    with pytest.raises(RetryableError) as caught:
        await send(_message(), settings)
    assert caught.value.retry_after == 5
    assert "Too Many Requests" in caught.value.reason
    assert await send(_message(), settings) == "77"
    assert len(api.requests) == 2
    assert api.requests[0].json() == api.requests[1].json()


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (400, "Bad Request: chat not found"),
        (403, "Forbidden: bot was blocked by the user"),
    ],
)
async def test_other_4xx_is_permanent_with_the_description(
    api: Scripted, settings: ChannelSettings, status: int, description: str
) -> None:
    api.queue(status, {"ok": False, "error_code": status, "description": description})
    with pytest.raises(PermanentError) as caught:
        await send(_message(), settings)
    assert not isinstance(caught.value, RetryableError)
    assert caught.value.reason == f"Telegram {status}: {description}"


@pytest.mark.parametrize("status", [500, 502])
async def test_5xx_is_retryable(api: Scripted, settings: ChannelSettings, status: int) -> None:
    api.queue(status, {"ok": False, "error_code": status, "description": "Bad Gateway"})
    with pytest.raises(RetryableError) as caught:
        await send(_message(), settings)
    assert caught.value.retry_after is None


async def test_wrong_token_is_permanent_and_never_leaks_the_token(
    api: Scripted, settings: ChannelSettings
) -> None:
    wrong = settings.model_copy(update={"telegram_bot_token": SecretStr("999:wrong-token")})
    with pytest.raises(PermanentError) as caught:
        await send(_message(), wrong)
    assert caught.value.reason == "Telegram 401: Unauthorized"
    assert "wrong-token" not in str(caught.value)


async def test_invalid_chat_id_fails_before_any_request(
    api: Scripted, settings: ChannelSettings
) -> None:
    for chat_id in ("", "12a", "@x", "1; DROP"):
        with pytest.raises(PermanentError, match="invalid Telegram chat id"):
            await send(_message(chat_id), settings)
    assert api.requests == []


async def test_long_text_is_cut_below_the_api_limit(
    api: Scripted, settings: ChannelSettings
) -> None:
    await send(_message(text="<" * 5000), settings)
    sent = api.requests[0].json()["text"]
    assert sent.endswith("…")
    # Telegram counts the text after entity parsing: "&lt;" is one character there.
    shown = sent.replace("&lt;", "<").replace("<b>", "").replace("</b>", "")
    assert len(shown) <= 4096


async def test_unanswered_request_times_out_as_retryable(settings: ChannelSettings) -> None:
    async with silent_server() as port:
        slow = settings.model_copy(
            update={
                "telegram_api_base_url": f"http://127.0.0.1:{port}",
                "telegram_timeout_seconds": 0.3,
            }
        )
        with pytest.raises(RetryableError, match=r"no response within 0\.3 s"):
            async with asyncio.timeout(3):
                await send(_message(), slow)


async def test_connection_refused_is_retryable_without_the_token(settings: ChannelSettings) -> None:
    down = settings.model_copy(
        update={"telegram_api_base_url": f"http://127.0.0.1:{closed_port()}"}
    )
    with pytest.raises(RetryableError) as caught:
        await send(_message(), down)
    assert TOKEN not in caught.value.reason


async def test_not_configured() -> None:
    with pytest.raises(ChannelNotConfigured):
        await send(_message(), ChannelSettings(_env_file=None))
