"""Credentials are encrypted with a key derived from the secret key, and only that key
reads them back."""

from __future__ import annotations

import pytest

from slotwise.connections.secrets import (
    CredentialsUnreadable,
    decrypt_credentials,
    encrypt_credentials,
)

KEY = "a-secret-key-of-this-installation-" * 2
CREDENTIALS = {"partner_token": "pt-123", "user_token": "ut-456"}


def test_round_trip() -> None:
    token = encrypt_credentials(KEY, CREDENTIALS)
    assert b"pt-123" not in token and b"ut-456" not in token
    assert decrypt_credentials(KEY, token) == CREDENTIALS


def test_each_encryption_differs() -> None:
    # A fresh IV each time: two connections with the same token do not show it by equal bytes.
    assert encrypt_credentials(KEY, CREDENTIALS) != encrypt_credentials(KEY, CREDENTIALS)


def test_another_secret_key_cannot_read_them() -> None:
    token = encrypt_credentials(KEY, CREDENTIALS)
    with pytest.raises(CredentialsUnreadable, match="enter them again"):
        decrypt_credentials("another-secret-key-" * 3, token)


def test_a_changed_byte_is_refused() -> None:
    token = bytearray(encrypt_credentials(KEY, CREDENTIALS))
    token[-5] ^= 1
    with pytest.raises(CredentialsUnreadable):
        decrypt_credentials(KEY, bytes(token))
