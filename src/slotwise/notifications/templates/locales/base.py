"""The shape of a language's catalog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slotwise.notifications.templates.context import MessageType


@dataclass(frozen=True, slots=True)
class Phrases:
    """``subject`` and ``intro`` are ``str.format`` patterns over ``{firm}``, ``{when}``,
    ``{lead}`` and ``{code}`` (the operators' notices: ``{firm}``, ``{when}``,
    ``{connection}`` and ``{kind}``); values are substituted (and escaped for HTML) by the
    renderer."""

    subject: str
    intro: str


@dataclass(frozen=True, slots=True)
class NoticeWords:
    """The words of the notices to a firm's operators (owners and directors) about its
    connections to external systems."""

    # What each connection kind is called ("yclients" → "YClients").
    kinds: dict[str, str]
    connection: str
    kind: str
    reason: str
    # The reason exactly as the poller recorded it (English, technical).
    details: str
    failing_since: str
    what_to_do: str
    # Why a connection fails, for a person: the credentials were refused, or anything else.
    credentials_refused: str
    unusable_answers: str
    check_credentials: str
    # Over {kind}.
    external_record: str
    record_id: str
    in_slotwise: str
    how_it_resolves: str
    # Over {kind}: the other system's name.
    conflict_resolves: str
    # The labels of the link to the connection on the connections page, and to its conflicts.
    open_connection: str
    open_conflicts: str
    # Over {firm}.
    footer: str


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
    notices: NoticeWords
