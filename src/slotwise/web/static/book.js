// The public booking page /book/<slug>: location → service → specialist (or anyone) → a day
// of the month → a time → hold (with its countdown) → contact details → the emailed code →
// booked. Everything is read through the public API; while the page is open the public
// availability stream says which days changed and the days and times shown are read again.
// Text only ever goes into the page as textContent.

import {
  API, PublicApi, addDays, dayIn, holdAuth, localClock, longDay, manageAuth, money, SLUG,
  summaryList,
} from "./book-api.js";
import { lastOfMonth, monthOf, monthTitle, renderMonth, shiftMonth } from "./book-month.js";
import { offerReminders, pushSupported, registerWorker } from "./book-push.js";
import {
  language, languagePicker, localeTag, onLanguage, refusalText, setLanguage, translatePage,
  translator,
} from "./i18n.js";
import { Session } from "./session.js";
import common from "./strings-common.js";
import strings from "./strings-book.js";

const t = translator(strings, common);
const el = (id) => document.getElementById(id);
const api = new PublicApi();
const VIEWS = ["loading", "missing", "location", "service", "specialist", "time", "details",
  "code", "done"];
// The steps a visitor goes back through (those skipped because there was one choice only
// are left out on the way back too).
const STEPS = ["location", "service", "specialist", "time", "details", "code"];
const HOLD_GONE = new Set(["hold_expired", "hold_not_found"]);
const SLOT_GONE = new Set(["slot_taken", "slot_unavailable"]);

const state = {
  firm: null,
  locations: [],
  services: [],
  specialists: [],
  location: null,
  service: null,
  specialist: null, // null: anyone
  skipped: new Set(), // steps that had a single choice
  month: null, // "YYYY-MM-01" shown
  free: new Set(),
  lookAhead: false, // the first month read moves on to the next when it has no free day
  day: null,
  slots: [],
  hold: null, // {id, token, expiresAt, startLocal, specialistName}
  verification: null,
  booked: null, // {appointment, manage_token}
  client: null, // the signed-in client of this firm (GET /me)
  view: "loading",
  stream: null,
};

function show(view) {
  state.view = view;
  for (const name of VIEWS) el(`view-${name}`).hidden = name !== view;
  el("hold-banner").hidden = !(state.hold && (view === "details" || view === "code"));
  el("main").setAttribute("aria-busy", String(view === "loading"));
  document.body.dataset.view = view;
  // "Back" only where there is somewhere to go back to (a step with a single choice is
  // skipped both ways).
  const back = el(`view-${view}`).querySelector("[data-back]");
  if (back) back.hidden = previousStep(view) === null;
  const heading = el(`view-${view}`).querySelector("h1");
  if (heading && view !== "loading") {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  window.scrollTo({ top: 0 });
}

function message(text, kind = "info") {
  const box = el("book-message");
  box.textContent = text || "";
  box.dataset.kind = kind;
  box.hidden = !text;
}

function fieldError(id, text) {
  el(id).textContent = text || "";
  el(id).hidden = !text;
}

function refusal(err, fallback = t("book.failed")) {
  if (err && err.status === 429) {
    return err.retryAfter ? t("book.wait", { count: err.retryAfter }) : t("book.tooMany");
  }
  if (err instanceof TypeError) return t("common.unreachable");
  return refusalText(t, err, fallback);
}

const price = (service) => money(service.price, service.currency, localeTag());
const minutes = (n) => t("book.minutes", { count: n });

// ---- choices --------------------------------------------------------------------------

function choiceList(list, items, render, onPick) {
  el(list).replaceChildren(...items.map((item) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "choice";
    const [title, ...details] = render(item);
    const strong = document.createElement("span");
    strong.className = "choice-title";
    strong.textContent = title;
    button.append(strong);
    for (const detail of details) {
      const span = document.createElement("span");
      span.className = "choice-detail";
      span.textContent = detail;
      button.append(span);
    }
    button.addEventListener("click", () => onPick(item));
    li.append(button);
    return li;
  }));
}

function drawLocations() {
  choiceList("location-list", state.locations, (l) => [l.name, l.address || ""],
    (l) => pickLocation(l));
}

function drawServices() {
  choiceList("service-list", state.services, (s) => [
    s.name, [minutes(s.duration_minutes), price(s)].join(" · "), s.description || "",
  ].filter((x, i) => i < 2 || x), (s) => pickService(s));
}

