// A client's appointments (upcoming, soonest first; past, newest first) in the firm's time
// zone, and their wallet, drawn in the user's language. Text only ever goes in as textContent.

import { localeTag } from "./i18n.js";

const el = (id) => document.getElementById(id);

function node(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

// "€25.00" in the user's language; a currency code Intl does not know shows as "25.00 XYZ".
export function money(amount, currency, options = {}) {
  const value = Number(amount);
  try {
    return new Intl.NumberFormat(localeTag(), { style: "currency", currency, ...options })
      .format(value);
  } catch (_) {
    return `${value.toFixed(2)} ${currency}`;
  }
}

// The sum of decimal strings, exact to the cent.
function cents(amount) {
  return Math.round(Number(amount) * 100);
}

export function day(zone, iso) {
  return new Intl.DateTimeFormat(localeTag(), {
    timeZone: zone, weekday: "short", day: "numeric", month: "short", year: "numeric",
  }).format(new Date(iso));
}

export function clock(zone, iso) {
  return new Intl.DateTimeFormat(localeTag(), {
    timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).format(new Date(iso));
}

// An appointment's price: the sum of its services' prices, one figure per currency (the
// catalog tells a service's currency; the wallet's is the fallback).
function price(appointment, catalog) {
  const sums = new Map();
  for (const service of appointment.services) {
    const currency = catalog.currencies.get(service.id) || catalog.fallbackCurrency;
    sums.set(currency, (sums.get(currency) || 0) + cents(service.price));
  }
  return [...sums].map(([currency, sum]) => money(sum / 100, currency)).join(" + ");
}

function visit(t, zone, appointment, catalog) {
  const item = node("li", `visit is-${appointment.status}`);
  item.dataset.appointmentId = appointment.id;
  item.dataset.status = appointment.status;

  const when = node("p", "visit-when");
  const start = node("time", "", `${day(zone, appointment.start_at)}, `
    + `${clock(zone, appointment.start_at)}\u2013${clock(zone, appointment.end_at)}`);
  start.dateTime = appointment.start_at;
  when.append(start);
  const badges = node("span", "badges");
  const status = node("span", `badge badge-${appointment.status}`, t(`status.${appointment.status}`));
  badges.append(status);
  if (appointment.is_open && appointment.status !== "in_progress") {
    badges.append(node("span", "badge badge-open", t("clients.open")));
  }
  when.append(" ", badges);

  const services = appointment.services.map((s) => s.name).join(", ") || t("clients.noService");
  const what = node("p", "visit-what");
  what.append(node("span", "visit-services", services));
  if (appointment.services.length) what.append(node("span", "visit-price", price(appointment, catalog)));

  const parts = [when, what];
  const workers = appointment.workers.map((w) => w.name).join(", ");
  const where = catalog.locations.size > 1 ? catalog.locations.get(appointment.location_id) : "";
  const who = [workers && t("clients.with", { names: workers }), where].filter(Boolean).join(" \u00b7 ");
  if (who) parts.push(node("p", "visit-who muted", who));
  item.append(...parts);
  return item;
}

// `appointments`: as GET /appointments returns them (by start). Upcoming are those not yet
// over, soonest first; past ones newest first.
export function drawHistory(t, zone, appointments, catalog, now = Date.now()) {
  const upcoming = appointments.filter((a) => Date.parse(a.end_at) > now)
    .sort((a, b) => Date.parse(a.start_at) - Date.parse(b.start_at));
  const past = appointments.filter((a) => Date.parse(a.end_at) <= now)
    .sort((a, b) => Date.parse(b.start_at) - Date.parse(a.start_at));
  el("history-upcoming").replaceChildren(...upcoming.map((a) => visit(t, zone, a, catalog)));
  el("history-past").replaceChildren(...past.map((a) => visit(t, zone, a, catalog)));
  el("history-upcoming-box").hidden = !upcoming.length;
  el("history-past-box").hidden = !past.length;
  el("history-empty").hidden = appointments.length > 0;
  el("history-zone").textContent = t("clients.timesIn", { zone });
}

export function clearHistory() {
  for (const id of ["history-upcoming", "history-past", "wallet-rows"]) el(id).replaceChildren();
  for (const id of ["history-upcoming-box", "history-past-box", "history-empty", "wallet-history"]) {
    el(id).hidden = true;
  }
  el("wallet-balance").textContent = "";
  el("history-zone").textContent = "";
}

export function drawWallet(t, zone, wallet) {
  el("wallet-balance").textContent = t("clients.balance", {
    amount: money(wallet.balance, wallet.currency),
  });
  const rows = wallet.transactions.map((tx) => {
    const row = node("tr");
    const date = node("td", "", `${day(zone, tx.created_at)}, ${clock(zone, tx.created_at)}`);
    const amount = node("td", `num ${Number(tx.amount) < 0 ? "debit" : "credit"}`,
      money(tx.amount, wallet.currency, { signDisplay: "exceptZero" }));
    row.append(date, node("td", "", tx.description), amount);
    return row;
  });
  el("wallet-rows").replaceChildren(...rows);
  el("wallet-summary").textContent = t("clients.walletEntries", { count: rows.length });
  el("wallet-history").hidden = rows.length === 0;
}
