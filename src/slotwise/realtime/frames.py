"""Server-Sent Events framing, apart from the response so a rendered event can carry its own
frame (built once per view, shared by every stream of that view)."""

from __future__ import annotations


def sse_message(event: str, data: str, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {data}\n\n".encode()