function drawSpecialists() {
  const anyone = { id: null, name: t("book.specialist.any") };
  choiceList("specialist-list", [anyone, ...state.specialists], (s) => (
    s.id ? [s.name] : [s.name, t("book.specialist.anyHint")]
  ), (s) => pickSpecialist(s.id ? s : null));
}

async function start() {
  let firm;
  try {
    firm = await api.call("");
  } catch (err) {
    if (err.status === 404) return show("missing");
    message(refusal(err), "error");
    return show("missing");
  }
  state.firm = firm;
  document.title = `${t("book.title")} · ${firm.name}`;
  el("firm-name").textContent = firm.name;
  if (!navigator.languages.some((tag) => ["en", "de", "ru"].includes(tag.slice(0, 2)))) {
    setLanguage(firm.locale);
  }
  registerWorker();
  await findClient();
  const { items } = await guarded(api.call("/locations"));
  state.locations = items;
  if (items.length === 0) message(t("book.nothing"), "warn");
  if (items.length === 1) {
    state.skipped.add("location");
    return pickLocation(items[0]);
  }
  drawLocations();
  show("location");
}

// A client of this firm signed in on this tab (the board, say) books as itself: no code.
async function findClient() {
  const session = Session.restore(API, () => { api.session = null; state.client = null; });
  if (!session) return;
  try {
    const me = await session.request("/me");
    if (me.role === "client" && me.firm && me.firm.slug === SLUG) {
      api.session = session;
      state.client = me;
    }
  } catch (_) { /* not signed in after all: a guest */ }
}

async function pickLocation(location) {
  state.location = location;
  connectStream();
  const { items } = await guarded(api.call(`/services?location_id=${location.id}`));
  state.services = items;
  drawServices();
  if (items.length === 0) message(t("book.nothing"), "warn");
  if (items.length === 1) {
    state.skipped.add("service");
    return pickService(items[0]);
  }
  state.skipped.delete("service");
  show("service");
}

async function pickService(service) {
  state.service = service;
  const query = new URLSearchParams({ location_id: state.location.id, service_id: service.id });
  const { items } = await guarded(api.call(`/specialists?${query}`));
  state.specialists = items;
  drawSpecialists();
  if (items.length <= 1) {
    state.skipped.add("specialist");
    return pickSpecialist(items[0] || null);
  }
  state.skipped.delete("specialist");
  show("specialist");
}

function pickSpecialist(specialist) {
  state.specialist = specialist;
  state.day = null;
  state.slots = [];
  state.month = monthOf(today());
  state.lookAhead = true;
  drawPicked();
  drawSlots();
  show("time");
  loadMonth();
}

// A read the flow waits on: a refusal is shown and the flow stays where it is.
async function guarded(promise) {
  try {
    return await promise;
  } catch (err) {
    message(refusal(err), "error");
    throw err;
  }
}

function previousStep(view) {
  if (view === "code") return "details";
  for (let i = STEPS.indexOf(view) - 1; i >= 0; i -= 1) {
    const step = STEPS[i];
    if (!state.skipped.has(step) && step !== "details" && step !== "code") return step;
  }
  return null;
}

function back() {
  const step = previousStep(state.view);
  if (step === null) return;
  if (state.view === "code") return show("details"); // another address: the hold stays
  if (state.view === "details") releaseHold();
  message("");
  show(step);
  if (step === "time") loadMonth();
}

// ---- days and times -------------------------------------------------------------------

const zone = () => (state.location && state.location.time_zone) || state.firm.time_zone;
const today = () => dayIn(zone());
const lastDay = () => addDays(today(), Math.max(0, (state.firm.booking_horizon_days || 60) - 1));

function drawPicked() {
  const parts = [state.service.name, minutes(state.service.duration_minutes), price(state.service)];
  parts.push(state.specialist ? state.specialist.name : t("book.specialist.any"));
  if (state.locations.length > 1) parts.unshift(state.location.name);
  el("time-picked").textContent = parts.join(" · ");
}

function availabilityQuery(extra) {
  const query = new URLSearchParams({
    location_id: state.location.id, service_id: state.service.id, ...extra,
  });
  if (state.specialist) query.set("specialist_id", state.specialist.id);
  return query;
}

