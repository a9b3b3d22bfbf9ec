// The firm's services: the list (duration, break, price in its currency) and a dialog to add,
// change, retire or delete one. Prices stay exact: the API's strings, never floats.

import { ApiError } from "./session.js";
import {
  badge, button, cell, checkFields, clearMarks, confirmDelete, el, formatMoney, json,
  minutesText, moneyText, node, refocus, saving, say, sortByName,
} from "./setup-ui.js";

let ctx = null;
let editing = null; // the service the dialog changes; null: a new one

const NUMBERS = {
  duration_minutes: "service-duration",
  break_after_minutes: "service-break",
  buffer_before_minutes: "service-before",
  buffer_after_minutes: "service-after",
};

function row(service) {
  const { t } = ctx;
  const tr = node("tr");
  tr.dataset.service = service.id;
  const name = cell(service.name, t("field.name"), "name");
  if (service.description) name.append(node("span", "muted usual", service.description));
  const status = cell(null, t("field.status"));
  status.append(badge(t, service.is_active));
  const actions = cell(null, null, "row-actions");
  const edit = button(t("action.edit"), "small", () => openDialog(service));
  edit.setAttribute("aria-label", `${t("action.edit")}: ${service.name}`);
  actions.append(edit);
  const extra = service.buffer_before_minutes || service.buffer_after_minutes
    ? t("services.buffers", {
      before: service.buffer_before_minutes, after: service.buffer_after_minutes,
    }) : "";
  const duration = cell(minutesText(service.duration_minutes), t("field.duration"), "number");
  if (extra) duration.append(node("span", "muted usual", extra));
  tr.append(
    name,
    duration,
    cell(service.break_after_minutes ? minutesText(service.break_after_minutes) : "—",
      t("field.breakAfter"), "number"),
    cell(formatMoney(service.price, service.currency), t("field.price"), "number"),
    status,
    actions,
  );
  return tr;
}

export function render() {
  if (!ctx.firm) return;
  sortByName(ctx.services);
  el("services-rows").replaceChildren(...ctx.services.map(row));
  el("services-empty").hidden = ctx.services.length > 0;
  el("services-table").hidden = ctx.services.length === 0;
  if (el("service-dialog").open) title();
}

function title() {
  const { t } = ctx;
  el("service-title").textContent = editing
    ? t("services.editTitle", { name: editing.name }) : t("services.newTitle");
}

// A new service takes the currency the firm's services already have.
function usualCurrency() {
  return ctx.services.length ? ctx.services[0].currency : "EUR";
}

function openDialog(service) {
  editing = service;
  clearMarks(el("service-form"));
  say(el("service-error"), "");
  el("service-confirm").hidden = true;
  el("service-name").value = service ? service.name : "";
  el("service-description").value = service ? service.description : "";
  for (const [key, id] of Object.entries(NUMBERS)) {
    el(id).value = service ? service[key] : (key === "duration_minutes" ? 30 : 0);
  }
  el("service-price").value = service ? service.price : "";
  el("service-currency").value = service ? service.currency : usualCurrency();
  el("service-active").checked = service ? service.is_active : true;
  el("service-delete").hidden = !service;
  title();
  el("service-dialog").showModal();
}

function body() {
  const out = {
    name: el("service-name").value.trim(),
    description: el("service-description").value.trim(),
    price: moneyText(el("service-price").value),
    currency: el("service-currency").value.trim().toUpperCase(),
    is_active: el("service-active").checked,
  };
  for (const [key, id] of Object.entries(NUMBERS)) out[key] = Number(el(id).value);
  return out;
}

async function reload() {
  ctx.services = await ctx.session.requestAll("/services");
  ctx.changed("services");
}

async function save(event) {
  event.preventDefault();
  const { t } = ctx;
  const error = el("service-error");
  const wrong = checkFields(t, el("service-form"));
  if (wrong) {
    say(error, wrong);
    return;
  }
  const request = editing
    ? () => ctx.session.request(`/services/${editing.id}`, json("PATCH", body()))
    : () => ctx.session.request("/services", json("POST", body()));
  const { answer, error: err } = await saving(t, el("service-save"), error, request);
  if (err instanceof ApiError && err.status === 404) await reload().catch(() => {});
  if (!answer) return;
  ctx.services = ctx.services.filter((s) => s.id !== answer.id);
  ctx.services.push(answer);
  ctx.changed("services");
  el("service-dialog").close();
  refocus(`#services-rows [data-service="${answer.id}"]`, "service-add");
}

async function remove() {
  const gone = editing;
  const { answer, error: err } = await saving(
    ctx.t, [el("service-delete-yes"), el("service-save")], el("service-error"),
    () => ctx.session.request(`/services/${gone.id}`, { method: "DELETE" }).then(() => true),
  );
  el("service-confirm").hidden = true;
  if (!answer && !(err instanceof ApiError && err.status === 404)) return;
  ctx.services = ctx.services.filter((s) => s.id !== gone.id);
  for (const [id, list] of ctx.offers) {
    ctx.offers.set(id, list.filter((o) => o.service_id !== gone.id));
  }
  ctx.changed("services");
  el("service-dialog").close();
  el("service-add").focus();
}

export function init(context) {
  ctx = context;
  el("service-add").addEventListener("click", () => openDialog(null));
  el("service-form").addEventListener("submit", save);
  el("service-form").addEventListener("input", (e) => e.target.removeAttribute("aria-invalid"));
  el("service-close").addEventListener("click", () => el("service-dialog").close());
  confirmDelete("service", remove);
}

export function clear() {
  editing = null;
  el("service-dialog").close();
  el("services-rows").replaceChildren();
}
