"""Query parameters shared by the catalog's list routes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query

from slotwise.repository import PageParams

PageQuery = Annotated[PageParams, Query()]
ActiveQuery = Annotated[bool | None, Query(
    description="Only active (true) or only inactive (false) records; all when omitted")]
FromQuery = Annotated[dt.date | None, Query(alias="from", description="First date, inclusive")]
ToQuery = Annotated[dt.date | None, Query(alias="to", description="Last date, inclusive")]
