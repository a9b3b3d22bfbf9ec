"""The shape of a language's catalog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slotwise.notifications.templates.context import MessageType


@dataclass(frozen=True, slots=True)
class Phrases:
    """``subject`` and ``intro`` are ``str.format`` patterns over ``{firm}``, ``{when}``
    and ``{lead}``; values are substituted (and escaped for HTML) by the renderer."""

    subject: str
    intro: str


@dataclass(frozen=True, slots=True)
class Catalog:
    # Monday first, as ``datetime.weekday()`` counts.
    weekdays: tuple[str, str, str, str, str, str, str]
    # The form used after a day number ("24 ноября", not "ноябрь").
    months: tuple[str, ...]
    # Over {weekday}, {day}, {month}, {year}, {time}.
    datetime_pattern: str
    # "1 hour" / "2 Stunden" / "через 5 часов": the form after "in" / "через".
    days: Callable[[int], str]
    hours: Callable[[int], str]
    minutes: Callable[[int], str]
    greeting: str
    greeting_anonymous: str
    when: str
    new_time: str
    previous_time: str
    service: str
    services: str
    specialist: str
    specialists: str
    location: str
    address: str
    client: str
    note: str
    open_link: str
    # The label of a client's manage link (see, move or cancel the appointment).
    manage_link: str
    footer: str
    messages: dict[MessageType, Phrases]
