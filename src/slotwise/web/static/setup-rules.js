// The firm's name, zone, language, booking rules and public booking page (GET/PATCH /firm).
// Owners and directors change them; a manager sees them read-only.

import { LANGUAGES } from "./i18n.js";
import {
  checkFields, clearMarks, el, json, saving, say, spanText,
} from "./setup-ui.js";

let ctx = null;
let filledFrom = null; // the firm object the form shows: a redraw keeps what is being typed

const NUMBERS = {
  slot_step_minutes: "rule-step",
  min_notice_minutes: "rule-notice",
  booking_horizon_days: "rule-horizon",
  client_change_deadline_minutes: "rule-deadline",
  hold_ttl_seconds: "rule-hold",
};
const TEXTS = { name: "rule-name", time_zone: "rule-zone", default_locale: "rule-locale" };
const MAX_REMINDERS = 10;
const MAX_REMINDER_MINUTES = 43200;

function reminders() {
  const text = el("rule-reminders").value.trim();
  return text ? text.split(",").map((part) => Number(part.trim())) : [];
}

// What each number means in days, hours and minutes, next to it.
function amount(input) {
  const { t } = ctx;
  if (input.value.trim() === "" || !input.checkValidity()) return "";
  if (input.id === "rule-reminders") {
    const list = reminders();
    return list.length ? t("rules.remindersAre", { list: list.map((m) => spanText(m)).join("; ") }) : "";
  }
  const value = Number(input.value);
  if (value === 0) return t("rules.zero");
  if (input.id === "rule-hold") {
    return value >= 60 ? `= ${spanText(Math.floor(value / 60), value % 60)}` : "";
  }
  return value >= 60 ? `= ${spanText(value)}` : "";
}

function amounts() {
  for (const span of document.querySelectorAll("#rules-form .amount")) {
    span.textContent = amount(el(span.dataset.for));
  }
}

function languages(current) {
  const select = el("rule-locale");
  const codes = Object.keys(LANGUAGES);
  // A firm may have a locale the pages do not speak (e.g. "fr"): it stays choosable.
  if (current && !codes.includes(current)) codes.push(current);
  select.replaceChildren(...codes.map((code) => new Option(LANGUAGES[code] || code, code)));
}

function fill() {
  const firm = ctx.firm;
  filledFrom = firm;
  languages(firm.default_locale);
  for (const [key, id] of Object.entries({ ...TEXTS, ...NUMBERS })) el(id).value = firm[key];
  el("rule-reminders").value = firm.reminder_offsets_minutes.join(", ");
  el("rule-public").checked = firm.public_booking;
  share();
  clearMarks(el("rules-form"));
  say(el("rules-error"), "");
}

function attribute(text) {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

// The page's address and the code that embeds it in the firm's own website, shown while the
// box is ticked (the page answers only once that is saved).
function share() {
  const firm = ctx.firm;
  const on = el("rule-public").checked;
  el("rule-page-share").hidden = !on;
  if (!on) return;
  const address = `${window.location.origin}/book/${encodeURIComponent(firm.slug)}`;
  const link = el("rule-page-link");
  link.href = address;
  link.textContent = address;
  // Written as text: an element built here would be styled under this page's own CSP.
  const title = ctx.t("rules.frameTitle", { name: el("rule-name").value.trim() || firm.name });
  el("rule-embed").value = `<iframe src="${attribute(address)}" title="${attribute(title)}" `
    + 'width="100%" height="760" style="border:0;max-width:40rem" loading="lazy"></iframe>';
}

async function copyEmbed() {
  const { t } = ctx;
  const status = el("rule-embed-copied");
  const code = el("rule-embed");
  try {
    await navigator.clipboard.writeText(code.value);
    status.textContent = t("rules.copied");
  } catch {
    // No clipboard (an insecure origin, a refused permission): the code is selected instead.
    code.select();
    status.textContent = t("rules.copyFailed");
  }
}

// The fields that differ from what the API last said: only they are sent.
function changes() {
  const firm = ctx.firm;
  const out = {};
  for (const [key, id] of Object.entries(TEXTS)) {
    const value = el(id).value.trim();
    if (value !== firm[key]) out[key] = value;
  }
  for (const [key, id] of Object.entries(NUMBERS)) {
    const value = Number(el(id).value);
    if (value !== firm[key]) out[key] = value;
  }
  if (el("rule-public").checked !== firm.public_booking) out.public_booking = el("rule-public").checked;
  const list = reminders();
  if (list.join(",") !== firm.reminder_offsets_minutes.join(",")) {
    out.reminder_offsets_minutes = list;
  }
  return out;
}

function checkReminders() {
  const input = el("rule-reminders");
  input.setCustomValidity("");
  delete input.dataset.custom;
  if (!input.validity.valid) return;
  const list = reminders();
  if (list.length > MAX_REMINDERS || list.some((m) => m < 1 || m > MAX_REMINDER_MINUTES)) {
    input.dataset.custom = "1";
    input.setCustomValidity(ctx.t("rules.remindersRange", {
      count: MAX_REMINDERS, max: MAX_REMINDER_MINUTES,
    }));
  }
}

async function save(event) {
  event.preventDefault();
  const { t } = ctx;
  const form = el("rules-form");
  const error = el("rules-error");
  const done = el("rules-done");
  done.textContent = "";
  checkReminders();
  const wrong = checkFields(t, form);
  if (wrong) {
    say(error, wrong);
    return;
  }
  const body = changes();
  if (!Object.keys(body).length) {
    say(error, "");
    done.textContent = t("rules.unchanged");
    return;
  }
  const { answer } = await saving(t, el("rules-save"), error, () =>
    ctx.session.request("/firm", json("PATCH", body)));
  if (!answer) return;
  ctx.firm = answer;
  fill();
  amounts();
  done.textContent = t("rules.saved");
}

export function init(context) {
  ctx = context;
  el("rules-form").addEventListener("submit", save);
  el("rules-form").addEventListener("input", (event) => {
    event.target.removeAttribute("aria-invalid");
    el("rules-done").textContent = "";
    el("rule-embed-copied").textContent = "";
    amounts();
    share();
  });
  el("rule-embed-copy").addEventListener("click", copyEmbed);
  el("rules-reset").addEventListener("click", () => {
    fill();
    amounts();
    el("rules-done").textContent = "";
  });
}

export function render() {
  if (!ctx.firm) return;
  if (filledFrom !== ctx.firm) fill();
  const readOnly = !ctx.canEditRules;
  el("rules-fields").disabled = readOnly;
  el("rules-readonly").hidden = !readOnly;
  el("rules-save").hidden = readOnly;
  el("rules-reset").hidden = readOnly;
  amounts();
}

export function clear() {
  filledFrom = null;
  el("rules-form").reset();
  el("rules-done").textContent = "";
  say(el("rules-error"), "");
}
