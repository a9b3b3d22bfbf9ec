"""An HTTP session for the caldav library that connects only to checked addresses.

The caldav library (1.x) does its HTTP with requests. A CalDAV URL is a user's, so, as in
:mod:`slotwise.outbound`, every connection must go to a public address or to a host on the
operator's :class:`AllowList`. Checking the URL once before the first request is not enough:
a redirect names another host, a reconnection resolves the name again (and DNS may answer
differently the second time). So the check sits where requests (through urllib3) opens a
socket: the connection resolves the host once, refuses the whole answer unless every address
is public (or the host and port are allowed), and connects to exactly the checked addresses.
TLS still checks the certificate against the host name, not the address.

The session also ignores the environment: a proxy from ``HTTPS_PROXY`` would connect on our
behalf to wherever it is told, unchecked.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from slotwise.outbound import AllowList, OutboundRefused, is_public


def checked_addresses(host: str, port: int, allowed: AllowList) -> list[str]:
    """The addresses ``host`` resolves to, each one public unless the host is allowed;
    ``OutboundRefused`` if any one is not (the connection would try them in turn)."""
    try:
        records = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NewConnectionError(None, f"Cannot resolve {host}: {exc}") from exc  # type: ignore[arg-type]
    addresses = list(dict.fromkeys(str(record[4][0]) for record in records))
    if allowed.allows(host, port):
        return addresses
    if not addresses or not all(is_public(ipaddress.ip_address(a)) for a in addresses):
        raise OutboundRefused()
    return addresses


class _GuardedConnection(HTTPConnection):
    allowed = AllowList()

    def _new_conn(self) -> socket.socket:
        # urllib3 connects to ``_dns_host`` (the name, also what ``host`` reads); for the
        # socket only, it is each checked address in turn, and the name again afterwards, so
        # TLS (which runs after this) verifies the certificate for the name.
        name = self._dns_host
        failure: Exception | None = None
        for address in checked_addresses(name.rstrip("."), self.port, self.allowed):
            self._dns_host = address
            try:
                return super()._new_conn()
            except (NewConnectionError, ConnectTimeoutError) as exc:
                failure = exc
            finally:
                self._dns_host = name
        assert failure is not None
        raise failure


class _GuardedHTTPSConnection(_GuardedConnection, HTTPSConnection):
    pass


class _GuardedAdapter(HTTPAdapter):
    """Pools whose connections are the guarded ones, bound to one allow list."""

    def __init__(self, allowed: AllowList) -> None:
        attributes = {"allowed": allowed}
        self._http = type("GuardedHTTP", (_GuardedConnection,), attributes)
        self._https = type("GuardedHTTPS", (_GuardedHTTPSConnection,), attributes)
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        http_pool = type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": self._http})
        https_pool = type(
            "GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": self._https}
        )
        self.poolmanager.pool_classes_by_scheme = {"http": http_pool, "https": https_pool}


def guarded_session(allowed: AllowList) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    adapter = _GuardedAdapter(allowed)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
