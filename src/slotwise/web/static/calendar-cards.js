// An appointment as a card of the calendar: where it sits (wall-clock times in the
// location's zone, a column per worker) and what it says. Text only: names and notes never
// become markup.

import { wallClock } from "./dates.js";
import { clientName } from "./render.js";

export function asEvent(zone, appointment) {
  const classNames = [`is-${appointment.status}`];
  if (appointment.is_open) classNames.push("is-open");
  return {
    id: appointment.id,
    resourceIds: appointment.workers.map((worker) => worker.id),
    start: wallClock(zone, appointment.start_at),
    end: wallClock(zone, appointment.end_at),
    title: clientName(appointment),
    classNames,
    extendedProps: { appointment },
  };
}

function text(tag, className, value) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = value;
  return node;
}

// The card's lines: time, client, services, workers (when more than one), open and status
// badges, and a marker when it has notes.
export function cardContent(t, info) {
  const appointment = info.event.extendedProps.appointment;
  if (!appointment) return undefined; // a background (non-working time) event
  const nodes = [
    text("p", "time", info.timeText),
    text("p", "client", clientName(appointment) || t("common.noClient")),
    text("p", "services", appointment.services.map((s) => s.name).join(", ")),
  ];
  if (appointment.workers.length > 1) {
    nodes.push(text("p", "workers", appointment.workers.map((w) => w.name).join(", ")));
  }
  if (appointment.is_open) nodes.push(text("p", "badge badge-open", t("card.open")));
  if (appointment.status !== "scheduled") {
    nodes.push(text("p", `badge badge-${appointment.status}`, t(`status.${appointment.status}`)));
  }
  if (appointment.notes) nodes.push(text("p", "notes-marker", t("card.notes")));
  return { domNodes: nodes };
}
