"""The lock file make installs from holds every dependency pyproject.toml declares, at a
version the declaration accepts and with its hashes: a dependency added without
`make lock` fails here, not on a fresh machine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins: dict[str, str] = {}
    for line in text.splitlines():
        match = PIN.match(line)
        if match:
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [
        Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    ]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = _locked()
    assert pins, "requirements.lock pins nothing"
    wrong = {
        str(req): pins.get(canonicalize_name(req.name))
        for req in _declared()
        if (req.marker is None or req.marker.evaluate())
        and not req.specifier.contains(pins.get(canonicalize_name(req.name), "0"), prereleases=True)
    }
    assert wrong == {}, f"run `make lock`: {wrong}"


def test_every_pin_carries_hashes() -> None:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text)
    unhashed = [e.split()[0] for e in entries if PIN.match(e) and "--hash=sha256:" not in e]
    assert unhashed == []
