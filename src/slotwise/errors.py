"""Domain errors with a stable machine-readable ``code``, and the handlers that render them.

Every error response has the shape ``{"code": ..., "message": ...}`` (validation errors add
``details``), so clients can branch on ``code`` and show ``message``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("slotwise.errors")


class ErrorBody(BaseModel):
    """The body of every error response."""

    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class AppError(Exception):
    """An error the API answers with ``status_code`` and ``{"code", "message"}``.

    Each domain error is a subclass that names its ``code``, status (through its base class)
    and ``default_message`` in one place, in its package's ``errors.py``; raise sites pass a
    message only when it says more (which record, which value).
    """

    status_code = 400
    code = "bad_request"
    default_message = "The request cannot be carried out"

    def __init__(
        self,
        message: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        message = message or self.default_message
        super().__init__(message)
        self.message = message
        self.headers = headers
        self.details = details


class NotAuthenticated(AppError):
    status_code = 401
    code = "not_authenticated"

    default_message = "Authentication required"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Gone(AppError):
    status_code = 410
    code = "gone"


class PreconditionFailed(AppError):
    status_code = 412
    code = "version_mismatch"


class PreconditionRequired(AppError):
    status_code = 428
    code = "precondition_required"


class Unprocessable(AppError):
    status_code = 422
    code = "invalid"


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_attempts"


# The database is the last guard: a constraint that fires is a client error, never a 500.
_SQLSTATE_ERRORS: dict[str, tuple[int, str, str]] = {
    "23503": (
        409,
        "reference_conflict",
        "The record is referenced by other records or refers to a missing one",
    ),
    "23505": (409, "already_exists", "A record with these unique values already exists"),
    "23514": (422, "constraint_violation", "The values break a rule of the data model"),
    "23P01": (409, "slot_taken", "The time overlaps an existing claim"),
    "40P01": (409, "concurrent_conflict", "A concurrent change conflicted with this one; retry"),
    "40001": (409, "concurrent_conflict", "A concurrent change conflicted with this one; retry"),
    "22001": (422, "value_too_long", "A value is longer than allowed"),
    "22003": (422, "value_out_of_range", "A number is out of range"),
    "22007": (422, "invalid_datetime", "A date or time is invalid"),
    "22008": (422, "invalid_datetime", "A date or time is out of range"),
    "22021": (422, "invalid_character", "A text contains a character that cannot be stored"),
    "22P05": (422, "invalid_character", "A text contains a character that cannot be stored"),
}
# psycopg refuses a NUL in a text parameter itself, before the server could answer 22021.
_CLIENT_SIDE_NUL = "cannot contain NUL"


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(code=code, message=message, details=details)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if state is None and _CLIENT_SIDE_NUL in str(orig):
        return "22021"
    return state


def _constraint_name(exc: DBAPIError) -> str | None:
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "constraint_name", None) if diag is not None else None


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return error_response(
        exc.status_code, exc.code, exc.message, headers=exc.headers, details=exc.details
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {
            "loc": list(err.get("loc", ())),
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        for err in exc.errors()
    ]
    return error_response(422, "validation_error", "The request is not valid", details=details)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's and Starlette's only 400: a body that cannot be read as JSON or form data
        # (not UTF-8, nested too deeply, broken multipart). That is invalid input like
        # malformed JSON, which FastAPI reports as 422: one status for one situation.
        return error_response(
            422,
            "validation_error",
            "The request is not valid",
            details=[
                {"loc": ["body"], "msg": "The body could not be parsed", "type": "body_invalid"}
            ],
        )
    codes = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}
    code = codes.get(exc.status_code, "http_error")
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code, str(exc.detail), headers=headers)


# The database is down, restarting or out of reach: the client may retry, it did nothing wrong.
# Connection exceptions (08xxx) and an administrator's or crash shutdown of the backend.
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
_RETRY_AFTER_SECONDS = 5


def _database_unavailable(exc: Exception) -> bool:
    if isinstance(exc, PoolTimeout | InterfaceError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    state: str | None = getattr(exc.orig, "sqlstate", None)
    if state is None:
        # psycopg has no SQLSTATE when it could not connect or lost the connection.
        return isinstance(exc, OperationalError) or exc.connection_invalidated
    return state.startswith(_UNAVAILABLE_SQLSTATES)


async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    logger.warning("the database is unavailable: %s", type(exc).__name__)
    return error_response(
        503,
        "database_unavailable",
        "The database is unavailable; retry in a few seconds",
        headers={"Retry-After": str(_RETRY_AFTER_SECONDS)},
    )


async def _db_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if _database_unavailable(exc):
        return await _unavailable(request, exc)
    state = _sqlstate(exc)
    known = _SQLSTATE_ERRORS.get(state or "")
    if known is None:
        logger.exception("unexpected database error", exc_info=exc)
        return error_response(500, "internal_error", "Internal error")
    status, code, message = known
    constraint = _constraint_name(exc)
    if constraint:
        message = f"{message} ({constraint})"
    return error_response(status, code, message)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _db_error)
    app.add_exception_handler(DBAPIError, _db_error)
    app.add_exception_handler(PoolTimeout, _unavailable)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        401: "Not authenticated",
        403: "Not allowed for this role",
        404: "Not found (or belongs to another firm)",
        408: "The request body did not arrive in time",
        409: "Conflict",
        412: "Stale version",
        413: "The request body is too large",
        422: "Invalid input (including a body that is not JSON)",
        503: "The database is unavailable; retry later",
    }.items()
}


class AlreadyExists(Conflict):
    code = "already_exists"
    default_message = "A record with these unique values already exists"


class IdempotencyBusy(Conflict):
    code = "idempotency_busy"
    default_message = "The idempotency key is being processed; retry"


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was used with a different request body"


# Codes the handlers above and the guards at the edge (``http/``) answer themselves, not
# through an ``AppError`` class; the first of each status is its typical one.
_HANDLERS_OWN_CODES: dict[str, int] = {
    "validation_error": 422,
    "not_found": 404,
    "method_not_allowed": 405,
    "http_error": 400,
    "internal_error": 500,
    "database_unavailable": 503,
    "body_too_large": 413,
    "body_timeout": 408,
}
HANDLER_CODES: dict[str, int] = {
    **_HANDLERS_OWN_CODES,
    **{code: status for status, code, _ in _SQLSTATE_ERRORS.values()},
}


def _subclasses(cls: type[AppError]) -> list[type[AppError]]:
    found: list[type[AppError]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def error_codes() -> dict[str, int]:
    """Every code the API can answer, with its status: each ``AppError`` class defined so far
    (the app imports every package's errors with its routes) and the handlers' own."""
    classes: list[type[AppError]] = [AppError, *_subclasses(AppError)]
    return {**{cls.code: cls.status_code for cls in classes}, **HANDLER_CODES}


def document_error_codes(openapi: dict[str, Any]) -> None:
    """Lists every code in the OpenAPI: ``ErrorBody.code`` becomes an enum, described by
    status."""
    codes = error_codes()
    by_status: dict[int, list[str]] = {}
    for code, status in sorted(codes.items()):
        by_status.setdefault(status, []).append(code)
    field = openapi["components"]["schemas"]["ErrorBody"]["properties"]["code"]
    field["enum"] = sorted(codes)
    field["description"] = "The stable error code. By status: " + "; ".join(
        f"{status}: " + ", ".join(f"`{code}`" for code in names)
        for status, names in sorted(by_status.items())
    )
    # Without an example of its own, every error response would show the enum's first code.
    typical = _typical_codes()
    for operation in (op for path in openapi["paths"].values() for op in path.values()):
        for status, response in operation.get("responses", {}).items():
            body = response.get("content", {}).get("application/json")
            example = typical.get(int(status)) if status.isdigit() else None
            if body is not None and example and "ErrorBody" in str(body.get("schema")):
                body["example"] = {"code": example, "message": "..."}


def _typical_codes() -> dict[int, str]:
    """Per status, the most general code: the handlers' own (``validation_error`` for 422),
    else the status class's (``conflict`` for 409)."""
    typical = {status: code for code, status in reversed(_HANDLERS_OWN_CODES.items())}
    for cls in AppError.__subclasses__():
        typical.setdefault(cls.status_code, cls.code)
    return typical
