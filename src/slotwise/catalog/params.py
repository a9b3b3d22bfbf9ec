"""Query parameters shared by the catalog's list routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from slotwise.repository import PageParams
from slotwise.types import Date

PageQuery = Annotated[PageParams, Query()]
ActiveQuery = Annotated[
    bool | None,
    Query(description="Only active (true) or only inactive (false) records; all when omitted"),
]
FromQuery = Annotated[Date | None, Query(alias="from", description="First date, inclusive")]
ToQuery = Annotated[Date | None, Query(alias="to", description="Last date, inclusive")]
RequiredFromQuery = Annotated[Date, Query(alias="from", description="First date, inclusive")]
RequiredToQuery = Annotated[Date, Query(alias="to", description="Last date, inclusive")]
