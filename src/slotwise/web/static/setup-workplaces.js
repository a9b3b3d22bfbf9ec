// The workplaces of one location (chairs, rooms): the list with the services each offers, and
// a dialog to add, change, move, retire or delete one. The services a workplace offers have
// their own dialog (setup-offers.js).

import { ApiError } from "./session.js";
import {
  badge, button, cell, checkFields, clearMarks, confirmDelete, el, json, node, refocus, refusal,
  saving, say, sortByName,
} from "./setup-ui.js";

let ctx = null;
let chosen = null; // the id of the location shown
let editing = null; // the workplace the dialog changes; null: a new one
const asked = new Set(); // workplaces whose offers are being read

function locationOptions(select, selected) {
  const { t } = ctx;
  select.replaceChildren(...sortByName(ctx.locations).map((l) => new Option(
    l.is_active ? l.name : `${l.name} (${t("state.inactive")})`, l.id)));
  if (selected) select.value = selected;
}

function offered(workplace) {
  const { t } = ctx;
  const list = ctx.offers.get(workplace.id);
  if (!list) return "…";
  const names = list.filter((o) => o.is_active)
    .map((o) => ctx.services.find((s) => s.id === o.service_id))
    .filter(Boolean).map((s) => s.name);
  return names.length ? names.join(", ") : t("workplaces.offersNothing");
}

function row(workplace) {
  const { t } = ctx;
  const tr = node("tr");
  tr.dataset.workplace = workplace.id;
  const offers = cell(offered(workplace), t("workplaces.offers"), "offers");
  if (ctx.offers.get(workplace.id) && !ctx.offers.get(workplace.id).some((o) => o.is_active)) {
    offers.classList.add("warn");
  }
  const status = cell(null, t("field.status"));
  status.append(badge(t, workplace.is_active));
  const actions = cell(null, null, "row-actions");
  const edit = button(t("action.edit"), "small", () => openDialog(workplace));
  edit.setAttribute("aria-label", `${t("action.edit")}: ${workplace.name}`);
  const services = button(t("workplaces.services"), "small", () => ctx.openOffers(workplace));
  services.setAttribute("aria-label", `${t("workplaces.services")}: ${workplace.name}`);
  actions.append(edit, services);
  tr.append(
    cell(workplace.name, t("field.name"), "name"),
    cell(workplace.type || "—", t("field.type")),
    offers,
    status,
    actions,
  );
  return tr;
}

// Reads the offers of the workplaces shown that the page has not read yet, then draws again.
async function readOffers(shown) {
  const missing = shown.filter((w) => !ctx.offers.has(w.id) && !asked.has(w.id));
  if (!missing.length || !ctx.session) return;
  for (const w of missing) asked.add(w.id);
  try {
    const lists = await Promise.all(missing.map((w) =>
      ctx.session.request(`/workplaces/${w.id}/services`)));
    missing.forEach((w, i) => ctx.offers.set(w.id, lists[i]));
    say(el("workplaces-error"), "");
  } catch (err) {
    say(el("workplaces-error"), refusal(ctx.t, err));
  } finally {
    for (const w of missing) asked.delete(w.id);
  }
  if (ctx.session) draw();
}

function draw() {
  const shown = sortByName(ctx.workplaces.filter((w) => w.location_id === chosen));
  el("workplaces-rows").replaceChildren(...shown.map(row));
  const empty = el("workplaces-empty");
  empty.dataset.i18n = chosen ? "workplaces.empty" : "workplaces.noLocation";
  empty.textContent = ctx.t(empty.dataset.i18n);
  empty.hidden = shown.length > 0;
  el("workplaces-table").hidden = shown.length === 0;
  el("workplace-add").disabled = !chosen;
  return shown;
}

