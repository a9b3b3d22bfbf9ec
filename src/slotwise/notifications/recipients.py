"""Where a message can go: the recipient's channels in order of preference, each with the
address it has there. A client's own preference comes first, then the configured default
order; channels that are not configured or for which the recipient has no address are
passed over, and the reasons are kept for the log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from slotwise.models import Notification, PushSubscription
from slotwise.notifications import lookups
from slotwise.notifications.channels import (
    Channel,
    EmailRecipient,
    PushRecipient,
    Recipient,
    TelegramRecipient,
    WhatsAppRecipient,
)
from slotwise.notifications.content import Facts
from slotwise.notifications.repository import BROWSER_KEY


@dataclass(frozen=True)
class Target:
    channel: Channel
    # One per browser for Web Push; one otherwise.
    recipients: tuple[Recipient, ...]
    address: str


@dataclass(frozen=True)
class Route:
    targets: list[Target]
    passed_over: list[str]


def channel_order(facts: Facts, default_order: list[str]) -> list[str]:
    preferred = list(facts.client.preferred_channels) if facts.client is not None else []
    return preferred + [name for name in default_order if name not in preferred]


async def _client_target(
    session: AsyncSession, row: Notification, facts: Facts, channel: Channel
) -> Target | None:
    client = facts.client
    if client is None or not client.is_active:
        return None
    name = f"{client.first_name} {client.last_name}".strip() or None
    if channel is Channel.EMAIL and client.email:
        return Target(channel, (EmailRecipient(client.email, name),), client.email)
    if channel is Channel.WHATSAPP and client.phone:
        return Target(channel, (WhatsAppRecipient(client.phone),), client.phone)
    if channel is Channel.TELEGRAM and client.telegram_id:
        return Target(channel, (TelegramRecipient(client.telegram_id),), client.telegram_id)
    if channel is Channel.WEBPUSH:
        subscriptions = await lookups.push_subscriptions(session, row.firm_id, client_id=client.id)
        return push_target(subscriptions)
    return None


async def _worker_target(
    session: AsyncSession, row: Notification, channel: Channel
) -> Target | None:
    assert row.specialist_id is not None
    user = await lookups.worker_user(session, row.firm_id, row.specialist_id)
    if user is None:
        return None
    if channel is Channel.EMAIL:
        return Target(channel, (EmailRecipient(user.email, user.full_name or None),), user.email)
    if channel is Channel.WEBPUSH:
        return push_target(await lookups.push_subscriptions(session, row.firm_id, user_id=user.id))
    return None


async def _one_browser(
    session: AsyncSession,
    row: Notification,
    facts: Facts,
    browser: str,
    configured: frozenset[Channel],
) -> Route:
    if Channel.WEBPUSH not in configured:
        return Route([], ["webpush: not configured"])
    client = facts.client
    if client is None or not client.is_active:
        return Route([], ["webpush: no address"])
    subscriptions = await lookups.push_subscriptions(session, row.firm_id, client_id=client.id)
    target = push_target([s for s in subscriptions if str(s.id) == browser])
    if target is None:
        return Route([], ["webpush: the browser unsubscribed"])
    return Route([target], [])


def push_target(subscriptions: Sequence[PushSubscription]) -> Target | None:
    browsers = tuple(PushRecipient(s.endpoint, s.p256dh, s.auth) for s in subscriptions)
    if not browsers:
        return None
    label = "1 browser" if len(browsers) == 1 else f"{len(browsers)} browsers"
    return Target(Channel.WEBPUSH, browsers, label)


async def route(
    session: AsyncSession,
    row: Notification,
    facts: Facts,
    *,
    default_order: list[str],
    configured: frozenset[Channel],
) -> Route:
    targets: list[Target] = []
    passed_over: list[str] = []
    browser = row.data.get(BROWSER_KEY)
    if browser is not None:
        return await _one_browser(session, row, facts, browser, configured)
    for name in channel_order(facts, default_order):
        try:
            channel = Channel(name)
        except ValueError:
            passed_over.append(f"{name}: unknown channel")
            continue
        if channel not in configured:
            passed_over.append(f"{name}: not configured")
            continue
        if row.recipient_kind == "client":
            target = await _client_target(session, row, facts, channel)
        else:
            target = await _worker_target(session, row, channel)
        if target is None:
            passed_over.append(f"{name}: no address")
            continue
        targets.append(target)
    return Route(targets, passed_over)
