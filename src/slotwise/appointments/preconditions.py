"""Optimistic concurrency: the version a writer read, from ``If-Match`` or the body."""

from __future__ import annotations

import re

from slotwise.appointments.errors import (
    AmbiguousVersion,
    InvalidIfMatch,
    VersionMismatch,
    VersionRequired,
)

# "3", W/"3" or a bare 3; a list such as "3", "4" matches any of them.
_TAG = re.compile(r'^\s*(?:W/"(\d{1,10})"|"(\d{1,10})"|(\d{1,10}))\s*$')


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str) -> set[int]:
    versions = set()
    for part in header.split(","):
        match = _TAG.match(part)
        if match is None:
            raise InvalidIfMatch()
        versions.add(int(next(group for group in match.groups() if group)))
    return versions


def expected_versions(
    if_match: str | None, body_version: int | None, *, required: bool
) -> set[int] | None:
    """The versions the caller accepts, or ``None`` when it sent none (and none is required)."""
    versions = parse_if_match(if_match) if if_match is not None else None
    if body_version is not None:
        if versions is not None and body_version not in versions:
            raise AmbiguousVersion()
        versions = {body_version}
    if versions is None and required:
        raise VersionRequired()
    return versions


def check_version(current: int, expected: set[int] | None) -> None:
    if expected is not None and current not in expected:
        raise VersionMismatch(
            f"The appointment was changed meanwhile; the current version is {current}",
            headers={"ETag": etag(current)},
        )
