"""An async client for the YClients REST API v1 (https://api.yclients.com/api/v1).

YClients sends no webhook when a record is made, moved or deleted, so records are pulled
(``GET /records/{company_id}`` by day window and ``changed_after``, page by page) and ours are
written with ``POST /records/{company_id}``, ``PUT`` and ``DELETE /record/{company_id}/{id}``.

The base URL is a per-connection setting, so every connection goes through
:mod:`slotwise.outbound`'s guard. The client keeps to YClients' limits (5 requests a second
and 200 a minute per IP address) by itself, retries 429 and 5xx a bounded number of times
honouring ``Retry-After``, and turns every failure into one of the errors in
:mod:`slotwise.sync.yclients_errors`. It knows no database: connections, cursors and the
import build on it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

from slotwise.notifications.channels.errors import parse_retry_after
from slotwise.outbound import AllowList, OutboundRefused, guarded_client
from slotwise.sync.rate_limit import RateLimiter, Window
from slotwise.sync.yclients_drafts import NewRecordClient, RecordDraft, ServiceLine, draft_body
from slotwise.sync.yclients_errors import (
    YclientsAddressRefused,
    YclientsAuthFailed,
    YclientsBadResponse,
    YclientsError,
    YclientsNotFound,
    YclientsRateLimited,
    YclientsRejected,
    YclientsUnavailable,
    YclientsUnreachable,
)
from slotwise.sync.yclients_records import (
    InvalidField,
    MalformedRecord,
    NamedItem,
    RecordClient,
    RecordService,
    YclientsRecord,
    parse_int,
    parse_named_items,
    parse_record,
    parse_records,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "YCLIENTS_RATE_LIMITS",
    "MalformedRecord",
    "NamedItem",
    "NewRecordClient",
    "PullResult",
    "RecordClient",
    "RecordDraft",
    "RecordService",
    "RetryPolicy",
    "ServiceLine",
    "Window",
    "WrittenRecord",
    "YclientsAddressRefused",
    "YclientsApi",
    "YclientsAuthFailed",
    "YclientsBadResponse",
    "YclientsCredentials",
    "YclientsError",
    "YclientsNotFound",
    "YclientsRateLimited",
    "YclientsRecord",
    "YclientsRejected",
    "YclientsUnavailable",
    "YclientsUnreachable",
]

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.yclients.com/api/v1"
ACCEPT = "application/vnd.yclients.v2+json"
# The API's published limits: "200 requests a minute, or 5 a second, per IP address".
YCLIENTS_RATE_LIMITS = (Window(5, 1.0), Window(200, 60.0))
DEFAULT_PAGE_SIZE = 200
# Beyond any real company's window: a server that keeps inventing records must not keep
# the poller busy for ever.
MAX_PAGES = 500
MAX_REASON_LENGTH = 300
# A POST that failed with another 5xx may have created the record before failing; 429 and
# 503 say it was not processed, so only those are safe to send again.
_POST_RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class YclientsCredentials:
    partner_token: str = field(repr=False)
    user_token: str = field(repr=False)

    def authorization(self) -> str:
        return f"Bearer {self.partner_token}, User {self.user_token}"


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` counts the first try. A wait longer than ``max_wait`` (asked for by
    ``Retry-After``) is not waited out in the request: the error goes to the caller, whose
    schedule is the better place for long pauses."""

    max_attempts: int = 4
    max_wait: float = 30.0
    backoff: float = 0.5  # the first wait without Retry-After; doubled on each retry


@dataclass(frozen=True)
class WrittenRecord:
    """YClients' answer to a create or update: the record's id and, when the answer carries
    it, its ``last_change_date`` as sent (what a link keeps as the external version)."""

    id: int
    version: str | None


