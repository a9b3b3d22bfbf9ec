// The firm's locations: the list, and a dialog to add, change, retire or delete one. Its weekly
// hours and holidays have their own dialogs (setup-hours.js, setup-holidays.js).

import { ApiError } from "./session.js";
import {
  badge, button, cell, checkFields, clearMarks, confirmDelete, dayName, el, hhmm, intOrNull,
  json, node, refocus, saving, say, sortByName,
} from "./setup-ui.js";

let ctx = null;
let editing = null; // the location the dialog changes; null: a new one

// "Mon–Fri 09:00–19:00 · Sat 10:00–14:00": consecutive days with the same hours together.
export function hoursSummary(t, hours) {
  const byDay = Array.from({ length: 7 }, () => []);
  for (const h of hours) {
    if (!h.is_day_off) byDay[h.day_of_week].push(`${hhmm(h.start_time)}–${hhmm(h.end_time)}`);
  }
  const runs = [];
  for (let day = 0; day < 7; day++) {
    const text = byDay[day].join(", ");
    const last = runs[runs.length - 1];
    if (text && last && last.text === text && last.to === day - 1) last.to = day;
    else if (text) runs.push({ from: day, to: day, text });
  }
  if (!runs.length) return t("locations.noHours");
  return runs.map(({ from, to, text }) => {
    const days = from === to ? dayName(from, "short")
      : `${dayName(from, "short")}–${dayName(to, "short")}`;
    return `${days} ${text}`;
  }).join(" · ");
}

function row(location) {
  const { t } = ctx;
  const tr = node("tr");
  tr.dataset.location = location.id;
  const name = cell(location.name, null, "name");
  name.dataset.label = t("field.name");
  const summary = cell(hoursSummary(t, location.hours), t("locations.hours"), "hours");
  if (!location.hours.some((h) => !h.is_day_off)) summary.classList.add("warn");
  const actions = cell(null, null, "row-actions");
  actions.append(
    button(t("action.edit"), "small", () => openDialog(location)),
    button(t("locations.editHours"), "small", () => ctx.openHours(location)),
    button(t("locations.holidays"), "small", () => ctx.openHolidays(location)),
  );
  for (const b of actions.querySelectorAll("button")) {
    b.setAttribute("aria-label", `${b.textContent}: ${location.name}`);
  }
  const status = cell(null, t("field.status"));
  status.append(badge(t, location.is_active));
  tr.append(
    name,
    cell(location.address || "—", t("field.address")),
    summary,
    cell(location.capacity === null ? t("locations.noLimit") : String(location.capacity),
      t("field.capacity")),
    status,
    actions,
  );
  return tr;
}

export function render() {
  if (!ctx.firm) return;
  sortByName(ctx.locations);
  el("locations-rows").replaceChildren(...ctx.locations.map(row));
  el("locations-empty").hidden = ctx.locations.length > 0;
  el("locations-table").hidden = ctx.locations.length === 0;
  if (el("location-dialog").open) title();
}

function title() {
  const { t } = ctx;
  el("location-title").textContent = editing
    ? t("locations.editTitle", { name: editing.name }) : t("locations.newTitle");
}

function openDialog(location) {
  editing = location;
  const form = el("location-form");
  clearMarks(form);
  say(el("location-error"), "");
  el("location-confirm").hidden = true;
  el("location-name").value = location ? location.name : "";
  el("location-address").value = location ? location.address : "";
  el("location-zone").value = location ? location.time_zone : ctx.firm.time_zone;
  el("location-capacity").value = location && location.capacity !== null ? location.capacity : "";
  el("location-active").checked = location ? location.is_active : true;
  el("location-delete").hidden = !location;
  title();
  el("location-dialog").showModal();
}

function body() {
  return {
    name: el("location-name").value.trim(),
    address: el("location-address").value.trim(),
    time_zone: el("location-zone").value.trim(),
    capacity: intOrNull(el("location-capacity")),
    is_active: el("location-active").checked,
  };
}

async function reload() {
  ctx.locations = await ctx.session.requestAll("/locations");
  ctx.changed("locations");
}

function replaced(location) {
  const at = ctx.locations.findIndex((l) => l.id === location.id);
  if (at >= 0) ctx.locations[at] = location;
  else ctx.locations.push(location);
  ctx.changed("locations");
}

async function save(event) {
  event.preventDefault();
  const { t } = ctx;
  const error = el("location-error");
  const wrong = checkFields(t, el("location-form"));
  if (wrong) {
    say(error, wrong);
    return;
  }
  const request = editing
    ? () => ctx.session.request(`/locations/${editing.id}`, json("PATCH", body()))
    : () => ctx.session.request("/locations", json("POST", body()));
  const { answer, error: err } = await saving(t, el("location-save"), error, request);
  if (err instanceof ApiError && err.status === 404) await reload().catch(() => {});
  if (!answer) return;
  replaced(answer);
  el("location-dialog").close();
  refocus(`#locations-rows [data-location="${answer.id}"]`, "location-add");
}

async function remove() {
  const { t } = ctx;
  const gone = editing;
  const { answer, error: err } = await saving(
    t, [el("location-delete-yes"), el("location-save")], el("location-error"),
    () => ctx.session.request(`/locations/${gone.id}`, { method: "DELETE" }).then(() => true),
  );
  el("location-confirm").hidden = true;
  if (!answer && !(err instanceof ApiError && err.status === 404)) return;
  ctx.locations = ctx.locations.filter((l) => l.id !== gone.id);
  ctx.workplaces = ctx.workplaces.filter((w) => w.location_id !== gone.id);
  ctx.changed("locations");
  el("location-dialog").close();
  el("location-add").focus();
}

export function init(context) {
  ctx = context;
  el("location-add").addEventListener("click", () => openDialog(null));
  el("location-form").addEventListener("submit", save);
  el("location-form").addEventListener("input", (e) => e.target.removeAttribute("aria-invalid"));
  el("location-close").addEventListener("click", () => el("location-dialog").close());
  confirmDelete("location", remove);
}

// A location changed elsewhere on the page (its hours): the list shows the new one.
export function updated(location) {
  replaced(location);
}

export function clear() {
  editing = null;
  el("location-dialog").close();
  el("locations-rows").replaceChildren();
}