let monthRead = 0;
async function loadMonth() {
  const first = state.month;
  const from = first < today() ? today() : first;
  const to = lastOfMonth(first) > lastDay() ? lastDay() : lastOfMonth(first);
  drawMonth();
  const read = ++monthRead;
  let days = [];
  if (from <= to) {
    try {
      ({ days } = await api.call(`/availability/days?${availabilityQuery({ from, to })}`));
    } catch (err) {
      if (read === monthRead) message(refusal(err), "error");
      return;
    }
  }
  if (read !== monthRead || state.month !== first) return;
  state.free = new Set(days);
  drawMonth();
  el("month-empty").hidden = days.length > 0;
  document.body.dataset.monthRead = String(read);
  // The first free day opens by itself: most visitors want the soonest time (in the next
  // month when this one has none left).
  const ahead = state.lookAhead;
  state.lookAhead = false;
  if (!state.day && days.length) pickDay(days[0], { scroll: false });
  else if (!state.day && ahead && shiftMonth(first, 1) <= lastDay()) stepMonth(1);
  else if (state.day && state.day.startsWith(first.slice(0, 7))) refreshDay();
}

function drawMonth() {
  const first = state.month;
  el("month-title").textContent = monthTitle(first, localeTag());
  el("month-prev").disabled = first <= monthOf(today());
  el("month-next").disabled = shiftMonth(first, 1) > lastDay();
  renderMonth({
    first, free: state.free, selected: state.day, today: today(), locale: localeTag(),
    onPick: pickDay,
  });
}

function stepMonth(n) {
  state.month = shiftMonth(state.month, n);
  state.free = new Set();
  loadMonth();
}

function pickDay(day, { scroll = true } = {}) {
  if (day !== state.day) slotsNote("");
  state.day = day;
  drawMonth();
  refreshDay();
  if (scroll && window.matchMedia("(max-width: 719px)").matches) {
    el("slots").scrollIntoView({ behavior: "smooth", block: "start" });
  }
}

let slotsRead = 0;
async function refreshDay() {
  const day = state.day;
  if (!day) return drawSlots();
  const read = ++slotsRead;
  el("slots").setAttribute("aria-busy", "true");
  try {
    const answer = await api.call(`/availability/slots?${availabilityQuery({ date: day })}`);
    if (read !== slotsRead || state.day !== day) return;
    state.slots = answer.slots;
  } catch (err) {
    if (read === slotsRead) message(refusal(err), "error");
    return;
  } finally {
    if (read === slotsRead) el("slots").setAttribute("aria-busy", "false");
  }
  drawSlots();
  document.body.dataset.slotsRead = String(read);
}

function drawSlots() {
  const list = el("slot-list");
  if (!state.day) {
    el("slots-title").textContent = t("book.slots.pickDay");
    list.replaceChildren();
    el("slots-empty").hidden = true;
    return;
  }
  el("slots-title").textContent = longDay(state.day, localeTag());
  list.replaceChildren(...state.slots.map((slot) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "slot";
    button.dataset.start = slot.start;
    button.textContent = localClock(slot.start_local);
    button.addEventListener("click", () => hold(slot, button));
    li.append(button);
    return li;
  }));
  el("slots-empty").hidden = state.slots.length > 0;
}

// ---- live -----------------------------------------------------------------------------

let reconnectMs = 2000;
let reconnectTimer = null;
let connectedBefore = false;

function connectStream() {
  clearTimeout(reconnectTimer);
  if (state.stream) state.stream.close();
  if (!("EventSource" in window)) return;
  const source = new EventSource(api.streamUrl(state.location.id));
  state.stream = source;
  source.addEventListener("connected", () => {
    document.body.dataset.live = "live";
    reconnectMs = 2000;
    // After a reconnection, changes may have been missed: read what is shown again.
    if (connectedBefore && state.view === "time") loadMonth();
    connectedBefore = true;
  });
  source.addEventListener("availability.changed", (event) => {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch (_) {
      return;
    }
    if (data.location_id && data.location_id !== state.location.id) return;
    changed(data.days ?? null);
  });
  source.onerror = () => {
    if (source !== state.stream) return;
    if (source.readyState !== EventSource.CLOSED) {
      document.body.dataset.live = "connecting"; // the browser reconnects by itself
      return;
    }
    // Refused (too many streams from this address, say): try again later, less and less
    // often; the times shown are read again once it is back.
    document.body.dataset.live = "down";
    reconnectTimer = setTimeout(connectStream, reconnectMs);
    reconnectMs = Math.min(reconnectMs * 2, 60000);
  };
}

