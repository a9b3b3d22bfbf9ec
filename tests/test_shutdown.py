"""Stopping ``slotwise serve`` with event streams open: they end at once and cleanly."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from slotwise.config import Settings
from slotwise.realtime.ws import CLOSE_RESTART
from tests.factories import World
from tests.live_server import free_port
from tests.public.stream_helpers import go_public, public_stream
from tests.realtime.helpers import recv, sse, subscribe, ws
from tests.test_cli import SLOTWISE, _env, _wait_healthy

pytestmark = pytest.mark.slow

# Only bounds for a test that went wrong; nothing here waits for them.
_GENEROUS = 60.0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
async def test_a_stop_signal_ends_open_streams_at_once_and_exits_cleanly(
    client: httpx.AsyncClient,
    settings: Settings,
    world: World,
    tmp_path: Path,
    sig: signal.Signals,
) -> None:
    await go_public(client, world)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [*SLOTWISE, "serve", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_env(
                SLOTWISE_DATABASE_URL=str(settings.database_url),
                SLOTWISE_SECRET_KEY=str(settings.secret_key),
                SLOTWISE_DATA_DIR=str(settings.data_dir),
            ),
        )
        try:
            await asyncio.to_thread(_wait_healthy, base, proc)
            headers = world.headers("director")
            async with (
                sse(base, headers=headers) as stream,
                ws(base, headers=headers) as conn,
                public_stream(base, world) as page,
            ):
                await subscribe(conn, "board")
                proc.send_signal(sig)
                async with asyncio.timeout(_GENEROUS):
                    for reader in (stream, page.reader):
                        with pytest.raises(EOFError):
                            while True:  # keepalives, then the end of the stream
                                await reader.next(timeout=_GENEROUS)
                    with pytest.raises(ConnectionClosed) as closed:
                        await recv(conn, timeout=_GENEROUS)
                assert closed.value.rcvd is not None
                assert closed.value.rcvd.code == CLOSE_RESTART
            assert await asyncio.to_thread(proc.wait, _GENEROUS) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    output = log_path.read_text()
    assert "Traceback" not in output, output
    assert "Exception in ASGI application" not in output, output
    # Streams still open after uvicorn's grace are cancelled with this error: they ended
    # before it.
    assert "timeout graceful shutdown exceeded" not in output, output
