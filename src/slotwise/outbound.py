"""Requests to URLs that users gave us (Web Push endpoints; later calendars and webhooks).

Such a URL may only lead to the public internet, never to the server's own machine or network:
otherwise any user could make the server talk to its database port, a cloud metadata service
(169.254.169.254) or an internal admin page, and learn from the outcome what listens there.
So a host that is, or resolves to, a loopback, private, shared, link-local, multicast, reserved
or unspecified address is refused — also when it is spelled as an IPv4-mapped, 6to4 or NAT64
IPv6 address or as ``0x7f000001``.

The check runs when a URL is registered (:func:`check_url`, so the user hears about it at once)
and again on every connection (:class:`GuardedTransport`), because a name may resolve elsewhere
by then. The transport resolves the name once, checks every address and connects to a checked
address itself, so nothing resolves the name again in between; TLS (SNI and the certificate)
and the ``Host`` header still use the name. Hosts in an operator's :class:`AllowList` skip the
address check only (a push service inside the company network, the tests' local servers).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import ssl
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_DEFAULT_PORTS = {"https": 443, "http": 80}
# RFC 6052: the well-known NAT64 prefix carries the IPv4 address in its last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# RFC 8215: NAT64 prefixes for local use; where they lead is the local network's business.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


class OutboundRefused(Exception):
    """The URL's host is, or resolves to, an address outside the public internet. Callers show
    one fixed text for every refusal, so the outcome tells nothing about what is there."""


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is on the public internet, judging IPv6 forms that carry an IPv4
    address by the address they carry."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = address.ipv4_mapped or address.sixtofour
        if carried is None and address in _NAT64:
            carried = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if carried is not None:
            return is_public(carried)
        if address in _LOCAL_NAT64 or address.is_site_local:
            return False
    # ``is_global`` alone lets multicast through (224.0.0.0/4 is "global" to Python 3.11).
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_private
    )


def _normal_host(host: str) -> str:
    host = host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_host_port(entry: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]``, ``[v6]:port`` or a bare IPv6 address, as
    (normalised host, port or ``None`` for any port). Raises ``ValueError``."""
    entry = entry.strip()
    if entry.count(":") > 1 and not entry.startswith("["):
        host, port = entry, None
    else:
        parts = urlsplit(f"//{entry}")
        if parts.path or parts.query or parts.fragment or parts.username is not None:
            raise ValueError(f"not a host[:port]: {entry!r}")
        host, port = parts.hostname or "", parts.port
    host = _normal_host(host)
    if not host:
        raise ValueError(f"not a host[:port]: {entry!r}")
    return host, port


def split_host_list(value: object) -> object:
    """A setting's value as a list: a JSON list, or hosts separated by commas or spaces."""
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith("["):
        return json.loads(value)
    return value.replace(",", " ").split()


@dataclass(frozen=True)
class AllowList:
    """Hosts that skip the check: a host alone allows every port, ``host:port`` one port."""

    entries: frozenset[tuple[str, int | None]] = frozenset()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        return cls(frozenset(parse_host_port(entry) for entry in entries))

    def allows(self, host: str, port: int) -> bool:
        host = _normal_host(host)
        return (host, None) in self.entries or (host, port) in self.entries


async def _resolve(host: str, port: int) -> list[IPAddress] | None:
    """Every address of ``host`` (an address literal is its own), or ``None`` when it does
    not resolve. The resolver runs in a thread: a slow DNS server must not stall the loop."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (socket.gaierror, UnicodeError):
        return None
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    return list(dict.fromkeys(addresses)) or None


def _is_localhost(host: str) -> bool:
    # RFC 6761: these names mean this machine, whatever a resolver makes of the spelling.
    host = _normal_host(host)
    return host == "localhost" or host.endswith(".localhost")


def _require_public(addresses: list[IPAddress]) -> None:
    # All of them: a name with one public and one internal address would otherwise reach
    # the internal one whenever the connection happens to use it.
    if not all(is_public(address) for address in addresses):
        raise OutboundRefused()


def _host_and_port(url: httpx.URL) -> tuple[str, int]:
    port = url.port or _DEFAULT_PORTS.get(url.scheme)
    if not url.host or port is None:
        raise OutboundRefused()
    return url.host, port


async def check_url(url: str, allowed: AllowList, *, timeout: float) -> None:
    """Raises :class:`OutboundRefused` unless ``url``'s host is allowed or every address it
    resolves to now is public. A name that does not resolve within ``timeout`` passes: it can
    do no harm before it resolves, and the connection is checked again anyway."""
    try:
        host, port = _host_and_port(httpx.URL(url))
    except httpx.InvalidURL:
        raise OutboundRefused() from None
    if allowed.allows(host, port):
        return
    if _is_localhost(host):
        raise OutboundRefused()
    try:
        async with asyncio.timeout(timeout):
            addresses = await _resolve(host, port)
    except TimeoutError:
        return
    if addresses is not None:
        _require_public(addresses)


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that connects only to checked public addresses (see the module).
    A redirect, if the client follows one, comes through here again and is checked too.

    Raises :class:`OutboundRefused` before connecting anywhere, and ``httpx.ConnectError``
    when the host does not resolve."""

    def __init__(self, allowed: AllowList, verify: ssl.SSLContext) -> None:
        self._allowed = allowed
        self._inner = httpx.AsyncHTTPTransport(verify=verify)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host, port = _host_and_port(request.url)
        allowed = self._allowed.allows(host, port)
        if not allowed and _is_localhost(host):
            raise OutboundRefused()
        addresses = await _resolve(host, port)
        if addresses is None:
            raise httpx.ConnectError(f"cannot resolve {host}", request=request)
        if not allowed:
            _require_public(addresses)
        extensions = dict(request.extensions)
        if not _is_address(host):
            extensions["sni_hostname"] = host
        failure: httpx.ConnectError | None = None
        for address in addresses:
            # The request keeps its headers (``Host`` names the original host); only where
            # the socket connects changes.
            pinned = httpx.Request(
                request.method,
                request.url.copy_with(host=str(address)),
                headers=request.headers,
                stream=request.stream,
                extensions=extensions,
            )
            try:
                return await self._inner.handle_async_request(pinned)
            except httpx.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def aclose(self) -> None:
        await self._inner.aclose()


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


@asynccontextmanager
async def guarded_client(allowed: AllowList) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client for user-given URLs: guarded connections, no proxy from the
    environment (a proxy would connect on our behalf, unchecked), no redirects followed."""
    # Loading the CA bundle takes a fifth of a second: once, and not on the event loop.
    verify = await asyncio.to_thread(_tls_context)
    async with httpx.AsyncClient(
        transport=GuardedTransport(allowed, verify), trust_env=False, follow_redirects=False
    ) as client:
        yield client
