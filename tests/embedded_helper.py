"""Child process for tests/test_embedded.py: holds the embedded server until it is signalled.

Usage: python embedded_helper.py MODE DATA_DIR [UDS]
  sleep    the product's `slotwise.cli.database` (stop signals, embedded server) around a
           sleep loop
  uvicorn  `slotwise.cli.database` around uvicorn.run (serving on the Unix socket UDS)
  plain    EmbeddedPostgres.start() with no signal handling at all
Prints "URL <url>" once the server is usable and, for uvicorn, "SERVING" once uvicorn has
installed its own signal handlers.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

from slotwise.cli import database
from slotwise.config import Settings
from slotwise.embedded.server import EmbeddedPostgres


def _announce(url: str) -> None:
    print(f"URL {url}", flush=True)


def _sleep_forever(url: str) -> None:
    _announce(url)
    while True:
        time.sleep(0.1)


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
                print("SERVING", flush=True)
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    elif scope["type"] == "http":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def embedded_settings(data_dir: Path) -> Settings:
    """Settings that make `slotwise.cli.database` run the embedded server in ``data_dir``,
    whatever the environment says."""
    return Settings(database_url=None, data_dir=data_dir)


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    mode, data_dir = sys.argv[1], Path(sys.argv[2])
    if mode == "sleep":
        with database(embedded_settings(data_dir)) as url:
            _sleep_forever(url)
    elif mode == "uvicorn":
        import uvicorn

        uds = sys.argv[3]
        with database(embedded_settings(data_dir)) as url:
            _announce(url)
            uvicorn.run(_app, uds=uds, log_level="warning", lifespan="on")
    elif mode == "plain":
        server = EmbeddedPostgres(data_dir)
        _sleep_forever(server.start())
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
