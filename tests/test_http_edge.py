"""The HTTP edge over real connections: request bodies are bounded in size and in the time
they take (refused before anything reads them), every response says nosniff, and ``/`` leads
to the board."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx

from slotwise.config import Settings
from tests.factories import World
from tests.live_server import live_server
from tests.realtime.helpers import live, sse

MIB = 1024 * 1024


def _raw_exchange(url: str, request: bytes) -> tuple[int, dict[str, str], Any]:
    """Sends ``request`` as it is and reads the answer until the server closes the
    connection."""
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    received = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(request)
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.lower(): value.strip()
        for name, _, value in (line.partition(":") for line in header_lines)
    }
    return int(status_line.split()[1]), headers, json.loads(body)


def _head(method: str, path: str, *headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]
    return "\r\n".join(lines).encode()


def test_declared_oversized_body_is_refused_before_it_is_read(settings: Settings) -> None:
    assert Settings().max_body_bytes == MIB
    with live_server(settings) as url:
        # 60 MiB announced, 16 KiB sent: the answer comes although the rest never will, so
        # it was given without reading the body, and before authentication (no token here).
        status, headers, body = _raw_exchange(
            url,
            _head(
                "POST",
                "/api/v1/clients",
                "Content-Type: application/json",
                f"Content-Length: {60 * MIB}",
            )
            + b"x" * 16384,
        )
    assert status == 413
    assert body["code"] == "body_too_large"
    assert str(MIB) in body["message"]
    assert headers["connection"] == "close"
    assert headers["x-content-type-options"] == "nosniff"


def test_chunked_body_is_refused_once_past_the_limit(settings: Settings) -> None:
    chunk = b"x" * (64 * 1024)
    chunks = [chunk] * (MIB // len(chunk)) + [b"x"]  # one byte past the limit, no last chunk
    framed = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)
    with live_server(settings) as url:
        status, headers, body = _raw_exchange(
            url,
            _head(
                "POST",
                "/api/v1/auth/refresh",
                "Content-Type: application/json",
                "Transfer-Encoding: chunked",
            )
            + framed,
        )
    assert status == 413
    assert body["code"] == "body_too_large"
    assert headers["connection"] == "close"


def test_body_that_stops_arriving_gets_408(settings: Settings) -> None:
    with live_server(settings.model_copy(update={"body_read_timeout_seconds": 0.3})) as url:
        status, headers, body = _raw_exchange(
            url,
            _head(
                "POST",
                "/api/v1/auth/refresh",
                "Content-Type: application/json",
                "Content-Length: 100",
            )
            + b'{"refresh_token": "',
        )
    assert status == 408
    assert body["code"] == "body_timeout"
    assert headers["connection"] == "close"


async def test_a_body_up_to_the_limit_is_read(settings: Settings) -> None:
    with live_server(settings.model_copy(update={"max_body_bytes": 1000})) as url:
        async with httpx.AsyncClient(
            base_url=url, headers={"Content-Type": "application/json"}
        ) as http:
            token = "t" * (1000 - len('{"refresh_token": ""}'))
            at_limit = await http.post(
                "/api/v1/auth/refresh", content=json.dumps({"refresh_token": token})
            )
            over = await http.post(
                "/api/v1/auth/refresh", content=json.dumps({"refresh_token": token + "t"})
            )
    # Read and validated: the token is longer than any refresh token.
    assert at_limit.status_code == 422, at_limit.text
    assert at_limit.json()["details"][0]["loc"] == ["body", "refresh_token"]
    assert over.status_code == 413
    assert over.json()["code"] == "body_too_large"


async def test_event_stream_outlives_the_body_timeout(settings: Settings, world: World) -> None:
    # The read timeout covers the body only: a stream that lasts past it keeps running.
    with live(settings, body_read_timeout_seconds=0.2, realtime_keepalive_seconds=0.1) as server:
        async with sse(server.url, headers=world.headers("director")) as stream:
            # Each keepalive comes after 0.1 s of quiet (the server's clock): five of them
            # mean the stream lasted longer than the body timeout.
            for _ in range(5):
                assert (await stream.next()).comments == ["keepalive"]


async def test_every_response_says_nosniff(client: httpx.AsyncClient, world: World) -> None:
    responses = [
        await client.get("/healthz"),
        await client.get("/api/v1/me"),  # 401
        await client.get("/api/v1/me", headers=world.headers("director")),
        await client.get("/api/v1/nowhere"),  # 404
        await client.get(
            "/api/v1/clients", params={"limit": "x"}, headers=world.headers("director")
        ),  # 422
        await client.get("/openapi.json"),
        await client.get("/docs"),
        await client.get("/board"),
        await client.get("/board/static/board.js"),
        await client.post("/api/v1/auth/refresh", content=b"x" * (MIB + 1)),  # 413
    ]
    assert [r.status_code for r in responses] == [200, 401, 200, 404, 422, 200, 200, 200, 200, 413]
    for response in responses:
        assert response.headers.get_list("x-content-type-options") == ["nosniff"], response.url


async def test_root_leads_to_the_board(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/board"
