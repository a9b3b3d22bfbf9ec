// The public booking API (/api/v1/public/<slug>) as the booking pages call it: JSON in and
// out, refusals as ApiError. A client signed in on this browser (session.js) makes its holds
// as itself; everyone else is a guest, whose hold is proven by the token it got back.

import { ApiError, readBody } from "./session.js";

export const API = document.body.dataset.api || "/api/v1";
export const SLUG = document.body.dataset.slug || "";

export class PublicApi {
  constructor(slug = SLUG) {
    this.path = `/public/${encodeURIComponent(slug)}`;
    this.session = null; // a signed-in client of this firm
  }

  // `auth`: headers proving a hold or a manage link; `asClient`: the signed-in client's
  // token goes along (holds and their confirmation only: a catalog read needs none).
  async call(path, { method = "GET", body, auth = {}, asClient = false } = {}) {
    const init = { method, headers: { ...auth }, cache: "no-store", referrerPolicy: "no-referrer" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (asClient && this.session) return this.session.request(this.path + path, init);
    const response = await fetch(API + this.path + path, init);
    if (!response.ok) {
      const err = new ApiError(response.status, await readBody(response));
      err.retryAfter = Number(response.headers.get("Retry-After")) || null;
      throw err;
    }
    return response.status === 204 ? null : readBody(response);
  }

  // A file behind a manage link (the .ics): fetched with the token in a header, never in
  // a URL, and handed to the browser as a download.
  async download(path, auth, filename) {
    const response = await fetch(API + this.path + path, {
      headers: auth, cache: "no-store", referrerPolicy: "no-referrer",
    });
    if (!response.ok) throw new ApiError(response.status, await readBody(response));
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  streamUrl(locationId) {
    return `${API}${this.path}/availability/stream?location_id=${encodeURIComponent(locationId)}`;
  }
}

export const manageAuth = (token) => ({ "X-Manage-Token": token });
export const holdAuth = (hold) => (hold && hold.token ? { "X-Hold-Token": hold.token } : {});

// "2026-12-03": a day as the API names it, of an instant in a zone.
export function dayIn(zone, date = new Date()) {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
  }).format(date);
}

// Days as "YYYY-MM-DD" strings, computed on UTC dates (no zone can shift them).
export const parseDay = (day) => new Date(`${day}T00:00:00Z`);
export const formatDay = (date) => date.toISOString().slice(0, 10);
export function addDays(day, n) {
  const date = parseDay(day);
  date.setUTCDate(date.getUTCDate() + n);
  return formatDay(date);
}

// "10:30" of a slot's or an appointment's local time ("2026-12-03T10:30:00").
export const localClock = (local) => String(local).slice(11, 16);

// Russian names days and months in lower case; at the start of a line they take a capital.
export const capital = (text) => text.charAt(0).toLocaleUpperCase() + text.slice(1);

export function longDay(day, locale) {
  return capital(new Intl.DateTimeFormat(locale, {
    timeZone: "UTC", weekday: "long", day: "numeric", month: "long",
  }).format(parseDay(day)));
}

export function money(amount, currency, locale) {
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(Number(amount));
  } catch (_) {
    return `${amount} ${currency}`;
  }
}

// A booking's summary as a description list: one term and value per row, rows without a
// value left out. Text goes in as textContent only.
export function summaryList(rows) {
  const dl = document.createElement("dl");
  for (const [term, value] of rows) {
    if (!value) continue;
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    dl.append(dt, dd);
  }
  return dl;
}
