// Small pieces every section of the setup page shares: building rows, saying a refusal beside
// a form, a write with its button disabled, checking a form before it is sent, and the
// dialogs' delete confirmation.

import { localeTag } from "./i18n.js";
import { json, refusalIn, showMessage as say } from "./page-ui.js";

export const el = (id) => document.getElementById(id);

// An element with text only: names typed by users never become markup.
export function node(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined && text !== null) made.textContent = text;
  return made;
}

export function cell(text, label, className) {
  const td = node("td", className, text);
  // The column's name, shown before the value when a phone stacks the table's cells.
  if (label) td.dataset.label = label;
  return td;
}

export function button(text, className, onClick) {
  const made = node("button", className, text);
  made.type = "button";
  made.addEventListener("click", onClick);
  return made;
}

export function badge(t, active) {
  return node("span", active ? "state active" : "state inactive",
    t(active ? "state.active" : "state.inactive"));
}

export { json, say };

// The setup sections pass their translator in, so the wording is bound per call.
export function refusal(t, err) {
  return refusalIn(t, { refused: "setup.refused", unreachable: "common.unreachable" })(err);
}

// A write with its button disabled; a refusal is said in `box` (what was typed stays) and
// gives null, so the caller only handles the answer.
export async function saving(t, busy, box, work) {
  const buttons = Array.isArray(busy) ? busy : [busy];
  for (const b of buttons) b.disabled = true;
  say(box, "");
  try {
    return { answer: await work() };
  } catch (err) {
    say(box, refusal(t, err));
    return { error: err };
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

function labelOf(field) {
  const label = field.labels && field.labels[0];
  if (field.hasAttribute("aria-label") || !label) return field.getAttribute("aria-label") || field.name;
  const words = label.querySelector("[data-i18n]");
  return (words || label).textContent.trim();
}

// The form's own checks (required, limits, patterns, custom ones) before anything is sent:
// the wrong fields are marked and named in the message; "" when all is well.
export function checkFields(t, form) {
  const wrong = [];
  for (const field of form.elements) {
    if (!field.willValidate) continue;
    const ok = field.checkValidity();
    if (ok) field.removeAttribute("aria-invalid");
    else {
      field.setAttribute("aria-invalid", "true");
      wrong.push(field.validationMessage && field.dataset.custom
        ? field.validationMessage : labelOf(field));
    }
  }
  if (!wrong.length) return "";
  const first = [...form.elements].find((f) => f.getAttribute("aria-invalid") === "true");
  if (first) first.focus();
  return t("setup.checkFields", { fields: wrong.join("; ") });
}

export function clearMarks(form) {
  for (const field of form.elements) field.removeAttribute("aria-invalid");
}

export const intOrNull = (input) => (input.value.trim() === "" ? null : Number(input.value));

// "25,5" (a German keyboard) is 25.50: the API takes exact money as a string with a point.
export const moneyText = (value) => value.trim().replace(",", ".");

export function formatMoney(amount, currency) {
  try {
    // A string keeps the amount exact (Intl formats decimal strings without a float).
    return new Intl.NumberFormat(localeTag(), { style: "currency", currency }).format(amount);
  } catch (_) {
    return `${amount} ${currency}`;
  }
}

const unit = (value, name) => new Intl.NumberFormat(localeTag(), {
  style: "unit", unit: name, unitDisplay: "long",
}).format(value);

export const minutesText = (minutes) => new Intl.NumberFormat(localeTag(), {
  style: "unit", unit: "minute", unitDisplay: "short",
}).format(minutes);

// 90 → "1 hour, 30 minutes", 2880 → "2 days": what a number of minutes (and seconds) means.
export function spanText(minutes, seconds = 0) {
  if (!Number.isFinite(minutes) || minutes < 0) return "";
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const parts = [];
  if (days) parts.push(unit(days, "day"));
  if (hours) parts.push(unit(hours, "hour"));
  if (rest) parts.push(unit(rest, "minute"));
  if (seconds) parts.push(unit(seconds, "second"));
  return new Intl.ListFormat(localeTag(), { style: "long", type: "unit" }).format(parts);
}

// Monday is 0, as in the API.
export function dayName(day, width = "long") {
  return new Intl.DateTimeFormat(localeTag(), { weekday: width, timeZone: "UTC" })
    .format(new Date(Date.UTC(2024, 0, 1 + day)));
}

export function dateText(iso) {
  return new Intl.DateTimeFormat(localeTag(), {
    weekday: "short", day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
  }).format(new Date(`${iso}T00:00:00Z`));
}

export const hhmm = (time) => time.slice(0, 5);

// A dialog's "Delete…" asks first; `onYes` runs the delete.
export function confirmDelete(prefix, onYes) {
  const box = el(`${prefix}-confirm`);
  el(`${prefix}-delete`).addEventListener("click", () => {
    box.hidden = false;
    el(`${prefix}-delete-no`).focus();
  });
  el(`${prefix}-delete-no`).addEventListener("click", () => {
    box.hidden = true;
    el(`${prefix}-delete`).focus();
  });
  el(`${prefix}-delete-yes`).addEventListener("click", onYes);
  return () => { box.hidden = true; };
}

export function sortByName(items) {
  return items.sort((a, b) => a.name.localeCompare(b.name, localeTag()));
}

// After a dialog's save the list is drawn anew and its opener is gone: the keyboard goes on
// from the changed row's first button (or from `fallback`, e.g. after a delete).
export function refocus(rowSelector, fallback) {
  const target = document.querySelector(`${rowSelector} button`) || el(fallback);
  if (target) target.focus();
}
