"""The server runner: connections whose request headers never complete are closed."""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from slotwise.app import create_app
from slotwise.config import Settings
from slotwise.server import YOUNG_GENERATION_THRESHOLD, Server, build_server
from tests.live_server import free_port

# Only a bound for a test that went wrong; nothing here waits for it.
_GENEROUS = 60.0


@contextmanager
def _running(settings: Settings) -> Iterator[tuple[Server, int]]:
    port = free_port()
    server = build_server(create_app(settings), settings, "127.0.0.1", port, log_level="warning")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + _GENEROUS
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield server, port
    finally:
        server.should_exit = True
        thread.join(timeout=_GENEROUS)


def _read_response(sock: socket.socket) -> bytes:
    """One whole response (headers, then a body of its Content-Length): it may arrive in
    several segments, and what is left unread would look like a later answer."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(4096)
        assert chunk, f"closed mid-response: {received!r}"
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(4096)
        assert chunk, f"closed mid-body: {received!r}"
        body += chunk
    return head + b"\r\n\r\n" + body


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def test_a_connection_whose_headers_never_complete_is_closed(settings: Settings) -> None:
    # A long keep-alive: only the header deadline may close the kept-alive connection.
    fast = settings.model_copy(
        update={"http_header_timeout_seconds": 0.5, "http_keep_alive_seconds": 600}
    )
    with _running(fast) as (_, port):
        with socket.create_connection(("127.0.0.1", port), timeout=_GENEROUS) as complete:
            # A request whose headers did complete is answered (and its connection kept).
            complete.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _read_response(complete).startswith(b"HTTP/1.1 200")
            with socket.create_connection(("127.0.0.1", port), timeout=_GENEROUS) as slow:
                slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: abc")
                assert _read_until_closed(slow) == b""  # closed without an answer
            with socket.create_connection(("127.0.0.1", port), timeout=_GENEROUS) as silent:
                assert _read_until_closed(silent) == b""  # not even a request line
            # Opened before those two, the complete one outlived their deadlines: its own
            # ended with its headers.
            complete.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _read_response(complete).startswith(b"HTTP/1.1 200")
            # The next request on a kept-alive connection is held to the deadline too.
            complete.sendall(b"GET /healthz HTTP/1.1\r\nHo")
            assert _read_until_closed(complete) == b""


def test_the_serving_process_tunes_the_collector_once_started_and_create_app_does_not(
    settings: Settings,
) -> None:
    before = gc.get_threshold()  # another test's server may have tuned this process
    default = (700, 10, 10)
    gc.set_threshold(*default)
    try:
        create_app(settings)
        assert gc.get_threshold() == default  # tests build many apps: none tunes the process
        with _running(settings):
            assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD
            assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
