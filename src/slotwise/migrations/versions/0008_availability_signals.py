"""availability signals: triggers that say which locations and local days may have changed

Every write that can change what the public booking page offers (a time claim, a hold, an
appointment, and the catalog rules behind the slots) sends a NOTIFY on
``slotwise_availability`` from a trigger, whichever code path wrote it. The payload is small
JSON and names no booking or person:

    {"f": <firm>, "l": {<location>: [<first local day>, <last local day>] | null} | null,
     "x": <hold expiry, epoch seconds> | null}

``l: null`` means every location of the firm, a location's ``null`` every day of it. A hold's
``x`` lets the server announce the slot again when the hold stops blocking by itself.
Only firms with ``public_booking`` on are announced. PostgreSQL sends a NOTIFY at commit, not
at all on rollback, and folds identical payloads of one transaction into one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The longest a slot's claim can reach from its start: the longest duration any offer can
# have plus the longest break and buffers. A busy range can only touch the slots starting
# within this margin of it, so its days widened by it cover every day it may change.
_MARGIN = """
CREATE FUNCTION slotwise_availability_margin(p_firm uuid) RETURNS interval
LANGUAGE sql STABLE AS $$
  SELECT make_interval(mins =>
      coalesce((SELECT max(v) FROM (
          SELECT duration_minutes AS v FROM services WHERE firm_id = p_firm
          UNION ALL SELECT custom_duration_minutes FROM specialist_services WHERE firm_id = p_firm
          UNION ALL SELECT duration_minutes FROM workplace_service_overrides
                     WHERE firm_id = p_firm) AS d), 0)
    + coalesce((SELECT max(v) FROM (
          SELECT break_after_minutes AS v FROM services WHERE firm_id = p_firm
          UNION ALL SELECT break_after_minutes FROM workplace_service_overrides
                     WHERE firm_id = p_firm) AS b), 0)
    + coalesce((SELECT max(buffer_before_minutes) + max(buffer_after_minutes)
                  FROM services WHERE firm_id = p_firm), 0)
    + 1)
$$
"""

# The locations a busy range on these resources can affect (the named locations, every
# location a specialist has a schedule at, a workplace's location), each with the first and
# last local day in its own time zone; NULL when none.
_REACH = """
CREATE FUNCTION slotwise_availability_reach(
    p_firm uuid, p_locations uuid[], p_specialists uuid[], p_workplaces uuid[],
    p_low timestamptz, p_high timestamptz) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_object_agg(
           l.id,
           CASE WHEN p_low IS NULL THEN NULL
                ELSE jsonb_build_array(((p_low - m.margin) AT TIME ZONE l.time_zone)::date,
                                       ((p_high + m.margin) AT TIME ZONE l.time_zone)::date)
           END)
    FROM locations l,
         (SELECT slotwise_availability_margin(p_firm) AS margin) AS m
   WHERE l.firm_id = p_firm
     AND (l.id = ANY(p_locations)
          OR l.id IN (SELECT s.location_id FROM specialist_schedules s
                       WHERE s.firm_id = p_firm AND s.specialist_id = ANY(p_specialists))
          OR l.id IN (SELECT w.location_id FROM workplaces w
                       WHERE w.firm_id = p_firm AND w.id = ANY(p_workplaces)))
