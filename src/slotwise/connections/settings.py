"""What the connections read from the environment (prefix ``SLOTWISE_``): which internal
hosts the URLs users give may reach (the same list as Web Push's), and how long the check of
a URL may wait for DNS."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from slotwise import outbound


class ConnectionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLOTWISE_", env_file=".env", extra="ignore")

    # Hosts (``host`` or ``host:port``) that base URLs and calendar URLs may reach although
    # they are not on the public internet (a CalDAV server in the firm's own network, the
    # tests' local servers); plain http is allowed to them only.
    outbound_allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    connections_url_check_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    @field_validator("outbound_allowed_hosts", mode="before")
    @classmethod
    def _host_list(cls, value: object) -> object:
        return outbound.split_host_list(value)

    @field_validator("outbound_allowed_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        outbound.AllowList.parse(value)
        return value

    def allow_list(self) -> outbound.AllowList:
        return outbound.AllowList.parse(self.outbound_allowed_hosts)


@lru_cache
def connection_settings() -> ConnectionSettings:
    return ConnectionSettings()
