"""An HTTP session for the caldav library that connects only to checked addresses.

The caldav library does its HTTP with niquests (its default; requests is only its fallback
when niquests is missing). A CalDAV URL is a user's, so, as in :mod:`slotwise.outbound`, every
connection must go to a public address or to a host on the operator's :class:`AllowList`.
niquests resolves a host through a pluggable resolver and connects to exactly the addresses
the resolver returns; :class:`GuardedResolver` is that resolver: it resolves once, refuses the
whole answer unless every address is public, and hands the checked addresses on. Address
literals (``http://10.0.0.1/``) pass through it too, and so does every redirect and
reconnection, since each new connection resolves again.

The session also ignores the environment (a proxy from ``HTTPS_PROXY`` would connect on our
behalf to wherever it is told, unchecked) and does not speak HTTP/3: an ``Alt-Svc`` upgrade
needs nothing from us and is one path less to reason about.
"""

from __future__ import annotations

import ipaddress
import socket

import niquests
from niquests.packages.urllib3.contrib.resolver.system import SystemResolver

from slotwise.outbound import AllowList, OutboundRefused, is_public

_AddrInfo = tuple[
    socket.AddressFamily,
    socket.SocketKind,
    int,
    str | bytes,
    tuple[str, int] | tuple[str, int, int, int],
]


class GuardedResolver(SystemResolver):  # type: ignore[misc]
    """The system resolver, refusing (``OutboundRefused``) a host that has any address off
    the public internet, unless the host (and port) is on the allow list."""

    def __init__(self, allowed: AllowList) -> None:
        super().__init__()
        self._allowed = allowed

    def recycle(self) -> GuardedResolver:
        # niquests recycles a closed resolver by calling its class without arguments, which
        # would lose the allow list; this one holds nothing that closes.
        return self

    def getaddrinfo(
        self,
        host: bytes | str | None,
        port: str | int | None,
        family: socket.AddressFamily,
        type: socket.SocketKind,
        proto: int = 0,
        flags: int = 0,
        *,
        quic_upgrade_via_dns_rr: bool = False,
    ) -> list[_AddrInfo]:
        if host is None or port is None:
            raise OutboundRefused()
        name = host.decode("ascii") if isinstance(host, bytes) else host
        records: list[_AddrInfo] = socket.getaddrinfo(name, port, family, type, proto, flags)  # type: ignore[assignment]
        if self._allowed.allows(name, int(port)):
            return records
        # Every address, not only the first: the connection tries them in turn.
        if not records or not all(
            is_public(ipaddress.ip_address(str(record[4][0]))) for record in records
        ):
            raise OutboundRefused()
        return records


def guarded_session(allowed: AllowList) -> niquests.Session:
    session = niquests.Session(resolver=GuardedResolver(allowed), disable_http3=True)
    session.trust_env = False
    return session
