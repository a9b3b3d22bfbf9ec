"""Fixtures of the notification tests: a local SMTP server and a delivery runtime on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from slotwise.config import Settings
from slotwise.notifications.delivery import DeliveryRuntime
from tests.jobs.support import SmtpSink, runtime_for, smtp_sink


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with smtp_sink() as running:
        yield running


@pytest.fixture
def runtime(app: FastAPI, settings: Settings, sink: SmtpSink) -> DeliveryRuntime:
    return runtime_for(app, settings, sink.channel_settings())
