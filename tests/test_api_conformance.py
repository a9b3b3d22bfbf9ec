"""Schemathesis over the OpenAPI document, as a director, a worker and a client: no request,
valid or not, gets a 5xx, and every answer is one the document declares (status code,
content type, body).

Bounded and deterministic: a few examples per operation, derandomized generation with no
example database and no shrinking, and nothing of the server's answers (new ids, timestamps)
fed back into what is generated. Each operation starts from a fresh firm, so what one
operation wrote never steers another, and one operation run alone (`-k`) sees what it sees
in the whole run.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from slotwise.app import create_app
from slotwise.config import Settings
from tests.factories import World, add_appointment, add_connection
from tests.live_server import live_server
from tests.public.helpers import open_booking

ROLES = ("director", "worker", "client")

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 24,
        "generation": {
            "deterministic": True,
            "max-examples": 6,
            "no-shrink": True,
            "database": "none",
        },
        "phases": {
            # The coverage phase sends every boundary and negative variant of every
            # parameter: 100-200 requests per operation, minutes in all. A deeper run than
            # `make test` can afford is `schemathesis run` against /openapi.json.
            "coverage": {"enabled": False},
            "fuzzing": {
                "extra-data-sources": {"responses": False},
                "error-feedback": {"enabled": False},
            },
        },
    }
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# The document the server serves; building it needs no database.
_DOCUMENT = create_app(
    Settings(
        database_url="postgresql://unused@127.0.0.1/unused",
        secret_key="conformance-document-only-" * 2,
    )
).openapi()

schema = schemathesis.openapi.from_dict(_DOCUMENT, config=CONFIG).exclude(
    # An event stream does not end by itself: the call would wait for events forever. How a
    # stream starts (tokens, positions, the per-user cap) is tested in tests/realtime, the
    # public availability stream's in tests/public/test_stream_*.
    path=["/api/v1/events/stream", "/api/v1/public/{firm_slug}/availability/stream"],
)


@pytest.fixture(scope="module")
def base_url(settings: Settings) -> Iterator[str]:
    with live_server(settings) as url:
        yield url


@pytest.fixture
async def own_ids(app: FastAPI, world: World) -> dict[str, str]:
    """Ids of the firm's own records, put in place of generated ids so that calls get past
    the 404 of an unknown id into validation and the domain rules."""
    appointment = await add_appointment(
        app, world, workers=[world.specialist_a], client_id=world.client_id
    )
    connection = await add_connection(app, world)
    ids: dict[str, uuid.UUID] = {
        "connection_id": connection,
        "location_id": world.location_id,
        "workplace_id": world.workplace_id,
        "service_id": world.service_id,
        "specialist_id": world.specialist_a,
        "client_id": world.client_id,
        "appointment_id": appointment,
    }
    # The firm's public booking page is on, so that public calls reach the firm.
    await open_booking(app, world)
    return {"firm_slug": world.slug, **{name: str(value) for name, value in ids.items()}}


def _use_own_ids(case: schemathesis.Case[Any], ids: dict[str, str]) -> None:
    for values in (case.path_parameters, case.query):
        if values:
            for name in values.keys() & ids.keys():
                values[name] = ids[name]
    if isinstance(case.body, dict):
        body: dict[str, Any] = case.body
        # Only where an id was generated: a number or null there is a negative case to keep.
        for name in body.keys() & ids.keys():
            if isinstance(body[name], str):
                body[name] = ids[name]


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_conforms(
    case: schemathesis.Case[Any], base_url: str, world: World, own_ids: dict[str, str]
) -> None:
    # One firm per operation (hence the suppressed health check): the operation's examples
    # run in order on the same records, which makes a run repeatable. Valid input goes out
    # as every role (what each may do differs); invalid input only as the director, whom
    # no role check stops before the input is validated.
    _use_own_ids(case, own_ids)
    positive = case.meta is None or case.meta.generation.mode is GenerationMode.POSITIVE
    for role in ROLES if positive else ROLES[:1]:
        try:
            case.call_and_validate(base_url=base_url, headers=world.headers(role), checks=CHECKS)
        except Exception as failure:
            failure.add_note(f"(sent as the {role})")
            raise
