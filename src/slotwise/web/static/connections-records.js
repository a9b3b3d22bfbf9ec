// The tables of one connection's history: the bookings held back, the open conflicts (with
// the appointment in the way) and the runs, each external record said in one line.

import { localeTag } from "./i18n.js";
import {
  badge, cell, el, locationOf, node, numberText, secondsText, state, t, when,
} from "./connections-dom.js";

const COUNTS = ["imported", "updated", "deleted", "conflicts", "errors", "requests"];

export function countCells(counts) {
  return COUNTS.map((name) => cell(t(`counts.${name}`), numberText(counts[name])));
}

// An external record (as the other system sent it) in a line: when, who, what, for whom.
export function recordSummary(record, connection) {
  const payload = record.payload || {};
  const parts = [];
  const start = payload.datetime || payload.start || payload.dtstart;
  if (typeof start === "string" && !Number.isNaN(Date.parse(start))) parts.push(when(start, connection));
  const staff = payload.staff && typeof payload.staff === "object" ? payload.staff.name : null;
  if (typeof staff === "string" && staff) parts.push(staff);
  if (Array.isArray(payload.services)) {
    const titles = payload.services.map((s) => (s && typeof s === "object" ? s.title : null))
      .filter((title) => typeof title === "string" && title);
    if (titles.length) parts.push(titles.join(", "));
  }
  const client = payload.client && typeof payload.client === "object" ? payload.client : null;
  const who = client ? [client.name, client.surname].filter((x) => typeof x === "string" && x).join(" ") : "";
  if (who) parts.push(who);
  if (typeof payload.summary === "string" && payload.summary) parts.push(payload.summary);
  return parts.length ? parts.join(" \u00b7 ") : t("record.only", { id: record.external_id });
}

function recordCell(label, record, connection) {
  return cell(label,
    node("span", { className: "record", text: recordSummary(record, connection) }),
    node("span", { className: "hint block", text: t("record.id", { id: record.external_id }) }));
}

function more(id, list) {
  el(id).hidden = list.items.length >= list.total;
}

export function renderHeld(connection) {
  const held = state.detail.held;
  el("held-body").replaceChildren(...held.items.map((record) => node("tr", {}, [
    recordCell(t("held.record"), record, connection),
    cell(t("held.why"),
      badge(t(`held.${record.reason}`), record.reason === "needs_mapping" ? "wait" : "failing"),
      node("span", { className: "block", text: record.detail })),
    cell(t("held.seen"), when(record.last_seen_at, connection),
      node("span", { className: "hint block", text: t("held.first", { when: when(record.first_seen_at, connection) }) })),
  ])));
  const none = held.items.length === 0;
  el("held-empty").hidden = !none;
  el("held-table").hidden = none;
  el("held-to-mapping").hidden = !held.items.some((r) => r.reason === "needs_mapping");
  more("held-more", held);
}

function inTheWay(conflict, connection) {
  if (!conflict.appointment_id) return t("conflicts.noAppointment");
  const appointment = state.detail.appointments.get(conflict.appointment_id);
  if (!appointment) return t("conflicts.goneAppointment");
  const end = new Intl.DateTimeFormat(localeTag(), { timeStyle: "short",
    timeZone: (locationOf(connection) || {}).time_zone }).format(new Date(appointment.end_at));
  const people = appointment.workers.map((w) => w.name).join(", ");
  const client = appointment.client ? `${appointment.client.first_name} ${appointment.client.last_name}`.trim() : "";
  return [`${when(appointment.start_at, connection)}\u2013${end}`, people, client].filter(Boolean).join(" \u00b7 ");
}

export function renderConflicts(connection) {
  const conflicts = state.detail.conflicts;
  el("conflicts-body").replaceChildren(...conflicts.items.map((conflict) => node("tr", {}, [
    recordCell(t("conflicts.record"), conflict, connection),
    cell(t("conflicts.inTheWay"), inTheWay(conflict, connection)),
    cell(t("conflicts.reason"), conflict.reason),
    cell(t("conflicts.since"), when(conflict.created_at, connection)),
  ])));
  const none = conflicts.items.length === 0;
  el("conflicts-empty").hidden = !none;
  el("conflicts-table").hidden = none;
  more("conflicts-more", conflicts);
}

const OUTCOMES = { ok: "ok", partial: "wait", failed: "failing" };

export function renderRuns(connection) {
  const runs = state.detail.runs;
  el("runs-body").replaceChildren(...runs.items.map((run) => {
    const outcome = run.outcome || "running";
    const seconds = run.finished_at
      ? Math.max(0, Math.round((Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000)) : null;
    return node("tr", { className: `run-${outcome}` }, [
      node("th", { attrs: { scope: "row", "data-label": t("runs.started") } }, [
        node("span", { text: when(run.started_at, connection, { seconds: true }) }),
        seconds === null ? null : node("span", { className: "hint block", text: t("runs.took", { time: secondsText(seconds) }) }),
      ]),
      cell(t("runs.outcome"), badge(t(`outcome.${outcome}`), OUTCOMES[outcome] || "new"),
        run.error ? node("span", { className: "block run-error", text: run.error }) : ""),
      ...countCells(run),
    ]);
  }));
  const none = runs.items.length === 0;
  el("runs-empty").hidden = !none;
  el("runs-table").hidden = none;
  more("runs-more", runs);
}