$$
"""

# ``p_whole_firm`` stands for "every location, every day" (a rule of the whole firm changed).
_NOTIFY = """
CREATE FUNCTION slotwise_availability_notify(
    p_firm uuid, p_whole_firm boolean, p_reach jsonb, p_expires timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  payload text;
BEGIN
  IF NOT p_whole_firm AND p_reach IS NULL THEN
    RETURN;
  END IF;
  payload := jsonb_build_object(
      'f', p_firm,
      'l', CASE WHEN p_whole_firm THEN NULL ELSE p_reach END,
      'x', extract(epoch FROM p_expires))::text;
  IF octet_length(payload) > 7900 THEN  -- NOTIFY takes at most 8000 bytes
    payload := jsonb_build_object('f', p_firm, 'l', NULL, 'x', NULL)::text;
  END IF;
  PERFORM pg_notify('slotwise_availability', payload);
END
$$
"""

_PUBLIC = """
CREATE FUNCTION slotwise_availability_wanted(p_firm uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT FROM firms WHERE id = p_firm AND public_booking)
$$
"""

# A range on resources: the claims of holds, appointments and any later kind of busy time.
_RANGE = """
CREATE FUNCTION slotwise_availability_range(
    p_firm uuid, p_locations uuid[], p_specialists uuid[], p_workplaces uuid[],
    p_low timestamptz, p_high timestamptz, p_expires timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF slotwise_availability_wanted(p_firm) THEN
    PERFORM slotwise_availability_notify(
        p_firm, false,
        slotwise_availability_reach(p_firm, p_locations, p_specialists, p_workplaces,
                                    p_low, p_high),
        p_expires);
  END IF;
END
$$
"""

# A dated rule (a holiday, a specialist's break): the whole local date, with a day's slack
# either side for the time zones (the rule is read in each location's own).
_DATED = """
CREATE FUNCTION slotwise_availability_date(
    p_firm uuid, p_locations uuid[], p_specialists uuid[], p_date date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM slotwise_availability_range(
      p_firm, p_locations, p_specialists, '{}',
      (p_date::timestamp AT TIME ZONE 'UTC') - interval '14 hours',
      ((p_date + 1)::timestamp AT TIME ZONE 'UTC') + interval '14 hours', NULL);
END
$$
"""

# A weekly or standing rule of some locations: every day of them.
_ALL_DAYS = """
CREATE FUNCTION slotwise_availability_locations(
    p_firm uuid, p_locations uuid[], p_specialists uuid[], p_workplaces uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF slotwise_availability_wanted(p_firm) THEN
    PERFORM slotwise_availability_notify(
        p_firm, false,
        slotwise_availability_reach(p_firm, p_locations, p_specialists, p_workplaces,
                                    NULL, NULL),
        NULL);
  END IF;
END
$$
"""

_WHOLE_FIRM = """
CREATE FUNCTION slotwise_availability_firm(p_firm uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF slotwise_availability_wanted(p_firm) THEN
    PERFORM slotwise_availability_notify(p_firm, true, NULL, NULL);
  END IF;
END
$$
"""

_HELPERS = [_MARGIN, _REACH, _NOTIFY, _PUBLIC, _RANGE, _DATED, _ALL_DAYS, _WHOLE_FIRM]
_HELPER_NAMES = [
    "slotwise_availability_firm(uuid)",
    "slotwise_availability_locations(uuid, uuid[], uuid[], uuid[])",
    "slotwise_availability_date(uuid, uuid[], uuid[], date)",
    "slotwise_availability_range(uuid, uuid[], uuid[], uuid[], timestamptz, timestamptz,"
    " timestamptz)",
    "slotwise_availability_wanted(uuid)",
    "slotwise_availability_notify(uuid, boolean, jsonb, timestamptz)",
    "slotwise_availability_reach(uuid, uuid[], uuid[], uuid[], timestamptz, timestamptz)",
    "slotwise_availability_margin(uuid)",
]

# table -> (the PL/pgSQL statement announcing one row ``r``, the trigger's condition for
# updates)
# Each trigger runs its statement for OLD (update, delete) and NEW (insert, update).
_ROW_SIGNALS: dict[str, tuple[str, str | None]] = {
    # A hold's claims are on its specialist and workplace within its margin, which the
    # hold's own signal covers; the claim of an expired hold blocks nothing (its purge
    # changes nothing), and one whose hold is gone went with it (announced by the hold).
    "time_claims": (
        "IF r.hold_id IS NULL OR EXISTS (SELECT FROM holds h"
        " WHERE h.id = r.hold_id AND h.expires_at > now())"
        " THEN PERFORM slotwise_availability_range(r.firm_id, '{}', ARRAY[r.specialist_id],"
        " ARRAY[r.workplace_id], lower(r.during), upper(r.during),"
        " (SELECT h.expires_at FROM holds h WHERE h.id = r.hold_id)); END IF",
        None,
    ),
    # The hold itself: its location's capacity, and its expiry for every location its
    # specialist and workplace reach (an expiry moved later re-announces at the new time).
    # An expired one blocks nothing: deleting it (the cleanup) changes nothing.
    "holds": (
        "IF r.expires_at > now() THEN"
        " PERFORM slotwise_availability_range(r.firm_id, ARRAY[r.location_id],"
        " ARRAY[r.specialist_id], ARRAY[r.workplace_id], r.start_at, r.end_at, r.expires_at);"
        " END IF",
        "OLD.location_id IS DISTINCT FROM NEW.location_id"
        " OR OLD.start_at IS DISTINCT FROM NEW.start_at"
        " OR OLD.end_at IS DISTINCT FROM NEW.end_at"
        " OR OLD.expires_at IS DISTINCT FROM NEW.expires_at"
        " OR OLD.specialist_id IS DISTINCT FROM NEW.specialist_id"
        " OR OLD.workplace_id IS DISTINCT FROM NEW.workplace_id",
    ),
    # An appointment counts against its location's capacity unless cancelled (its workers'
    # and workplace's time is in its claims).
    "appointments": (
        "PERFORM slotwise_availability_range(r.firm_id, ARRAY[r.location_id], '{}', '{}',"
        " r.start_at, r.end_at, NULL)",
        "OLD.location_id IS DISTINCT FROM NEW.location_id"
        " OR OLD.start_at IS DISTINCT FROM NEW.start_at"
        " OR OLD.end_at IS DISTINCT FROM NEW.end_at"
        " OR (OLD.status = 'cancelled') IS DISTINCT FROM (NEW.status = 'cancelled')",
    ),
    "holidays": (
        "PERFORM slotwise_availability_date(r.firm_id, ARRAY[r.location_id], '{}', r.date)",
        None,
    ),
    "specialist_breaks": (
        "PERFORM slotwise_availability_date(r.firm_id, '{}', ARRAY[r.specialist_id], r.date)",
        None,
    ),
    "location_hours": (
        "PERFORM slotwise_availability_locations(r.firm_id, ARRAY[r.location_id], '{}', '{}')",
        None,
    ),
    "specialist_schedules": (
        "PERFORM slotwise_availability_locations(r.firm_id, ARRAY[r.location_id], '{}', '{}')",
        None,
    ),
    "workplaces": (
        "PERFORM slotwise_availability_locations(r.firm_id, ARRAY[r.location_id], '{}', '{}')",
        None,
    ),
    "workplace_service_overrides": (
        "PERFORM slotwise_availability_locations(r.firm_id, '{}', '{}', ARRAY[r.workplace_id])",
        None,
    ),
    "locations": (
        "PERFORM slotwise_availability_locations(r.firm_id, ARRAY[r.id], '{}', '{}')",
        "OLD.time_zone IS DISTINCT FROM NEW.time_zone"
        " OR OLD.capacity IS DISTINCT FROM NEW.capacity"
        " OR OLD.is_active IS DISTINCT FROM NEW.is_active",
    ),
    # Offers of the whole firm: which services, who does them, for how long.
    "services": ("PERFORM slotwise_availability_firm(r.firm_id)", None),
    "specialist_services": ("PERFORM slotwise_availability_firm(r.firm_id)", None),
    "specialists": ("PERFORM slotwise_availability_firm(r.firm_id)", None),
    "firms": (
        "PERFORM slotwise_availability_firm(r.id)",
        "OLD.slot_step_minutes IS DISTINCT FROM NEW.slot_step_minutes"
        " OR OLD.min_notice_minutes IS DISTINCT FROM NEW.min_notice_minutes"
        " OR OLD.booking_horizon_days IS DISTINCT FROM NEW.booking_horizon_days",
    ),
}


def _function(table: str) -> str:
    return f"slotwise_{table}_availability_signal"


def _trigger_function(table: str, statement: str) -> str:
    return f"""
CREATE FUNCTION {_function(table)}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r {table}%ROWTYPE;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    r := OLD;
    {statement};
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    r := NEW;
    {statement};
  END IF;
  RETURN NULL;
END
$$
"""


def upgrade() -> None:
    for helper in _HELPERS:
        op.execute(helper)
    for table, (statement, changed) in _ROW_SIGNALS.items():
        op.execute(_trigger_function(table, statement))
        function = _function(table)
        if changed is None:
            op.execute(
                f"CREATE TRIGGER availability_signal AFTER INSERT OR UPDATE OR DELETE ON {table}"
                f" FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
            continue
        op.execute(
            f"CREATE TRIGGER availability_signal AFTER INSERT OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        op.execute(
            f"CREATE TRIGGER availability_signal_update AFTER UPDATE ON {table}"
            f" FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {function}()"
        )


def downgrade() -> None:
    for table, (_, changed) in _ROW_SIGNALS.items():
        op.execute(f"DROP TRIGGER availability_signal ON {table}")
        if changed is not None:
            op.execute(f"DROP TRIGGER availability_signal_update ON {table}")
        op.execute(f"DROP FUNCTION {_function(table)}()")
    for name in _HELPER_NAMES:
        op.execute(f"DROP FUNCTION {name}")
