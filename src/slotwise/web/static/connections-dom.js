// What the connections page's modules share: what the page has read, elements made from
// text only (names and the other system's words never become markup), refusals in words,
// a button busy while its request runs, and times in the connection's location's zone.

import { localeTag, translator } from "./i18n.js";
import { busy, json, refusalIn, showMessage, statusLine } from "./page-ui.js";
import common from "./strings-common.js";
import strings from "./strings-connections.js";

export const t = translator(common, strings);
export const el = (id) => document.getElementById(id);

// `worksAt`: specialist id → the ids of the locations they have weekly hours at (a CalDAV
// calendar and a staff mapping need a specialist of the connection's location).
// `detail`: what the open connection's tabs show, read when it is opened.
export const state = {
  session: null,
  me: null,
  connections: [],
  locations: [],
  specialists: [],
  services: [],
  worksAt: new Map(),
  selected: null,
  detail: null,
};

export function emptyDetail() {
  return {
    status: null,
    mappings: null,
    runs: { items: [], total: 0 },
    conflicts: { items: [], total: 0 },
    held: { items: [], total: 0 },
    appointments: new Map(), // conflict's appointment id → the appointment (or null)
  };
}

export function node(tag, { className, text, attrs } = {}, children = []) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined && text !== null) made.textContent = text;
  for (const [name, value] of Object.entries(attrs || {})) made.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined) made.append(child);
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
  const given = children.filter((child) => child !== "" && child !== null && child !== undefined);
  // On a phone the cell is a grid of the column's name and one value: several pieces go
  // into one box, else the second would fall under the name.
  if (given.length > 1) td.append(node("div", {}, given));
  else for (const child of given) td.append(child);
  return td;
}

export function badge(text, kind) {
  return node("span", { className: `badge badge-${kind}`, text });
}

// The shared helpers, bound to this page's status line and words.
export { busy, json, showMessage };
export const status = statusLine("connections-status", 10000);
export const refusal = refusalIn(t, { refused: "connections.refused", unreachable: "connections.unreachable" });

export const ifMatch = (connection) => ({ "If-Match": `"${connection.version}"` });

export function openDialog(dialog) {
  if (!dialog.open) dialog.showModal();
}

export const byName = (a, b) => a.name.localeCompare(b.name, localeTag());

export const locationOf = (connection) =>
  state.locations.find((l) => l.id === connection.location_id) || null;

export const specialistName = (id) => {
  const found = state.specialists.find((s) => s.id === id);
  return found ? found.name : t("connections.unknown");
};

export const serviceName = (id) => {
  const found = state.services.find((s) => s.id === id);
  return found ? found.name : t("connections.unknown");
};

// The active specialists with weekly hours at the location, by name.
export function specialistsAt(locationId) {
  return state.specialists
    .filter((s) => s.is_active && (state.worksAt.get(s.id) || new Set()).has(locationId))
    .sort(byName);
}

export const kindName = (connection) => t(`kind.${connection.kind}`);

// A moment (ISO, from the API) in the wall-clock time of the connection's location; the
// browser may be anywhere.
export function when(iso, connection, { seconds = false } = {}) {
  if (!iso) return "\u2014";
  const place = connection && locationOf(connection);
  const options = { dateStyle: "medium", timeStyle: seconds ? "medium" : "short" };
  try {
    return new Intl.DateTimeFormat(localeTag(), { ...options, timeZone: place ? place.time_zone : undefined })
      .format(new Date(iso));
  } catch (_) {
    return new Intl.DateTimeFormat(localeTag(), options).format(new Date(iso));
  }
}

// "3 minutes ago", "in 20 seconds": how far a moment is from now.
export function ago(iso) {
  if (!iso) return "";
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const format = new Intl.RelativeTimeFormat(localeTag(), { numeric: "auto" });
  const steps = [[60, "second"], [60, "minute"], [24, "hour"], [Infinity, "day"]];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) return format.format(value, unit);
    value = Math.round(value / size);
  }
  return "";
}

// A moment with how long ago it was: "7 Jan 2030, 10:01 (3 minutes ago)".
export function whenAgo(iso, connection) {
  if (!iso) return t("connections.never");
  return `${when(iso, connection)} (${ago(iso)})`;
}

// 90 → "1 minute, 30 seconds": what a number of seconds means.
export function secondsText(total) {
  if (!Number.isFinite(total) || total < 0) return "";
  const unit = (value, name) => new Intl.NumberFormat(localeTag(), {
    style: "unit", unit: name, unitDisplay: "long",
  }).format(value);
  const parts = [];
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours) parts.push(unit(hours, "hour"));
  if (minutes) parts.push(unit(minutes, "minute"));
  if (seconds || !parts.length) parts.push(unit(seconds, "second"));
  return new Intl.ListFormat(localeTag(), { style: "long", type: "unit" }).format(parts);
}

export const numberText = (value) => new Intl.NumberFormat(localeTag()).format(value);
