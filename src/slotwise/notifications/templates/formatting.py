"""Dates, times and durations as each language writes them, in the location's zone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slotwise.notifications.templates.locales import CATALOGS, DEFAULT_LOCALE, Catalog

EN_DASH = "\u2013"
_LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(?:[-_].*)?$")


def normalize_locale(value: str | None) -> str | None:
    """The supported language of a locale tag (``de-AT``, ``de_AT``, ``DE`` → ``de``)."""
    if not value:
        return None
    match = _LANGUAGE.match(value.strip())
    if match is None:
        return None
    language = match.group(1).lower()
    return language if language in CATALOGS else None


def resolve_locale(*candidates: str | None) -> str:
    """The first supported language among the candidates (the client's locale, then the
    firm's default), else English."""
    for candidate in candidates:
        language = normalize_locale(candidate)
        if language is not None:
            return language
    return DEFAULT_LOCALE


def format_time(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    text = f"{local.hour:02d}:{local.minute:02d}"
    # In the hour a DST change repeats, "02:30" happens twice: say which one.
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() != local.utcoffset():
        text += f" {local.tzname()}"
    return text


def format_datetime(moment: datetime, zone: ZoneInfo, catalog: Catalog) -> str:
    local = moment.astimezone(zone)
    return catalog.datetime_pattern.format(
        weekday=catalog.weekdays[local.weekday()],
        day=local.day,
        month=catalog.months[local.month - 1],
        year=local.year,
        time=format_time(moment, zone),
    )


def format_span(start: datetime, end: datetime | None, zone: ZoneInfo, catalog: Catalog) -> str:
    """``Tuesday, 24 November 2026, 10:00-10:45`` (with an en dash); an end on another
    local day is written out in full."""
    first = format_datetime(start, zone, catalog)
    if end is None:
        return first
    if end.astimezone(zone).date() == start.astimezone(zone).date():
        return f"{first}{EN_DASH}{format_time(end, zone)}"
    return f"{first} {EN_DASH} {format_datetime(end, zone, catalog)}"


def format_lead(lead: timedelta, catalog: Catalog) -> str:
    """How long until the start, in the form that follows "in" / "через": whole days from
    two days up, else hours and minutes (at least one minute)."""
    minutes = max(1, round(lead.total_seconds() / 60))
    if minutes >= 2 * 1440 and minutes % 1440 == 0:
        return catalog.days(minutes // 1440)
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(catalog.hours(hours))
    if rest:
        parts.append(catalog.minutes(rest))
    return " ".join(parts)
