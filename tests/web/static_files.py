"""Reading the pages' static files over HTTP as a browser would: by the versioned URLs the
page and its modules name."""

from __future__ import annotations

import re

import httpx

# `from "/board/static/x.js?v=<hash>"` (or `import "..."`): a module's imports as served.
_IMPORT = re.compile(r'(?:from|import)\s+"(/board/static/[a-z0-9-]+\.js\?v=[0-9a-f]+)"')
_ENTRY = re.compile(r'<script type="module" src="(/board/static/[a-z0-9-]+\.js\?v=[0-9a-f]+)">')


def entry_point(page: str) -> str:
    """The versioned URL of the page's one module script."""
    found = _ENTRY.findall(page)
    assert len(found) == 1, found
    return str(found[0])


async def served_modules(client: httpx.AsyncClient, entry: str) -> set[str]:
    """The names of the modules that ``entry`` (a versioned URL) loads, itself included:
    each served as a script, under the URL it is imported by, to be kept for a year."""
    seen: dict[str, str] = {}
    waiting = [entry]
    while waiting:
        url = waiting.pop()
        name = url.removeprefix("/board/static/").split("?")[0]
        if name in seen:
            assert seen[name] == url, f"{name} is imported under two URLs"
            continue
        seen[name] = url
        module = await client.get(url)
        assert module.status_code == 200, name
        assert module.headers["content-type"].startswith("text/javascript"), name
        assert module.headers["cache-control"] == "public, max-age=31536000, immutable", name
        if name != "event-calendar.js":  # the bundle: no imports of its own
            assert not re.search(r'from "\./', module.text), f"{name}: an unversioned import"
            waiting.extend(_IMPORT.findall(module.text))
    return set(seen)