@dataclass(frozen=True)
class PullResult:
    # In the server's order; a record seen on two pages (the set moved under the pages)
    # appears once, in its later version.
    records: tuple[YclientsRecord, ...]
    malformed: tuple[MalformedRecord, ...]
    total_count: int
    requests: int

    @property
    def latest_change(self) -> datetime | None:
        """The newest ``last_change_date`` among the parsed records: the next cursor.
        (``changed_after`` includes its own instant, so the record at the cursor comes back
        once more on the next pull; the import must take a repeat as a no-op.)"""
        return max((record.last_change for record in self.records), default=None)


def _server_message(response: httpx.Response) -> str:
    """The error text YClients puts in ``meta.message`` (v2), or in older shapes."""
    try:
        body = response.json()
    except ValueError:
        return response.text
    if isinstance(body, dict):
        meta = body.get("meta")
        if isinstance(meta, dict) and meta.get("message"):
            return str(meta["message"])
        for key in ("message", "error_message", "errors"):
            if body.get(key):
                return str(body[key])
    return response.text


def _page(body: Any) -> tuple[list[Any], int]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise YclientsBadResponse("YClients: a records page without a data list")
    meta = body.get("meta")
    try:
        total = parse_int(meta.get("total_count") if isinstance(meta, dict) else None, "total")
    except InvalidField:
        raise YclientsBadResponse("YClients: a records page without meta.total_count") from None
    return body["data"], total


def _data(body: Any, what: str) -> Any:
    if not isinstance(body, dict) or "data" not in body:
        raise YclientsBadResponse(f"YClients: {what} answer without data")
    return body["data"]


