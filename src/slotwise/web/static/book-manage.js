// A booking's manage page /book/<slug>/manage#<token>: the appointment, cancel it (after a
// confirmation), move it to another free time, add it to a calendar, get reminders here.
// The token is in the URL's fragment, which the browser never sends to a server; it goes to
// the API in a header only.

import {
  PublicApi, addDays, dayIn, localClock, longDay, manageAuth, money, SLUG, summaryList,
} from "./book-api.js";
import { offerReminders, pushSupported, registerWorker } from "./book-push.js";
import {
  languagePicker, localeTag, onLanguage, refusalText, setLanguage, translatePage, translator,
} from "./i18n.js";
import common from "./strings-common.js";
import strings from "./strings-book.js";

const t = translator(strings, common);
const el = (id) => document.getElementById(id);
const api = new PublicApi();
const VIEWS = ["loading", "missing", "invalid", "expired", "appointment"];
const SLOT_GONE = new Set(["slot_taken", "slot_unavailable"]);

function readToken() {
  const fragment = decodeURIComponent(window.location.hash.slice(1));
  return fragment.startsWith("token=") ? fragment.slice(6) : fragment;
}

const token = readToken();
const auth = manageAuth(token);
const state = { firm: null, shown: null, canChange: false, deadline: null, day: null, slots: [],
  moveTo: null };

function show(view) {
  for (const name of VIEWS) el(`view-${name}`).hidden = name !== view;
  el("main").setAttribute("aria-busy", String(view === "loading"));
  document.body.dataset.view = view;
}

function message(text, kind = "info") {
  el("book-message").textContent = text || "";
  el("book-message").dataset.kind = kind;
  el("book-message").hidden = !text;
}

function problem(text) {
  el("manage-error").textContent = text || "";
  el("manage-error").hidden = !text;
}

function refusal(err) {
  if (err instanceof TypeError) return t("common.unreachable");
  if (err && err.status === 429) return t("book.tooMany");
  return refusalText(t, err, t("book.failed"));
}

// A refusal of the link itself ends the page: the clear page for it, not an error line.
function linkRefused(err) {
  if (err.code === "manage_link_invalid" || err.code === "hold_not_found") show("invalid");
  else if (err.code === "manage_link_expired") show("expired");
  else if (err.code === "booking_page_not_found") show("missing");
  else return false;
  return true;
}

const minutes = (n) => t("book.minutes", { count: n });
const when = (a) => `${longDay(a.start_local.slice(0, 10), localeTag())}, ${localClock(a.start_local)}–${localClock(a.end_local)}`;

function drawAppointment() {
  const a = state.shown;
  el("appointment-summary").replaceChildren(summaryList([
    [t("book.sum.when"), when(a)],
    [t("book.sum.service"), `${a.service.name} · ${minutes(a.service.duration_minutes)}`],
    [t("book.sum.price"), money(a.service.price, a.service.currency, localeTag())],
    [t("book.sum.with"), (a.specialists || []).map((s) => s.name).join(", ")],
    [t("book.sum.where"), [a.location.name, a.location.address].filter(Boolean).join(", ")],
  ]));
  const cancelled = a.status === "cancelled";
  el("appointment-status").hidden = a.status === "scheduled";
  el("appointment-status").textContent = t(`status.${a.status}`);
  el("appointment-status").dataset.status = a.status;
  const open = state.canChange && a.status === "scheduled";
  el("manage-change").hidden = !open;
  if (!open) el("move-panel").hidden = true;
  el("manage-calendar").hidden = cancelled;
  el("manage-push").hidden = cancelled || !pushSupported(state.firm && state.firm.vapid_public_key);
  el("manage-deadline").textContent = deadlineText(a);
  el("manage-book-again").hidden = !cancelled;
}

function deadlineText(a) {
  if (a.status === "cancelled" || !state.deadline) return "";
  const at = new Intl.DateTimeFormat(localeTag(), {
    timeZone: a.time_zone, weekday: "long", day: "numeric", month: "long", hour: "2-digit",
    minute: "2-digit", hourCycle: "h23",
  }).format(new Date(state.deadline));
  return t(state.canChange ? "manage.deadline" : "manage.tooLate", { at });
}

async function load() {
  try {
    state.firm = await api.call("");
  } catch (err) {
    if (err.status === 404) return show("missing");
  }
  if (state.firm) {
    el("firm-name").textContent = state.firm.name;
    if (!navigator.languages.some((tag) => ["en", "de", "ru"].includes(tag.slice(0, 2)))) {
      setLanguage(state.firm.locale);
    }
  }
  if (!token) return show("invalid");
  let answer;
  try {
    answer = await api.call("/manage", { auth });
  } catch (err) {
    if (!linkRefused(err)) {
      show("appointment");
      problem(refusal(err));
    }
    return;
  }
  keep(answer);
  show("appointment");
  registerWorker();
}

function keep(answer) {
  state.shown = answer.appointment;
  if ("can_change" in answer) state.canChange = answer.can_change;
  if ("change_deadline" in answer) state.deadline = answer.change_deadline;
  drawAppointment();
}

// ---- cancel ---------------------------------------------------------------------------

function askCancel() {
  problem("");
  el("cancel-dialog-when").textContent = `${state.shown.service.name}: ${when(state.shown)}`;
  el("cancel-dialog").showModal();
  el("cancel-no").focus();
}

