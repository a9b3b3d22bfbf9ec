// The services one workplace offers (PUT/DELETE /workplaces/{id}/services/{service}), each
// with its own price, duration or break where they differ from the service's. A row per
// service of the firm, each saved on its own.

import { ApiError } from "./session.js";
import {
  button, cell, checkFields, el, formatMoney, intOrNull, json, moneyText, node, refusal, saving,
  say, sortByName,
} from "./setup-ui.js";

let ctx = null;
let place = null; // the workplace shown

const MONEY_PATTERN = String.raw`\s*\d{1,10}([.,]\d{1,2})?\s*`;

function input(className, label, props) {
  const made = node("input", className);
  Object.assign(made, props);
  made.setAttribute("aria-label", label);
  return made;
}

function row(service, offer) {
  const { t } = ctx;
  const tr = node("tr");
  tr.dataset.service = service.id;
  const active = Boolean(offer && offer.is_active);
  const check = input("offered", t("offers.offeredFor", { name: service.name }), {
    type: "checkbox", checked: active,
  });
  const price = input("price", `${service.name}: ${t("field.price")}`, {
    type: "text", inputmode: "decimal", maxLength: 14, pattern: MONEY_PATTERN,
    value: offer && offer.price !== null ? offer.price : "", placeholder: service.price,
    autocomplete: "off",
  });
  price.setAttribute("inputmode", "decimal");
  const duration = input("duration", `${service.name}: ${t("offers.duration")}`, {
    type: "number", min: 1, max: 1440, step: 1,
    value: offer && offer.duration_minutes !== null ? offer.duration_minutes : "",
    placeholder: String(service.duration_minutes),
  });
  const pause = input("break", `${service.name}: ${t("offers.break")}`, {
    type: "number", min: 0, max: 1440, step: 1,
    value: offer && offer.break_after_minutes !== null ? offer.break_after_minutes : "",
    placeholder: String(service.break_after_minutes),
  });
  const sync = () => {
    for (const field of [price, duration, pause]) field.disabled = !check.checked;
  };
  check.addEventListener("change", sync);
  sync();
  const note = node("p", "row-note");
  note.setAttribute("role", "status");
  const error = node("p", "error");
  error.hidden = true;
  error.setAttribute("role", "alert");
  const save = button(t("common.save"), "small", () => saveRow(service, tr));
  save.setAttribute("aria-label", `${t("common.save")}: ${service.name}`);
  const actions = cell(null, null, "row-actions");
  actions.append(save, note, error);
  const name = cell(service.name, t("offers.service"), "name");
  if (!service.is_active) name.append(" ", node("span", "muted", `(${t("state.inactive")})`));
  const usual = node("span", "muted usual", t("offers.usual", {
    price: formatMoney(service.price, service.currency),
    minutes: service.duration_minutes,
  }));
  name.append(usual);
  const offeredCell = cell(null, t("offers.offered"));
  offeredCell.append(check);
  const cells = [price, duration, pause].map((field, i) => {
    const td = cell(null, [t("field.price"), t("offers.duration"), t("offers.break")][i]);
    td.append(field);
    return td;
  });
  tr.append(name, offeredCell, ...cells, actions);
  return tr;
}

function draw() {
  const { t } = ctx;
  el("offers-title").textContent = t("offers.title", { name: place.name });
  const list = ctx.offers.get(place.id) || [];
  const services = sortByName(ctx.services);
  el("offers-rows").replaceChildren(...services.map((service) =>
    row(service, list.find((o) => o.service_id === service.id))));
  el("offers-empty").hidden = services.length > 0;
  el("offers-table").hidden = services.length === 0;
}

function stored(list) {
  ctx.offers.set(place.id, list);
  ctx.changed("workplaces");
}

async function saveRow(service, tr) {
  const { t } = ctx;
  const error = tr.querySelector(".error");
  const note = tr.querySelector(".row-note");
  note.textContent = "";
  const fields = { elements: tr.querySelectorAll("input") };
  const wrong = checkFields(t, fields);
  if (wrong) {
    say(error, wrong);
    return;
  }
  const workplace = place;
  const list = ctx.offers.get(workplace.id) || [];
  const existing = list.find((o) => o.service_id === service.id);
  const path = `/workplaces/${workplace.id}/services/${service.id}`;
  const saveButton = tr.querySelector("button");
  if (!tr.querySelector(".offered").checked) {
    if (!existing) {
      say(error, "");
      note.textContent = t("offers.notOffered");
      return;
    }
    const { error: err } = await saving(t, saveButton, error, () =>
      ctx.session.request(path, { method: "DELETE" }));
    if (err && !(err instanceof ApiError && err.status === 404)) return;
    stored(list.filter((o) => o.service_id !== service.id));
    note.textContent = t("offers.removed");
    return;
  }
  const price = tr.querySelector(".price").value;
  const body = {
    price: price.trim() === "" ? null : moneyText(price),
    duration_minutes: intOrNull(tr.querySelector(".duration")),
    break_after_minutes: intOrNull(tr.querySelector(".break")),
    is_active: true,
  };
  const { answer } = await saving(t, saveButton, error, () =>
    ctx.session.request(path, json("PUT", body)));
  if (!answer) return;
  stored([...list.filter((o) => o.service_id !== service.id), answer]);
  note.textContent = t("offers.saved");
}

export async function open(workplace) {
  place = workplace;
  el("offers-title").textContent = ctx.t("offers.title", { name: workplace.name });
  el("offers-rows").replaceChildren();
  el("offers-dialog").showModal();
  try {
    ctx.offers.set(workplace.id, await ctx.session.request(`/workplaces/${workplace.id}/services`));
  } catch (err) {
    el("offers-rows").replaceChildren(node("tr"));
    const td = node("td", "error", refusal(ctx.t, err));
    td.colSpan = 6;
    el("offers-rows").firstElementChild.append(td);
    return;
  }
  if (place === workplace) draw();
}

export function init(context) {
  ctx = context;
  el("offers-close").addEventListener("click", () => el("offers-dialog").close());
  el("offers-dialog").addEventListener("input", (e) => e.target.removeAttribute("aria-invalid"));
}

// Drawn again in another language, the rows keep what was typed in them.
export function render() {
  if (!place || !el("offers-dialog").open || !ctx.offers.has(place.id)) return;
  const typed = new Map([...el("offers-rows").querySelectorAll("tr[data-service]")].map((tr) =>
    [tr.dataset.service, [...tr.querySelectorAll("input")].map((i) => [i.value, i.checked])]));
  draw();
  for (const tr of el("offers-rows").querySelectorAll("tr[data-service]")) {
    const values = typed.get(tr.dataset.service);
    if (!values) continue;
    tr.querySelectorAll("input").forEach((input, i) => {
      [input.value, input.checked] = values[i];
    });
    tr.querySelector(".offered").dispatchEvent(new Event("change"));
  }
}

export function clear() {
  place = null;
  el("offers-dialog").close();
  el("offers-rows").replaceChildren();
}