class YclientsApi:
    """One connection's client: ``async with YclientsApi(...) as api: await api.pull(...)``.

    One HTTP client (and one rate budget) per object; use one object per connection and
    keep it for the whole poll, so the budget covers every request of the run.
    """

    def __init__(
        self,
        credentials: YclientsCredentials,
        *,
        base_url: str = DEFAULT_BASE_URL,
        allowed: AllowList | None = None,
        timeout: float = 20.0,
        rate_limits: Iterable[Window] = YCLIENTS_RATE_LIMITS,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        """``limiter``: a budget shared with other clients (YClients counts requests per IP
        address, not per connection); without one, this client has ``rate_limits`` of its
        own."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the YClients base URL must be an http(s) URL with a host")
        self._credentials = credentials
        self._base_url = base_url.rstrip("/")
        self._allowed = allowed or AllowList()
        self._timeout = timeout
        self._limiter = limiter or RateLimiter(rate_limits)
        self._retry = retry or RetryPolicy()
        self._stack = AsyncExitStack()
        self._http: httpx.AsyncClient | None = None
        self.requests_sent = 0

    async def __aenter__(self) -> YclientsApi:
        self._http = await self._stack.enter_async_context(guarded_client(self._allowed))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._http = None
        await self._stack.aclose()

    # -- reading ---------------------------------------------------------------------------

    async def pull(
        self,
        company_id: int,
        start_date: date,
        end_date: date,
        changed_after: datetime | None = None,
        *,
        with_deleted: bool = True,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> PullResult:
        """Every record with a seance on ``start_date`` … ``end_date`` (both included) that
        changed at or after ``changed_after``, reading pages until ``meta.total_count``.

        Stops early on an empty or short page, or one with nothing new (a server whose
        count is wrong must not keep us reading). Raises the module's errors for a failed
        request or a page whose envelope is wrong; single bad records are in ``malformed``.
        A failure on a later page discards the earlier ones: the caller's cursor stays where
        it was and the next pull reads them again.
        """
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        if changed_after is not None and changed_after.utcoffset() is None:
            raise ValueError("changed_after must be an aware datetime")
        before = self.requests_sent
        records: dict[int, YclientsRecord] = {}
        malformed: dict[int | None, list[MalformedRecord]] = {}
        seen: set[int] = set()
        read = 0
        total = 0
        params: dict[str, str | int] = {
            "start_date": start_date.isoformat(),
            "end_date": end_date.isoformat(),
            "with_deleted": int(with_deleted),
            "count": page_size,
        }
        if changed_after is not None:
            # With its offset: the cursor is YClients' own last_change_date, unconverted.
            params["changed_after"] = changed_after.isoformat(timespec="seconds")
        for page in range(1, MAX_PAGES + 1):
            body = await self._request(
                "GET", f"/records/{company_id}", params={**params, "page": page}
            )
            items, total = _page(body)
            parsed, bad = parse_records(items)
            ids = {record.id for record in parsed} | {
                m.record_id for m in bad if m.record_id is not None
            }
            fresh = ids - seen
            seen |= ids
            for record in parsed:
                records.pop(record.id, None)
                records[record.id] = record
                malformed.pop(record.id, None)
            for fault in bad:
                if fault.record_id is not None:
                    records.pop(fault.record_id, None)
                    malformed[fault.record_id] = [fault]
                else:
                    malformed.setdefault(None, []).append(fault)
            read += len(items)
            if not items or not fresh or read >= total or len(items) < page_size:
                break
        return PullResult(
            records=tuple(records.values()),
            malformed=tuple(fault for faults in malformed.values() for fault in faults),
            total_count=total,
            requests=self.requests_sent - before,
        )

    async def get_record(self, company_id: int, record_id: int) -> YclientsRecord:
        body = await self._request("GET", f"/record/{company_id}/{record_id}")
        data = _data(body, "record")
        if not isinstance(data, dict):
            raise YclientsBadResponse("YClients: the record is not an object")
        try:
            return parse_record(data)
        except InvalidField as exc:
            raise YclientsBadResponse(f"YClients: record {record_id}: {exc}") from None

    async def list_staff(self, company_id: int) -> list[NamedItem]:
        return await self._named(f"/company/{company_id}/staff", "name", "staff")

    async def list_services(self, company_id: int) -> list[NamedItem]:
        return await self._named(f"/company/{company_id}/services", "title", "services")

    async def _named(self, path: str, name_field: str, what: str) -> list[NamedItem]:
        data = _data(await self._request("GET", path), what)
        if not isinstance(data, list):
            raise YclientsBadResponse(f"YClients: the {what} list is not a list")
        try:
            return parse_named_items(data, name_field)
        except InvalidField as exc:
            raise YclientsBadResponse(f"YClients: {what}: {exc}") from None

    # -- writing ---------------------------------------------------------------------------

    async def create_record(
        self,
        company_id: int,
        draft: RecordDraft,
        *,
        save_if_busy: bool = False,
        send_sms: bool = False,
    ) -> int:
        """Creates the record; returns its YClients id. With ``save_if_busy`` off, a busy
        or non-working time is refused (:class:`YclientsRejected`, 422) rather than double
        booked there. ``send_sms`` off: Slotwise sends its own messages."""
        written = await self.write_record(
            company_id, draft, save_if_busy=save_if_busy, send_sms=send_sms
        )
        return written.id

    async def update_record(
        self,
        company_id: int,
        record_id: int,
        draft: RecordDraft,
        *,
        save_if_busy: bool = False,
        send_sms: bool = False,
    ) -> None:
        await self.write_record(
            company_id, draft, record_id=record_id, save_if_busy=save_if_busy, send_sms=send_sms
        )

    async def write_record(
        self,
        company_id: int,
        draft: RecordDraft,
        *,
        record_id: int | None = None,
        save_if_busy: bool = False,
        send_sms: bool = False,
    ) -> WrittenRecord:
        """Creates the record (``record_id`` None) or replaces it with the draft, and says
        what YClients answered: the id and the record's new ``last_change_date``."""
        body = draft_body(draft, save_if_busy=save_if_busy, send_sms=send_sms)
        if record_id is None:
            answer = await self._request("POST", f"/records/{company_id}", json=body)
            data = _data(answer, "create")
        else:
            answer = await self._request("PUT", f"/record/{company_id}/{record_id}", json=body)
            data = answer.get("data") if isinstance(answer, dict) else None
        fields = data if isinstance(data, dict) else {}
        try:
            written_id = parse_int(fields.get("id", record_id), "id")
        except InvalidField:
            raise YclientsBadResponse("YClients: the created record has no id") from None
        version = fields.get("last_change_date")
        return WrittenRecord(written_id, version if isinstance(version, str) and version else None)

    async def delete_record(self, company_id: int, record_id: int) -> None:
        """Raises :class:`YclientsNotFound` when the record is gone already."""
        await self._request("DELETE", f"/record/{company_id}/{record_id}")

    # -- one request -----------------------------------------------------------------------

    def _reason(self, text: str) -> str:
        for secret in (self._credentials.partner_token, self._credentials.user_token):
            if secret:
                text = text.replace(secret, "***")
        text = " ".join(text.split())
        return text if len(text) <= MAX_REASON_LENGTH else text[: MAX_REASON_LENGTH - 1] + "…"

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str | int] | None = None,
        json: dict[str, Any] | None = None,
    ) -> Any:
        """The decoded body of a 2xx answer (``None`` when empty), after retrying 429 and
        5xx as the policy allows."""
        policy = self._retry
        attempt = 0
        while True:
            attempt += 1
            response = await self._send_once(method, path, params, json)
            status = response.status_code
            if 200 <= status < 300:
                return self._decode(response)
            error = self._error(response)
            if not isinstance(error, YclientsUnavailable):
                raise error
            repeatable = method != "POST" or status in _POST_RETRY_STATUSES
            wait = error.retry_after
            if wait is None:
                wait = policy.backoff * 2 ** (attempt - 1)
            if not repeatable or attempt >= policy.max_attempts or wait > policy.max_wait:
                raise error
            logger.info("%s; retrying in %.1f s (attempt %d)", error.reason, wait, attempt + 1)
            await asyncio.sleep(wait)

    async def _send_once(
        self,
        method: str,
        path: str,
        params: dict[str, str | int] | None,
        json: dict[str, Any] | None,
    ) -> httpx.Response:
        if self._http is None:
            raise RuntimeError("use YclientsApi as an async context manager")
        self.requests_sent += 1
        headers = {
            "Accept": ACCEPT,
            "Content-Type": "application/json",
            "Authorization": self._credentials.authorization(),
        }
        try:
            # The deadline covers the whole exchange: a server that trickles its answer a
            # byte at a time would otherwise renew httpx's per-read timeout for ever.
            async with self._limiter.slot(), asyncio.timeout(self._timeout):
                return await self._http.request(
                    method,
                    f"{self._base_url}{path}",
                    params=params,
                    json=json,
                    headers=headers,
                    timeout=httpx.Timeout(self._timeout),
                )
        except OutboundRefused:
            raise YclientsAddressRefused(
                "YClients: the base URL leads to an internal address that is not allowed"
            ) from None
        except (TimeoutError, httpx.TimeoutException):
            raise YclientsUnreachable(f"YClients: no response within {self._timeout:g} s") from None
        except httpx.TransportError as exc:
            detail = str(exc) or type(exc).__name__
            raise YclientsUnreachable(self._reason(f"YClients: {detail}")) from None

    def _decode(self, response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            body = response.json()
        except ValueError:
            raise YclientsBadResponse(
                f"YClients {response.status_code}: the answer is not JSON"
            ) from None
        if isinstance(body, dict) and body.get("success") is False:
            message = _server_message(response)
            raise YclientsBadResponse(self._reason(f"YClients: success is false: {message}"))
        return body

    def _error(self, response: httpx.Response) -> Exception:
        status = response.status_code
        message = self._reason(_server_message(response))
        reason = f"YClients {status}: {message}" if message else f"YClients {status}"
        if status in (401, 403):
            return YclientsAuthFailed(reason, status=status)
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if status == 429:
            return YclientsRateLimited(reason, status=status, retry_after=retry_after)
        if status >= 500:
            return YclientsUnavailable(reason, status=status, retry_after=retry_after)
        if status == 404:
            return YclientsNotFound(reason, status=status, message=message)
        if 400 <= status < 500:
            return YclientsRejected(reason, status=status, message=message)
        return YclientsBadResponse(f"YClients: unexpected status {status}")
