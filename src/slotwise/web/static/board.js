// The Slotwise live board: sign in, show today's appointments, keep them current from the
// event stream (live.js), and fall back to polling while the stream is down.
// No framework and no build step: these modules are served as they are.

import { clock, overlaps, today } from "./dates.js";
import { language, localeTag, onLanguage, translator } from "./i18n.js";
import { LiveFeed } from "./live.js";
import { boardColumns, clientName, renderColumns, toast } from "./render.js";
import { signIn } from "./signin.js";
import common from "./strings-common.js";
import strings from "./strings-board.js";

const API = document.body.dataset.api || "/api/v1";
const POLL_MS = Math.max(1, Number(document.body.dataset.pollSeconds) || 60) * 1000;
const STAFF_ROLES = new Set(["owner", "director", "manager"]);

const el = (id) => document.getElementById(id);
const t = translator(common, strings);

let session = null;
let me = null;
let zone = "UTC";
let day = null; // {start, end, label}: today in the firm's zone
let specialists = []; // staff only: every specialist of the firm
const appointments = new Map(); // id -> the appointment as the API shows it to this user
let feed = null;
let rollover = null;

const isStaff = () => STAFF_ROLES.has(me.role);
const isToday = (appointment) => overlaps(appointment, day);

// The session ended (signed out, or it could not be renewed).
function ended() {
  if (feed) feed.stop();
  feed = null;
  session = null;
  clearTimeout(rollover);
  appointments.clear();
  el("banner").hidden = true;
  delete document.body.dataset.live;
  el("columns").replaceChildren();
}

// ---------------------------------------------------------------- the day
async function start(signedIn, user) {
  session = signedIn;
  me = user;
  zone = me.firm.time_zone;
  day = today(zone, localeTag());
  specialists = isStaff() ? await session.requestAll("/specialists") : [];
  showDay();
  render(false);
  scheduleRollover();
  feed = new LiveFeed({
    api: API, session, load, apply, loaded, onState: showState, pollMs: POLL_MS,
  });
  feed.start();
}

function showDay() {
  el("board-title").textContent = t("board.today", { day: day.label });
  el("board-zone").textContent = t("board.zone", { zone });
}

// At midnight the board turns to the new day.
function scheduleRollover() {
  clearTimeout(rollover);
  rollover = setTimeout(() => {
    day = today(zone, localeTag());
    showDay();
    feed.reload();
    scheduleRollover();
  }, Math.max(1000, day.end.getTime() - Date.now() + 500));
}

// Today's list, as the API shows it to this user.
async function load() {
  el("board").setAttribute("aria-busy", "true");
  const range = new URLSearchParams({ from: day.start.toISOString(), to: day.end.toISOString() });
  const items = await session.requestAll(`/appointments?${range}`);
  appointments.clear();
  for (const appointment of items) {
    if (isToday(appointment)) appointments.set(appointment.id, appointment);
  }
}

function loaded() {
  el("board").setAttribute("aria-busy", "false");
  render(false);
}

function showState(state) {
  document.body.dataset.live = state;
  el("banner").hidden = state !== "down";
  el("banner-detail").textContent = t("board.polling", { seconds: POLL_MS / 1000 });
}

// ---------------------------------------------------------------- events
function apply(envelope) {
  const appointment = envelope.appointment;
  if (envelope.type === "appointment.deleted" || !appointment) {
    appointments.delete(envelope.appointment_id);
  } else {
    const known = appointments.get(appointment.id);
    if (known && appointment.version < known.version) return; // older than what is shown
    if (!isToday(appointment)) {
      appointments.delete(appointment.id); // moved to another day: nothing of it stays
    } else {
      appointments.set(appointment.id, appointment);
      const byMe = envelope.actor && envelope.actor.id === me.id; // no news to the one who did it
      if (envelope.type === "appointment.updated" && appointment.is_open && !byMe
          && (envelope.changed || []).includes("is_open")) {
        toast(el("toasts"), openedMessage(envelope, appointment), t("common.dismiss"));
      }
    }
  }
  scheduleRender();
}

// "Anna started the 10:00 appointment with Clara Client"
function openedMessage(envelope, appointment) {
  const time = clock(zone, appointment.start_at);
  if (me.role === "client") return t("board.yoursStarted", { time });
  const client = clientName(appointment);
  const who = envelope.actor && envelope.actor.name;
  const key = `board.started${who ? "By" : ""}${client ? "With" : ""}`;
  return t(key, { who, time, client });
}

// ---------------------------------------------------------------- drawing
let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render(true);
  });
}

function render(animate) {
  if (!me || !day || !session) return;
  const todays = [...appointments.values()].filter(isToday);
  renderColumns(el("columns"), boardColumns(t, me, isStaff(), specialists, todays),
                { zone, role: me.role, animate, t, language: language() });
}

onLanguage(() => {
  if (!me || !day) return;
  day = today(zone, localeTag());
  showDay();
  render(false);
  if (document.body.dataset.live) showState(document.body.dataset.live);
});
signIn({ api: API, page: "board", t, start, stop: ended });
