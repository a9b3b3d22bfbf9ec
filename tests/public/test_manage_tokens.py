"""Manage tokens: signed, expiring, and refused when altered or made with another secret."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from slotwise.config import Settings
from slotwise.manage_links import (
    ManageLinkExpired,
    ManageLinkInvalid,
    issue_manage_token,
    manage_token,
    manage_url,
    read_manage_token,
)
from slotwise.records import AppointmentOut

SECRET = "a-secret-that-is-long-enough-for-hs256-signatures"
END = datetime(2031, 3, 5, 10, 30, tzinfo=UTC)


def _token(**overrides: object) -> str:
    values: dict[str, object] = {
        "appointment_id": uuid.uuid4(),
        "firm_id": uuid.uuid4(),
        "end_at": END,
        "secret": SECRET,
    }
    values.update(overrides)
    return issue_manage_token(**values)  # type: ignore[arg-type]


def test_a_token_names_its_appointment_and_firm_until_days_after_the_end() -> None:
    appointment_id, firm_id = uuid.uuid4(), uuid.uuid4()
    token = issue_manage_token(appointment_id, firm_id, END, secret=SECRET, days_after_end=30)
    claims = read_manage_token(token, secret=SECRET, now=END)
    assert (claims.appointment_id, claims.firm_id) == (appointment_id, firm_id)
    assert claims.expires_at == END + timedelta(days=30)
    # Still valid a second before; expired from the instant itself.
    read_manage_token(token, secret=SECRET, now=END + timedelta(days=30, seconds=-1))
    with pytest.raises(ManageLinkExpired) as expired:
        read_manage_token(token, secret=SECRET, now=END + timedelta(days=30))
    assert (expired.value.status_code, expired.value.code) == (410, "manage_link_expired")


def test_the_default_window_is_thirty_days() -> None:
    claims = read_manage_token(_token(), secret=SECRET, now=END)
    assert claims.expires_at == END + timedelta(days=30)


def _payload(token: str) -> dict[str, object]:
    body = token.split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return decoded


def _reencode(token: str, payload: dict[str, object]) -> str:
    head, _, signature = token.split(".")
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{head}.{body}.{signature}"


def test_altered_and_foreign_tokens_are_invalid() -> None:
    token = _token()
    payload = _payload(token)
    other_appointment = _reencode(token, {**payload, "sub": str(uuid.uuid4())})
    later = _reencode(token, {**payload, "exp": int(payload["exp"]) + 86400})  # type: ignore[call-overload]
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    other_secret = _token(secret="another-secret-that-is-long-enough-for-hs256")
    other_kind = jwt.encode({**payload, "typ": "set_password"}, SECRET, algorithm="HS256")
    unsigned = jwt.encode(payload, None, algorithm="none")  # type: ignore[arg-type]
    for bad in (
        other_appointment,
        later,
        flipped,
        other_secret,
        other_kind,
        unsigned,
        "",
        "x",
        token + "x",
    ):
        with pytest.raises(ManageLinkInvalid) as invalid:
            read_manage_token(bad, secret=SECRET, now=END)
        assert (invalid.value.status_code, invalid.value.code) == (404, "manage_link_invalid")


def test_an_expired_forgery_is_invalid_not_expired() -> None:
    """Expiry is only reported for genuine tokens."""
    token = _token(end_at=END - timedelta(days=400), secret="not-our-secret-but-long-enough-for-it")
    with pytest.raises(ManageLinkInvalid):
        read_manage_token(token, secret=SECRET, now=END)


def test_the_link_carries_the_token_in_the_fragment() -> None:
    assert manage_url("https://book.example.com/", "salon", "abc.def.ghi") == (
        "https://book.example.com/book/salon/manage#abc.def.ghi"
    )


def test_public_base_url_defaults_to_where_the_server_listens() -> None:
    def base(**values: Any) -> str:
        return Settings.model_validate(values).resolved_public_base_url()

    assert base() == "http://127.0.0.1:8000"
    assert base(host="0.0.0.0", port=9000) == "http://localhost:9000"
    assert base(host="::1") == "http://[::1]:8000"
    assert base(public_base_url="https://book.example.com/") == "https://book.example.com"
    with pytest.raises(ValueError):
        base(public_base_url="javascript:alert(1)")


def test_the_token_of_a_booked_appointment_names_its_client() -> None:
    appointment = AppointmentOut.model_validate(
        {
            "id": uuid.uuid4(),
            "location_id": uuid.uuid4(),
            "workplace_id": None,
            "client_id": uuid.uuid4(),
            "start_at": END - timedelta(minutes=30),
            "end_at": END,
            "status": "scheduled",
            "is_open": False,
            "opened_at": None,
            "closed_at": None,
            "notes": None,
            "source": "booking",
            "external_id": None,
            "created_by": None,
            "created_at": END,
            "updated_at": END,
            "version": 1,
            "workers": [],
            "services": [],
            "client": None,
        }
    )
    firm_id = uuid.uuid4()
    settings = Settings.model_validate({"manage_link_days_after_end": 7})
    claims = read_manage_token(
        manage_token(appointment, firm_id, settings, SECRET), secret=SECRET, now=END
    )
    assert (claims.appointment_id, claims.firm_id) == (appointment.id, firm_id)
    assert claims.client_id == appointment.client_id
    assert claims.expires_at == END + timedelta(days=7)