function changed(days) {
  if (!state.service || !state.month) return;
  const month = state.month.slice(0, 7);
  if (days === null || days.some((d) => d.startsWith(month))) loadMonth();
  else if (state.day && days.includes(state.day)) refreshDay();
}

// ---- hold, contact, code ---------------------------------------------------------------

let countdown = null;

function slotsNote(text) {
  const note = el("slots-note");
  note.textContent = text || "";
  note.hidden = !text;
  if (text) el("slots").scrollIntoView({ block: "nearest" });
}

async function hold(slot, button) {
  message("");
  slotsNote("");
  button.disabled = true;
  const body = {
    location_id: state.location.id, service_id: state.service.id, start_at: slot.start,
  };
  if (state.specialist) body.specialist_id = state.specialist.id;
  let held;
  try {
    held = await api.call("/holds", { method: "POST", body, asClient: Boolean(state.client) });
  } catch (err) {
    button.disabled = false;
    if (SLOT_GONE.has(err.code)) {
      // Said beside the times (where the visitor is looking, on a phone too), above the
      // fresh list.
      slotsNote(t("book.slotGone"));
      loadMonth();
      refreshDay();
      return;
    }
    message(refusal(err), "error");
    return;
  }
  state.hold = {
    id: held.id, token: held.hold_token, expiresAt: Date.parse(held.expires_at),
    startLocal: slot.start_local, specialistName: held.specialist_name,
  };
  drawDetails();
  startCountdown();
  show("details");
  if (!state.client) el("contact-name").focus();
}

const summaryRows = (target, rows) => el(target).replaceChildren(summaryList(rows));

function drawDetails() {
  const h = state.hold;
  summaryRows("details-summary", [
    [t("book.sum.when"), `${longDay(h.startLocal.slice(0, 10), localeTag())}, ${localClock(h.startLocal)}`],
    [t("book.sum.service"), `${state.service.name} · ${minutes(state.service.duration_minutes)}`],
    [t("book.sum.price"), price(state.service)],
    [t("book.sum.with"), h.specialistName || (state.specialist && state.specialist.name)],
    [t("book.sum.where"), [state.location.name, state.location.address].filter(Boolean).join(", ")],
  ]);
  el("details-form").hidden = Boolean(state.client);
  el("details-client").hidden = !state.client;
  if (state.client) {
    el("details-as").textContent = t("book.details.as", { name: state.client.full_name });
  }
}

function startCountdown() {
  clearInterval(countdown);
  const tick = () => {
    if (!state.hold) return clearInterval(countdown);
    const left = Math.max(0, Math.ceil((state.hold.expiresAt - Date.now()) / 1000));
    el("hold-left").textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    el("hold-banner").classList.toggle("ending", left <= 30);
    // A screen reader hears it once, half a minute before the end.
    if (left <= 30 && left > 0 && !state.hold.warned) {
      state.hold.warned = true;
      el("hold-warning").textContent = t("book.hold.ending", { count: left });
    }
    if (left === 0) holdRanOut();
  };
  tick();
  countdown = setInterval(tick, 250);
}

// The hold's own time on the server, which sending a code extends.
async function rereadHold() {
  const h = state.hold;
  if (!h) return false;
  try {
    const fresh = await api.call(`/holds/${h.id}`, { auth: holdAuth(h), asClient: !h.token });
    if (state.hold !== h) return false;
    h.expiresAt = Date.parse(fresh.expires_at);
    return h.expiresAt > Date.now();
  } catch (_) {
    return false;
  }
}

let checkingEnd = false;
async function holdRanOut() {
  if (checkingEnd) return;
  checkingEnd = true;
  clearInterval(countdown);
  const h = state.hold;
  const alive = await rereadHold();
  checkingEnd = false;
  if (state.hold !== h) return;
  if (alive) startCountdown();
  else backToTimes(t("book.holdExpired"));
}

function backToTimes(text) {
  releaseHold();
  message(text, "warn");
  show("time");
  loadMonth();
  refreshDay();
}

