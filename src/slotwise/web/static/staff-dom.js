// Small helpers the staff page's modules share: elements made from text only (names never
// become markup), messages beside a form, a button that is busy while its request runs.

import { localeTag, translator } from "./i18n.js";
import { busy, json, refusalIn, showMessage, statusLine } from "./page-ui.js";
import common from "./strings-common.js";
import strings from "./strings-staff.js";

export const t = translator(common, strings);
export const el = (id) => document.getElementById(id);

export function node(tag, { className, text, attrs } = {}, children = []) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  for (const [name, value] of Object.entries(attrs || {})) made.setAttribute(name, value);
  for (const child of children) if (child) made.append(child);
  return made;
}

export function button(label, onClick, { className, name } = {}) {
  const made = node("button", { className, text: label, attrs: { type: "button" } });
  if (name) made.setAttribute("aria-label", name);
  made.addEventListener("click", onClick);
  return made;
}

// A cell that names its column, for the phone layout where each row is a card.
export function cell(label, ...children) {
  const td = node("td", { attrs: { "data-label": label } });
  for (const child of children) td.append(child);
  return td;
}

// The shared helpers, bound to this page's status line and words.
export { busy, json, showMessage };
export const status = statusLine("staff-status", 8000);
export const refusal = refusalIn(t, { refused: "staff.refused", unreachable: "staff.unreachable" });

// "09:00:00" → "09:00" (time inputs and the tables show minutes).
export const hhmm = (value) => String(value || "").slice(0, 5);

export function formatDate(iso, options = { weekday: "short", day: "numeric", month: "short", year: "numeric" }) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat(localeTag(), { ...options, timeZone: "UTC" })
    .format(new Date(Date.UTC(y, m - 1, d)));
}

// Today's date (YYYY-MM-DD) in a time zone.
export function todayIn(zone) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
  }).formatToParts(new Date());
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

export function openDialog(dialog) {
  if (!dialog.open) dialog.showModal();
}

// What the page has read, shared by its parts. `links`: specialist id → their service links.
export const state = {
  session: null,
  me: null,
  specialists: [],
  services: [],
  locations: [],
  workplaces: [],
  links: new Map(),
  users: [],
};

export const byName = (a, b) => a.name.localeCompare(b.name);

export const specialistName = (id) => {
  const found = state.specialists.find((s) => s.id === id);
  return found ? found.name : "";
};

// The row's buttons: on a phone they need no column name before them.
export function actionsCell(actions) {
  return node("td", { className: "actions-cell" }, [actions]);
}
