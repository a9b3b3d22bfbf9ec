"""availability signals carry the location's time zone and the UTC range, not local days

0008 turned a range into local days with ``AT TIME ZONE``: a zone that Python knows (and a
location was checked against) but this PostgreSQL does not would make the trigger, and with
it the booking, fail. The reach is now the location's zone and the range widened by the
margin, as epoch seconds, ``{<location>: [<time zone>, <from>, <to>] | null}``; the server
turns it into local days.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 14:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ZONES_AND_EPOCHS = """
CREATE OR REPLACE FUNCTION slotwise_availability_reach(
    p_firm uuid, p_locations uuid[], p_specialists uuid[], p_workplaces uuid[],
    p_low timestamptz, p_high timestamptz) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_object_agg(
           l.id,
           CASE WHEN p_low IS NULL THEN NULL
                ELSE jsonb_build_array(l.time_zone,
                                       floor(extract(epoch FROM p_low - m.margin)),
                                       ceil(extract(epoch FROM p_high + m.margin)))
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

_LOCAL_DAYS = """
CREATE OR REPLACE FUNCTION slotwise_availability_reach(
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


def upgrade() -> None:
    op.execute(_ZONES_AND_EPOCHS)


def downgrade() -> None:
    op.execute(_LOCAL_DAYS)