function releaseHold() {
  clearInterval(countdown);
  const h = state.hold;
  state.hold = null;
  state.verification = null;
  el("hold-banner").hidden = true;
  el("hold-warning").textContent = "";
  if (h && h.expiresAt > Date.now()) {
    api.call(`/holds/${h.id}`, { method: "DELETE", auth: holdAuth(h), asClient: !h.token })
      .catch(() => {});
  }
}

function contact() {
  const name = el("contact-name").value.trim();
  const email = el("contact-email").value.trim();
  const phone = el("contact-phone").value.trim();
  if (!name) return { error: t("book.details.needName"), field: "contact-name" };
  if (!email && !phone) return { error: t("book.details.needContact"), field: "contact-email" };
  if (email && !el("contact-email").checkValidity()) {
    return { error: t("book.details.badEmail"), field: "contact-email" };
  }
  const body = { name };
  if (email) body.email = email;
  if (phone) body.phone = phone;
  return { body };
}

async function sendCode(event) {
  if (event) event.preventDefault();
  const { body, error, field } = contact();
  const errorBox = state.view === "code" ? "code-error" : "details-error";
  if (error) {
    fieldError(errorBox, error);
    if (field && state.view === "details") el(field).focus();
    return;
  }
  fieldError(errorBox, "");
  const button = state.view === "code" ? el("code-resend") : el("details-submit");
  button.disabled = true;
  try {
    // The code's message, and a new client's record, in the language of this page.
    const sent = await api.call(`/holds/${state.hold.id}/verification`, {
      method: "POST", body, auth: { ...holdAuth(state.hold), "Accept-Language": language() },
    });
    state.verification = sent;
    el("code-sent").textContent = t("book.code.sent", { to: sent.sent_to });
    el("code-input").value = "";
    fieldError("code-error", "");
    waitToResend(sent.resend_after_seconds || 30);
    rereadHold(); // sending a code gives the hold more time
    if (state.view !== "code") show("code");
    el("code-input").focus();
  } catch (err) {
    if (HOLD_GONE.has(err.code)) return backToTimes(t("book.holdExpired"));
    if (err.code === "verification_resend_too_soon") {
      waitToResend(err.retryAfter || 30);
      fieldError(errorBox, t("error.verification_resend_too_soon"));
    } else {
      fieldError(errorBox, refusal(err));
    }
  } finally {
    button.disabled = false;
  }
}

let resendTimer = null;
function waitToResend(seconds) {
  clearInterval(resendTimer);
  const until = Date.now() + seconds * 1000;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    el("code-resend").hidden = left > 0;
    el("code-resend-wait").textContent = left > 0 ? t("book.code.resendIn", { count: left }) : "";
    if (left <= 0) clearInterval(resendTimer);
  };
  tick();
  resendTimer = setInterval(tick, 1000);
}

async function confirm(event) {
  if (event) event.preventDefault();
  const asClient = Boolean(state.client);
  const errorBox = asClient ? "client-error" : "code-error";
  const code = el("code-input").value.replace(/\s+/g, "");
  if (!asClient && !code) {
    fieldError(errorBox, t("book.code.needCode"));
    el("code-input").focus();
    return;
  }
  fieldError(errorBox, "");
  const button = asClient ? el("client-confirm") : el("code-submit");
  button.disabled = true;
  try {
    const booked = await api.call(`/holds/${state.hold.id}/confirm`, {
      method: "POST", body: asClient ? {} : { code }, asClient,
      auth: { ...holdAuth(state.hold), "Accept-Language": language() },
    });
    clearInterval(countdown);
    state.hold = null;
    state.booked = { ...booked, sentTo: state.verification && state.verification.sent_to };
    state.verification = null;
    drawDone();
    show("done");
  } catch (err) {
    if (HOLD_GONE.has(err.code) || err.code === "verification_attempts_exceeded") {
      return backToTimes(t(err.code === "verification_attempts_exceeded"
        ? "error.verification_attempts_exceeded" : "book.holdExpired"));
    }
    if (err.code === "verification_required") {
      show("details");
      return fieldError("details-error", t("error.verification_required"));
    }
    fieldError(errorBox, refusal(err));
    if (!asClient) el("code-input").select();
  } finally {
    button.disabled = false;
  }
}

// ---- booked ---------------------------------------------------------------------------

const manageUrl = (token) => `/book/${encodeURIComponent(SLUG)}/manage#${token}`;

