"""The pages' static files under versioned URLs, so a browser keeps them until they change.

Every page module, style sheet and the icon is addressed as ``/board/static/<name>?v=<hash>``,
where the hash covers the file and every module it imports, directly or not. A module's
imports of the others (``from "./x.js"``) are rewritten to those URLs, so its URL changes
when anything it imports does.
A URL with the current hash is cached for a year without asking again; without it (or with
an old one) the file is revalidated on every use. A warm page load then asks for no static
file at all instead of revalidating each module, one import level after another.

The files are package data and do not change while the server runs: each is read once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# `from "./x.js"` and `import "./x.js"`: how the page modules import each other.
_IMPORT = re.compile(r'((?:from|import)\s+")\./([\w.-]+\.js)(")')
PREFIX = "/board/static/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Asset:
    body: bytes
    version: str  # a hash of the file and of everything it imports, as written

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


class Assets:
    """The served files: ``path_of`` maps each name to where it is read from."""

    def __init__(self, path_of: dict[str, Path]) -> None:
        self._path_of = path_of

    def known(self, name: str) -> bool:
        return name in self._path_of

    def url(self, name: str) -> str:
        """Its versioned URL; unversioned when it is missing (a page still renders and says
        what is wrong, and the file's own URL answers that it is not built)."""
        try:
            return f"{PREFIX}{name}?v={self._version(name)}"
        except FileNotFoundError:
            return f"{PREFIX}{name}"

    def imports(self, name: str) -> tuple[str, ...]:
        """Every module of ours that ``name`` imports, directly or not, in first-found order
        (modules may import each other in a cycle); those missing are left out."""
        try:
            return self._imports(name)
        except FileNotFoundError:
            return ()

    @cache  # noqa: B019 - one Assets per process, for its whole life
    def get(self, name: str) -> Asset:
        """The file as served. Raises FileNotFoundError when it is missing (a file that
        ``make web`` builds, in a checkout where it has not run)."""
        raw = self._raw(name)
        if not name.endswith(".js"):
            return Asset(raw, self._version(name))

        def versioned(match: re.Match[str]) -> str:
            module = match.group(2)
            if not self.known(module):
                return match.group(0)
            return f"{match.group(1)}{self.url(module)}{match.group(3)}"

        body = _IMPORT.sub(versioned, raw.decode("utf-8")).encode("utf-8")
        return Asset(body, self._version(name))

    @cache  # noqa: B019
    def _raw(self, name: str) -> bytes:
        return self._path_of[name].read_bytes()  # FileNotFoundError: not built

    @cache  # noqa: B019
    def _version(self, name: str) -> str:
        """A hash of the file and of all it imports, as written: what it serves (with the
        imports' versions in it) is made from exactly these."""
        digest = hashlib.sha256()
        for part in sorted({name, *self._imports(name)}):
            digest.update(part.encode() + b"\0" + self._raw(part) + b"\0")
        return digest.hexdigest()[:16]

    @cache  # noqa: B019
    def _imports(self, name: str) -> tuple[str, ...]:
        self._raw(name)  # FileNotFoundError when it is missing itself
        found: list[str] = []
        waiting = self._direct(name)
        while waiting:
            module = waiting.pop(0)
            if module != name and module not in found:
                found.append(module)
                waiting.extend(self._direct(module))
        return tuple(found)

    def _direct(self, name: str) -> list[str]:
        """The modules of ours that ``name`` imports and that are there."""
        if not name.endswith(".js"):
            return []
        found = []
        for match in _IMPORT.finditer(self._raw(name).decode("utf-8")):
            module = match.group(2)
            if self.known(module) and module not in found:
                try:
                    self._raw(module)
                except FileNotFoundError:
                    continue
                found.append(module)
        return found
