"""The guard for URLs that users give us: only public internet hosts, checked on registration
and again on connection, with real loopback servers to show what is (not) reached."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from slotwise.outbound import (
    AllowList,
    GuardedTransport,
    OutboundRefused,
    check_url,
    guarded_client,
    is_public,
    parse_host_port,
)
from tests.listeners import counting_listener
from tests.notifications.channels.tls import make_pki

NOT_PUBLIC = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "192.0.2.1",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "fec0::1",
    "ff02::1",
    "ff0e::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "::127.0.0.1",
    "2002:7f00:1::1",
    "2002:a9fe:a9fe::1",
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::1",
]
PUBLIC = [
    "8.8.8.8",
    "142.250.185.106",
    "2606:4700:4700::1111",
    "2a00:1450:4001:82b::200a",
    "::ffff:8.8.8.8",
    "2002:808:808::1",
    "64:ff9b::808:808",
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_addresses_outside_the_public_internet(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_allow_list_entries() -> None:
    allowed = AllowList.parse(["127.0.0.1:8443", "Push.Internal.Example.", "[::1]:5432", "fd00::7"])
    assert allowed.allows("127.0.0.1", 8443)
    assert not allowed.allows("127.0.0.1", 8444)
    assert allowed.allows("push.internal.example", 443)
    assert allowed.allows("PUSH.internal.example.", 8080)
    assert allowed.allows("0:0::1", 5432)
    assert allowed.allows("fd00:0::7", 1)
    assert not allowed.allows("localhost", 8443)
    assert parse_host_port("[::1]") == ("::1", None)
    for entry in ("", "host/path", "user@host", "host:port", "host?x", ":80"):
        with pytest.raises(ValueError):
            parse_host_port(entry)


REFUSED_URLS = [
    "https://127.0.0.1:6379/x",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]:5432/",
    "https://10.20.30.40/push",
    "https://localhost/push",
    "https://LOCALHOST./push",
    "https://push.localhost/push",
    "https://[::ffff:127.0.0.1]/push",
    "https://[::ffff:a9fe:a9fe]/latest",
    "https://0x7f000001/push",
    "https://2130706433/push",
    "https://127.1/push",
    "https://[64:ff9b::7f00:1]/push",
    "https://224.0.0.1/push",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
async def test_registration_refuses_internal_hosts(url: str) -> None:
    with pytest.raises(OutboundRefused):
        await check_url(url, AllowList(), timeout=5)


async def test_registration_lets_public_and_allowed_hosts_pass() -> None:
    await check_url("https://8.8.8.8/push", AllowList(), timeout=5)
    await check_url("https://[2606:4700:4700::1111]/push", AllowList(), timeout=5)
    # A name that does not resolve (RFC 6761 reserves .invalid) reaches nothing yet; the
    # connection is checked when it is made.
    await check_url("https://push.example.invalid/x", AllowList(), timeout=5)
    allowed = AllowList.parse(["127.0.0.1:6379", "localhost"])
    await check_url("https://127.0.0.1:6379/x", allowed, timeout=5)
    await check_url("https://localhost:1234/x", allowed, timeout=5)
    with pytest.raises(OutboundRefused):
        await check_url("https://127.0.0.1:6380/x", allowed, timeout=5)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "2130706433"])
async def test_a_refused_host_is_never_connected_to(host: str) -> None:
    async with counting_listener() as listener, guarded_client(AllowList()) as client:
        with pytest.raises(OutboundRefused):
            await client.post(f"http://{host}:{listener.port}/push", content=b"x")
        # Allowed, the same listener is reached: it does count connections.
        allowed = AllowList.parse([f"{host}:{listener.port}"])
        async with guarded_client(allowed) as trusting:
            with pytest.raises(httpx.TransportError):
                await trusting.post(f"http://{host}:{listener.port}/push", content=b"x")
    assert listener.accepted == 1


async def test_an_unresolvable_host_is_a_connect_error() -> None:
    async with guarded_client(AllowList()) as client:
        with pytest.raises(httpx.ConnectError, match=r"cannot resolve push\.example\.invalid"):
            await client.post("https://push.example.invalid/x", content=b"x")


@dataclass
class TlsServer:
    port: int
    server_names: list[str | None] = field(default_factory=list)
    requests: list[bytes] = field(default_factory=list)


@asynccontextmanager
async def tls_server(context: ssl.SSLContext) -> AsyncIterator[TlsServer]:
    """HTTPS on 127.0.0.1 answering 201 to everything; records the SNI and request heads."""
    state = TlsServer(port=0)

    def record_sni(sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        state.server_names.append(name)

    context.sni_callback = record_sni

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.requests.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    state.port = int(server.sockets[0].getsockname()[1])
    try:
        yield state
    finally:
        server.close()
        await server.wait_closed()


async def test_the_checked_address_is_connected_with_the_names_tls_and_host(
    tmp_path: Path,
) -> None:
    pki = make_pki(tmp_path)
    trust = ssl.create_default_context(cafile=str(pki.ca_file))
    async with tls_server(pki.server_context()) as server:
        allowed = AllowList.parse([f"localhost:{server.port}"])
        transport = GuardedTransport(allowed, trust)
        async with httpx.AsyncClient(transport=transport) as client:
            response = await client.post(f"https://localhost:{server.port}/push/a", content=b"x")
    assert response.status_code == 201
    assert server.server_names == ["localhost"]
    [head] = server.requests
    assert head.startswith(b"POST /push/a HTTP/1.1\r\n")
    assert f"\r\nhost: localhost:{server.port}\r\n".encode() in head.lower()


async def test_the_certificate_must_match_the_name(tmp_path: Path) -> None:
    # The certificate is for localhost and 127.0.0.1; asked for another name that resolves
    # to the same address, verification fails: TLS checks the name, not the address.
    pki = make_pki(tmp_path)
    trust = ssl.create_default_context(cafile=str(pki.ca_file))
    async with tls_server(pki.server_context()) as server:
        allowed = AllowList.parse([f"127.1:{server.port}"])
        async with httpx.AsyncClient(transport=GuardedTransport(allowed, trust)) as client:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await client.post(f"https://127.1:{server.port}/push/a", content=b"x")
    assert server.requests == []
