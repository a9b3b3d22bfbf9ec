"""The headers of our HTML pages (the board and the API docs): one strict policy for both."""

from __future__ import annotations

import base64
import hashlib


def page_headers(
    *,
    inline_scripts: tuple[str, ...] = (),
    data_images: bool = False,
    embeddable: bool = False,
    installable: bool = False,
) -> dict[str, str]:
    """Everything a page loads comes from this origin, and no inline script or style runs
    except the listed scripts, allowed by their hash: a name or note that slipped into the
    markup could not execute even if it were not escaped. ``data_images`` admits ``data:``
    images too (an image cannot run script). ``embeddable``: any site may show the page in a
    frame (the public booking pages, made to sit in a firm's own website); every other page
    refuses to be framed. ``installable``: the page names its web app manifest and registers
    a service worker (both from this origin)."""
    scripts = " ".join(["'self'", *(_hash_source(script) for script in inline_scripts)])
    images = "'self' data:" if data_images else "'self'"
    ancestors = "*" if embeddable else "'none'"
    app = " manifest-src 'self'; worker-src 'self';" if installable else ""
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src {scripts}; style-src 'self'; "
            f"connect-src 'self'; img-src {images}; form-action 'none';{app} "
            f"frame-ancestors {ancestors}; base-uri 'none'"
        ),
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def _hash_source(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"