function drawDone() {
  const { appointment: a, manage_token: token, sentTo } = state.booked;
  el("done-sent").hidden = !sentTo;
  el("done-sent").textContent = sentTo ? t("book.done.sent", { to: sentTo }) : "";
  summaryRows("done-summary", [
    [t("book.sum.when"), `${longDay(a.start_local.slice(0, 10), localeTag())}, ${localClock(a.start_local)}–${localClock(a.end_local)}`],
    [t("book.sum.service"), `${a.service.name} · ${minutes(a.service.duration_minutes)}`],
    [t("book.sum.price"), money(a.service.price, a.service.currency, localeTag())],
    [t("book.sum.with"), (a.specialists || []).map((s) => s.name).join(", ")],
    [t("book.sum.where"), [a.location.name, a.location.address].filter(Boolean).join(", ")],
  ]);
  // Without a manage link (a server that gives none) there is nothing to fetch it with.
  el("done-manage").hidden = !token;
  if (token) el("done-manage").href = manageUrl(token);
  el("done-calendar").hidden = !token;
  el("done-push").hidden = !token || !pushSupported(state.firm.vapid_public_key);
  el("done-push-state").hidden = true;
}

async function addToCalendar(button, token) {
  button.disabled = true;
  try {
    await api.download("/manage/calendar.ics", manageAuth(token), "appointment.ics");
  } catch (err) {
    message(refusal(err), "error");
  } finally {
    button.disabled = false;
  }
}

function reminders() {
  const token = state.booked.manage_token;
  return offerReminders({
    button: el("done-push"), box: el("done-push-state"), t, refusal,
    api, vapidKey: state.firm.vapid_public_key, auth: manageAuth(token),
    manageUrl: manageUrl(token),
  });
}

function again() {
  state.booked = null;
  message("");
  state.day = null;
  state.free = new Set();
  if (!state.skipped.has("location")) return show("location");
  if (!state.skipped.has("service")) return show("service");
  if (!state.skipped.has("specialist")) return show("specialist");
  pickSpecialist(state.specialist);
}

// ---- the page -------------------------------------------------------------------------

function redraw() {
  translatePage(t);
  if (state.firm) document.title = `${t("book.title")} · ${state.firm.name}`;
  if (state.locations.length) drawLocations();
  if (state.services.length) drawServices();
  if (state.service) {
    drawSpecialists();
    drawPicked();
    if (state.month) drawMonth();
    drawSlots();
  }
  if (state.hold) drawDetails();
  if (state.verification) {
    el("code-sent").textContent = t("book.code.sent", { to: state.verification.sent_to });
  }
  if (state.booked) drawDone();
}

translatePage(t);
onLanguage(redraw);
languagePicker(el("language"));
for (const button of document.querySelectorAll("[data-back]")) button.addEventListener("click", back);
el("month-prev").addEventListener("click", () => stepMonth(-1));
el("month-next").addEventListener("click", () => stepMonth(1));
el("details-form").addEventListener("submit", sendCode);
el("code-resend").addEventListener("click", () => sendCode());
el("code-form").addEventListener("submit", confirm);
el("client-confirm").addEventListener("click", () => confirm());
el("done-calendar").addEventListener("click", () => addToCalendar(el("done-calendar"), state.booked.manage_token));
el("done-push").addEventListener("click", reminders);
el("done-again").addEventListener("click", again);
window.addEventListener("pagehide", () => {
  // A guest who leaves gives the time back at once rather than when the hold runs out.
  const h = state.hold;
  if (h && h.token && h.expiresAt > Date.now()) {
    fetch(`${API}${api.path}/holds/${h.id}`, {
      method: "DELETE", headers: holdAuth(h), keepalive: true, referrerPolicy: "no-referrer",
    }).catch(() => {});
    state.hold = null;
  }
  clearTimeout(reconnectTimer);
  if (state.stream) state.stream.close();
  state.stream = null;
});

window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  // Back from another page (the browser kept this one): the hold was given back on leaving.
  if (!state.hold && (state.view === "details" || state.view === "code")) {
    backToTimes(t("book.holdExpired"));
  }
  if (state.location) connectStream();
});

if (document.body.dataset.missing) show("missing");
else start().catch(() => { el("main").setAttribute("aria-busy", "false"); });
