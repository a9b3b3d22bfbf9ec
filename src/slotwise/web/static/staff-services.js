// The services one specialist does, each with an optional price and duration of their own
// (empty: the service's). Saving sends only what changed, row by row; a refused row says
// why in its own line and keeps what was typed, the others are saved.

import { localeTag, onLanguage } from "./i18n.js";
import {
  busy, el, json, node, openDialog, refusal, showMessage, state, status, t,
} from "./staff-dom.js";
import { renderSpecialists } from "./staff-specialists.js";

const PRICE = /^\d{1,10}([.,]\d{1,2})?$/;
let current = null; // {specialist, rows: [{service, link, check, price, minutes, result}]}

function money(amount, currency) {
  try {
    return new Intl.NumberFormat(localeTag(), { style: "currency", currency }).format(Number(amount));
  } catch (_) {
    return `${amount} ${currency}`;
  }
}

function title() {
  el("services-dialog-title").textContent = t("services.title", { name: current.specialist.name });
}

function input(type, attrs) {
  const made = node("input", { attrs: { type, ...attrs } });
  return made;
}

function makeRow(service, link) {
  const id = `service-${service.id}`;
  const linked = Boolean(link && link.is_active);
  const check = input("checkbox", { id });
  check.checked = linked;
  const label = node("label", { attrs: { for: id } }, [node("span", { text: service.name })]);
  const details = node("span", {
    className: "hint",
    text: t("services.defaults", {
      price: money(service.price, service.currency), minutes: service.duration_minutes,
    }),
  });
  if (!service.is_active) details.textContent += ` \u00b7 ${t("services.inactive")}`;
  const price = input("text", {
    inputmode: "decimal", maxlength: "14", autocomplete: "off",
    placeholder: String(service.price), "aria-label": t("services.priceOf", { name: service.name }),
  });
  price.value = link && link.custom_price !== null ? String(link.custom_price) : "";
  const minutes = input("number", {
    min: "1", max: "1440", step: "1", placeholder: String(service.duration_minutes),
    "aria-label": t("services.durationOf", { name: service.name }),
  });
  minutes.value = link && link.custom_duration_minutes !== null
    ? String(link.custom_duration_minutes) : "";
  const result = node("span", { className: "result", attrs: { "data-result": service.id } });
  const r = { service, link, check, price, minutes, result };
  const follow = () => {
    price.disabled = !check.checked;
    minutes.disabled = !check.checked;
  };
  check.addEventListener("change", follow);
  follow();
  const tr = node("tr", { attrs: { "data-service": service.id } }, [
    node("td", { attrs: { "data-label": t("services.does") } }, [check]),
    node("td", { attrs: { "data-label": t("services.service") } }, [label, node("br"), details]),
    node("td", { attrs: { "data-label": t("services.price") } }, [price]),
    node("td", { attrs: { "data-label": t("services.duration") } }, [minutes]),
    node("td", { attrs: { "data-label": t("services.result") } }, [result]),
  ]);
  r.tr = tr;
  return r;
}

export async function openServices(specialist) {
  current = { specialist, rows: [] };
  title();
  showMessage(el("services-error"), "");
  el("services-body").replaceChildren();
  openDialog(el("services-dialog"));
  let links;
  try {
    links = await state.session.request(`/specialists/${specialist.id}/services`);
  } catch (err) {
    showMessage(el("services-error"), refusal(err));
    return;
  }
  state.links.set(specialist.id, links);
  const byService = new Map(links.map((l) => [l.service_id, l]));
  // The firm's active services, and any inactive one the specialist is still linked to.
  const shown = state.services.filter((s) => s.is_active || byService.has(s.id));
  current.rows = shown.map((s) => makeRow(s, byService.get(s.id)));
  el("services-body").replaceChildren(...current.rows.map((r) => r.tr));
  el("services-empty").hidden = shown.length > 0;
  const first = current.rows[0];
  if (first) first.check.focus();
}

function setResult(r, message, failed) {
  r.result.textContent = message;
  r.result.classList.toggle("error", failed);
  r.tr.classList.toggle("refused", failed);
}

// What the row asks for: null (no change), {delete: true}, {body}, or {error}.
function wanted(r) {
  const linked = Boolean(r.link && r.link.is_active);
  if (!r.check.checked) return linked ? { delete: true } : null;
  const priceText = r.price.value.trim();
  const minutesText = r.minutes.value.trim();
  if (priceText && !PRICE.test(priceText)) return { error: t("services.badPrice") };
  const minutes = minutesText ? Number(minutesText) : null;
  if (minutesText && !(Number.isInteger(minutes) && minutes >= 1 && minutes <= 1440)) {
    return { error: t("services.badDuration") };
  }
  const body = {
    custom_price: priceText ? Number(priceText.replace(",", ".")).toFixed(2) : null,
    custom_duration_minutes: minutes,
    is_active: true,
  };
  const same = linked
    && (r.link.custom_price === null ? null : Number(r.link.custom_price).toFixed(2)) === body.custom_price
    && r.link.custom_duration_minutes === body.custom_duration_minutes;
  return same ? null : { body };
}

async function saveRow(r, want) {
  const path = `/specialists/${current.specialist.id}/services/${r.service.id}`;
  if (want.error) {
    setResult(r, want.error, true);
    return false;
  }
  try {
    if (want.delete) {
      await state.session.request(path, { method: "DELETE" });
      r.link = null;
      setResult(r, t("services.removed"), false);
    } else {
      r.link = await state.session.request(path, json("PUT", want.body));
      setResult(r, t("services.savedRow"), false);
    }
    return true;
  } catch (err) {
    setResult(r, refusal(err), true);
    return false;
  }
}

async function save(event) {
  event.preventDefault();
  const specialist = current.specialist;
  await busy(el("services-save"), async () => {
    let failed = 0;
    let changed = 0;
    for (const r of current.rows) {
      const want = wanted(r);
      if (!want) {
        setResult(r, "", false);
        continue;
      }
      changed += 1;
      if (!(await saveRow(r, want))) failed += 1;
    }
    state.links.set(specialist.id, current.rows.filter((r) => r.link).map((r) => r.link));
    renderSpecialists();
    if (failed) {
      showMessage(el("services-error"), t("services.someRefused", { count: failed }));
      const bad = current.rows.find((r) => r.tr.classList.contains("refused"));
      if (bad) (bad.check.checked ? bad.price : bad.check).focus();
      return;
    }
    showMessage(el("services-error"), "");
    el("services-dialog").close();
    status(changed ? t("services.saved", { name: specialist.name }) : t("services.nothing"));
  });
}

el("services-form").addEventListener("submit", save);
el("services-cancel").addEventListener("click", () => el("services-dialog").close());
onLanguage(() => {
  if (el("services-dialog").open && current) title();
});
