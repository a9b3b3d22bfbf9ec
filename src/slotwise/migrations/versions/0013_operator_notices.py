"""operator notices: a failing connection and a sync conflict told to the firm's operators,
and the conflict as an event for them on the staff stream

Two message types and one recipient kind in the outbox: an operator (an active owner or
director) is no client or specialist row, so their message names its channel and address
itself, as a guest's does. An event is no longer always about an appointment: a sync
conflict may be in the way of a hold, which has none.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TYPES = (
    "'confirmation', 'change', 'cancellation', 'reminder', 'worker_assigned', 'worker_removed',"
    " 'verification_code'"
)
_NOTICES = "'connection_failing', 'sync_conflict'"


def _notification_checks(types: str, kinds: str, addressed: str) -> None:
    for name in ("type_known", "recipient_kind_known", "one_recipient"):
        op.drop_constraint(op.f(f"ck_notifications_{name}"), "notifications", type_="check")
    op.create_check_constraint(op.f("ck_notifications_type_known"), "notifications", types)
    op.create_check_constraint(
        op.f("ck_notifications_recipient_kind_known"), "notifications", kinds
    )
    op.create_check_constraint(
        op.f("ck_notifications_one_recipient"),
        "notifications",
        f"CASE WHEN recipient_kind IN ({addressed})"
        " THEN client_id IS NULL AND specialist_id IS NULL AND address IS NOT NULL"
        " ELSE (client_id IS NULL) <> (specialist_id IS NULL) END",
    )


def upgrade() -> None:
    _notification_checks(
        f"type IN ({_TYPES}, {_NOTICES})",
        "recipient_kind IN ('client', 'worker', 'guest', 'operator')",
        "'guest', 'operator'",
    )
    op.alter_column("events", "appointment_id", existing_type=sa.Uuid(), nullable=True)


def downgrade() -> None:
    # The older schema has no place for them: the operators' events leave gaps in the
    # firms' sequences, which a resuming stream skips like events hidden from it.
    op.execute("DELETE FROM events WHERE appointment_id IS NULL")
    op.alter_column("events", "appointment_id", existing_type=sa.Uuid(), nullable=False)
    op.execute("DELETE FROM notifications WHERE recipient_kind = 'operator'")
    _notification_checks(
        f"type IN ({_TYPES})", "recipient_kind IN ('client', 'worker', 'guest')", "'guest'"
    )
