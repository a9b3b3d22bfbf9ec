"""The headers of our HTML pages (the board and the API docs): one strict policy for both."""

from __future__ import annotations

import base64
import hashlib


def page_headers(
    *, inline_scripts: tuple[str, ...] = (), data_images: bool = False
) -> dict[str, str]:
    """Everything a page loads comes from this origin, and no inline script or style runs
    except the listed scripts, allowed by their hash: a name or note that slipped into the
    markup could not execute even if it were not escaped. ``data_images`` admits ``data:``
    images too (an image cannot run script)."""
    scripts = " ".join(["'self'", *(_hash_source(script) for script in inline_scripts)])
    images = "'self' data:" if data_images else "'self'"
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src {scripts}; style-src 'self'; "
            f"connect-src 'self'; img-src {images}; form-action 'none'; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def _hash_source(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"