export function render() {
  if (!ctx.firm) return;
  if (!ctx.locations.some((l) => l.id === chosen)) {
    // The first location that has workplaces, else the first open one.
    const sorted = sortByName(ctx.locations);
    const first = sorted.find((l) => l.is_active
      && ctx.workplaces.some((w) => w.location_id === l.id))
      || sorted.find((l) => l.is_active) || sorted[0];
    chosen = first ? first.id : null;
  }
  locationOptions(el("workplaces-location"), chosen);
  readOffers(draw());
  if (el("workplace-dialog").open) title();
}

function title() {
  const { t } = ctx;
  el("workplace-title").textContent = editing
    ? t("workplaces.editTitle", { name: editing.name }) : t("workplaces.newTitle");
}

function openDialog(workplace) {
  editing = workplace;
  clearMarks(el("workplace-form"));
  say(el("workplace-error"), "");
  el("workplace-confirm").hidden = true;
  locationOptions(el("workplace-location"), workplace ? workplace.location_id : chosen);
  el("workplace-name").value = workplace ? workplace.name : "";
  el("workplace-type").value = workplace ? workplace.type : "";
  el("workplace-active").checked = workplace ? workplace.is_active : true;
  el("workplace-delete").hidden = !workplace;
  title();
  el("workplace-dialog").showModal();
}

function body() {
  const out = {
    location_id: el("workplace-location").value,
    name: el("workplace-name").value.trim(),
    type: el("workplace-type").value.trim(),
    is_active: el("workplace-active").checked,
  };
  // Sent only when it moves: a move is refused while the workplace is in use.
  if (editing && out.location_id === editing.location_id) delete out.location_id;
  return out;
}

async function reload() {
  ctx.workplaces = await ctx.session.requestAll("/workplaces");
  ctx.changed("workplaces");
}

async function save(event) {
  event.preventDefault();
  const { t } = ctx;
  const error = el("workplace-error");
  const wrong = checkFields(t, el("workplace-form"));
  if (wrong) {
    say(error, wrong);
    return;
  }
  const request = editing
    ? () => ctx.session.request(`/workplaces/${editing.id}`, json("PATCH", body()))
    : () => ctx.session.request("/workplaces", json("POST", body()));
  const { answer, error: err } = await saving(t, el("workplace-save"), error, request);
  if (err instanceof ApiError && err.status === 404) await reload().catch(() => {});
  if (!answer) return;
  ctx.workplaces = ctx.workplaces.filter((w) => w.id !== answer.id);
  ctx.workplaces.push(answer);
  if (!editing) ctx.offers.set(answer.id, []);
  chosen = answer.location_id;
  ctx.changed("workplaces");
  el("workplace-dialog").close();
  refocus(`#workplaces-rows [data-workplace="${answer.id}"]`, "workplace-add");
}

async function remove() {
  const gone = editing;
  const { answer, error: err } = await saving(
    ctx.t, [el("workplace-delete-yes"), el("workplace-save")], el("workplace-error"),
    () => ctx.session.request(`/workplaces/${gone.id}`, { method: "DELETE" }).then(() => true),
  );
  el("workplace-confirm").hidden = true;
  if (!answer && !(err instanceof ApiError && err.status === 404)) return;
  ctx.workplaces = ctx.workplaces.filter((w) => w.id !== gone.id);
  ctx.offers.delete(gone.id);
  ctx.changed("workplaces");
  el("workplace-dialog").close();
  el("workplace-add").focus();
}

export function init(context) {
  ctx = context;
  ctx.offers = new Map(); // workplace id → the services it offers, as last read
  el("workplaces-location").addEventListener("change", (event) => {
    chosen = event.currentTarget.value;
    readOffers(draw());
  });
  el("workplace-add").addEventListener("click", () => openDialog(null));
  el("workplace-form").addEventListener("submit", save);
  el("workplace-form").addEventListener("input", (e) => e.target.removeAttribute("aria-invalid"));
  el("workplace-close").addEventListener("click", () => el("workplace-dialog").close());
  confirmDelete("workplace", remove);
}

export function clear() {
  chosen = editing = null;
  ctx.offers.clear();
  el("workplace-dialog").close();
  el("workplaces-rows").replaceChildren();
}