async function cancel() {
  el("cancel-yes").disabled = true;
  try {
    const answer = await api.call("/manage/cancel", { method: "POST", auth });
    el("cancel-dialog").close();
    state.canChange = false;
    keep(answer);
    message(t("manage.cancelled"), "info");
    el("appointment-title").focus();
  } catch (err) {
    el("cancel-dialog").close();
    if (!linkRefused(err)) problem(refusal(err));
  } finally {
    el("cancel-yes").disabled = false;
  }
}

// ---- move -----------------------------------------------------------------------------

const zone = () => state.shown.time_zone;

function openMove() {
  problem("");
  el("move-panel").hidden = false;
  const first = dayIn(zone());
  el("move-date").min = first;
  setDay(state.day || state.shown.start_local.slice(0, 10) || first);
  el("move-panel").scrollIntoView({ block: "nearest" });
  el("move-date").focus({ preventScroll: true });
}

function setDay(day) {
  const first = dayIn(zone());
  state.day = day < first ? first : day;
  el("move-date").value = state.day;
  el("move-day").textContent = longDay(state.day, localeTag());
  el("move-prev").disabled = state.day <= first;
  loadSlots();
}

let read = 0;
async function loadSlots() {
  const day = state.day;
  const mine = ++read;
  let answer;
  try {
    answer = await api.call(`/manage/availability/slots?date=${day}`, { auth });
  } catch (err) {
    if (mine === read && !linkRefused(err)) problem(refusal(err));
    return;
  }
  if (mine !== read) return;
  // The appointment's own time is not a move.
  const booked = Date.parse(state.shown.start_at);
  state.slots = answer.slots.filter((s) => Date.parse(s.start) !== booked);
  drawSlots();
  document.body.dataset.slotsRead = String(mine);
}

function drawSlots() {
  el("move-slots").replaceChildren(...state.slots.map((slot) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "slot";
    button.dataset.start = slot.start;
    button.textContent = localClock(slot.start_local);
    button.addEventListener("click", () => askMove(slot));
    li.append(button);
    return li;
  }));
  el("move-empty").hidden = state.slots.length > 0;
}

function askMove(slot) {
  state.moveTo = slot;
  el("move-dialog-when").textContent = t("manage.moveFromTo", {
    from: when(state.shown),
    to: `${longDay(slot.start_local.slice(0, 10), localeTag())}, ${localClock(slot.start_local)}`,
  });
  el("move-dialog").showModal();
  el("move-yes").focus();
}

async function move() {
  const slot = state.moveTo;
  const body = { start_at: slot.start };
  // The same specialist when they are free then; otherwise whoever the slot offers.
  const current = new Set((state.shown.specialists || []).map((s) => s.name));
  const same = (slot.specialists || []).find((s) => current.has(s.name));
  if (same) body.specialist_id = same.id;
  el("move-yes").disabled = true;
  try {
    const answer = await api.call("/manage/move", { method: "POST", auth, body });
    el("move-dialog").close();
    keep(answer);
    // The deadline follows the new time.
    api.call("/manage", { auth }).then(keep).catch(() => {});
    el("move-panel").hidden = true;
    message(t("manage.moved"), "info");
    el("appointment-title").focus();
  } catch (err) {
    el("move-dialog").close();
    if (linkRefused(err)) return;
    if (SLOT_GONE.has(err.code)) {
      problem(t("book.slotGone"));
      loadSlots();
    } else {
      problem(refusal(err));
    }
  } finally {
    el("move-yes").disabled = false;
  }
}

// ---- calendar and reminders -----------------------------------------------------------

async function addToCalendar() {
  el("manage-calendar").disabled = true;
  try {
    await api.download("/manage/calendar.ics", auth, "appointment.ics");
  } catch (err) {
    if (!linkRefused(err)) problem(refusal(err));
  } finally {
    el("manage-calendar").disabled = false;
  }
}

function reminders() {
  return offerReminders({
    button: el("manage-push"), box: el("manage-push-state"), t, refusal,
    api, vapidKey: state.firm.vapid_public_key, auth,
    manageUrl: `/book/${encodeURIComponent(SLUG)}/manage#${token}`,
  });
}

function redraw() {
  translatePage(t);
  if (state.shown) drawAppointment();
  if (!el("move-panel").hidden) {
    el("move-day").textContent = longDay(state.day, localeTag());
    drawSlots();
  }
}

translatePage(t);
onLanguage(redraw);
languagePicker(el("language"));
const bookHref = `/book/${encodeURIComponent(SLUG)}`;
el("invalid-book").href = bookHref;
el("expired-book").href = bookHref;
el("again-book").href = bookHref;
el("manage-cancel").addEventListener("click", askCancel);
el("cancel-yes").addEventListener("click", cancel);
el("cancel-no").addEventListener("click", () => el("cancel-dialog").close());
el("manage-move").addEventListener("click", openMove);
el("move-date").addEventListener("change", () => el("move-date").value && setDay(el("move-date").value));
el("move-prev").addEventListener("click", () => setDay(addDays(state.day, -1)));
el("move-next").addEventListener("click", () => setDay(addDays(state.day, 1)));
el("move-yes").addEventListener("click", move);
el("move-no").addEventListener("click", () => el("move-dialog").close());
el("manage-calendar").addEventListener("click", addToCalendar);
el("manage-push").addEventListener("click", reminders);
window.addEventListener("hashchange", () => window.location.reload());


if (document.body.dataset.missing) show("missing");
else load().catch(() => { el("main").setAttribute("aria-busy", "false"); });
