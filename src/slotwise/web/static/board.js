// The Slotwise live board: sign in, show today's appointments, keep them current from the
// event stream (SSE), and fall back to polling while the stream is down.
// No framework and no build step: these modules are served as they are.

import { clock, overlaps, today } from "./dates.js";
import { boardColumns, clientName, renderColumns, toast } from "./render.js";
import { translator } from "./i18n.js";
import { signIn } from "./signin.js";
import { ApiError } from "./session.js";
import common from "./strings-common.js";
import strings from "./strings-board.js";

const API = document.body.dataset.api || "/api/v1";
const POLL_MS = Math.max(1, Number(document.body.dataset.pollSeconds) || 60) * 1000;
// The stream is retried at least as often as we poll, and at least every 30 s.
const MAX_RECONNECT_MS = Math.min(30000, POLL_MS);
const STAFF_ROLES = new Set(["owner", "director", "manager"]);
const EVENT_TYPES = ["appointment.created", "appointment.updated", "appointment.deleted"];
const POLL_LIMIT = 100;
const RESYNC_RETRY_MS = 3000;

const el = (id) => document.getElementById(id);
const t = translator(common, strings);

let session = null;
let me = null;
let zone = "UTC";
let day = null; // {start, end, label}: today in the firm's zone
let specialists = []; // staff only: every specialist of the firm
const appointments = new Map(); // id -> the appointment as the API shows it to this user
let lastSeq = null; // every event up to this position has been applied
let loading = false; // while today's list is read, events wait in `buffered`
let buffered = [];
let rereadAt; // asked to read the list again while reading it: from this position

let source = null; // the EventSource
let streamUp = false;
let connecting = false;
let reconnectDelay = 1000;
let polling = false;
const timers = { reconnect: null, poll: null, day: null };
let generation = 0; // bumped on sign-out: late answers for the old session are dropped

const isStaff = () => STAFF_ROLES.has(me.role);
const isToday = (appointment) => overlaps(appointment, day);

// The session ended (signed out, or it could not be renewed).
function ended() {
  generation += 1;
  session = null;
  closeStream();
  for (const name of Object.keys(timers)) {
    clearTimeout(timers[name]);
    clearInterval(timers[name]);
    timers[name] = null;
  }
  streamUp = connecting = polling = loading = false;
  buffered = [];
  rereadAt = undefined;
  lastSeq = null;
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
  day = today(zone);
  specialists = isStaff() ? await session.requestAll("/specialists") : [];
  showDay();
  render(false);
  scheduleRollover();
  document.body.dataset.live = "connecting";
  connectStream();
}

function showDay() {
  el("board-title").textContent = `Today, ${day.label}`;
  el("board-zone").textContent = `Times in ${zone}`;
}

// At midnight the board turns to the new day.
function scheduleRollover() {
  clearTimeout(timers.day);
  timers.day = setTimeout(() => {
    day = today(zone);
    showDay();
    resync(lastSeq);
    scheduleRollover();
  }, Math.max(1000, day.end.getTime() - Date.now() + 500));
}

// Replaces the board with the API's list of today, read after the firm was at `position`
// (null: unknown, e.g. the event endpoints fail; the list is shown all the same). Events
// arriving meanwhile wait and are applied afterwards: those up to `position` are in the list
// already, later ones are applied in order (versions keep that idempotent).
async function resync(position) {
  if (loading) {
    if (rereadAt === undefined) rereadAt = position;
    else if (position !== null) rereadAt = rereadAt === null ? position : Math.max(rereadAt, position);
    return;
  }
  const mine = generation;
  loading = true;
  buffered = [];
  el("board").setAttribute("aria-busy", "true");
  const range = new URLSearchParams({ from: day.start.toISOString(), to: day.end.toISOString() });
  let items = null;
  while (items === null) {
    try {
      items = await session.requestAll(`/appointments?${range}`);
    } catch (_) {
      // Keep what is shown and the events that arrive; try again shortly.
      await new Promise((resolve) => setTimeout(resolve, RESYNC_RETRY_MS));
    }
    if (mine !== generation) return;
  }
  appointments.clear();
  for (const appointment of items) {
    if (isToday(appointment)) appointments.set(appointment.id, appointment);
  }
  if (position !== null) lastSeq = Math.max(lastSeq === null ? 0 : lastSeq, position);
  loading = false;
  const waiting = buffered;
  buffered = [];
  for (const envelope of waiting) receive(envelope);
  el("board").setAttribute("aria-busy", "false");
  render(false);
  if (rereadAt !== undefined) {
    const again = rereadAt;
    rereadAt = undefined;
    resync(again);
  }
}

// ---------------------------------------------------------------- events
function receive(envelope) {
  if (loading) {
    buffered.push(envelope);
    return;
  }
  // Before the first list is read there is nothing to apply to (the list will include it);
  // afterwards, an event at or below the position has been applied already.
  if (lastSeq === null || envelope.seq <= lastSeq) return;
  lastSeq = envelope.seq;
  apply(envelope);
  scheduleRender();
}

function apply(envelope) {
  const appointment = envelope.appointment;
  if (envelope.type === "appointment.deleted" || !appointment) {
    appointments.delete(envelope.appointment_id);
    return;
  }
  const known = appointments.get(appointment.id);
  if (known && appointment.version < known.version) return; // older than what is shown
  if (!isToday(appointment)) {
    appointments.delete(appointment.id); // moved to another day: nothing of it stays
    return;
  }
  appointments.set(appointment.id, appointment);
  const byMe = envelope.actor && envelope.actor.id === me.id; // no news to the one who did it
  if (envelope.type === "appointment.updated" && appointment.is_open && !byMe
      && (envelope.changed || []).includes("is_open")) {
    toast(el("toasts"), openedMessage(envelope, appointment));
  }
}

// "Anna started the 10:00 appointment with Clara Client"
function openedMessage(envelope, appointment) {
  const time = clock(zone, appointment.start_at);
  if (me.role === "client") return `Your ${time} appointment has started`;
  const client = clientName(appointment);
  const what = `the ${time} appointment${client ? ` with ${client}` : ""}`;
  if (envelope.actor && envelope.actor.name) return `${envelope.actor.name} started ${what}`;
  return `${what.charAt(0).toUpperCase()}${what.slice(1)} has started`;
}

// ---------------------------------------------------------------- the stream
function closeStream() {
  if (source) {
    source.close();
    source = null;
  }
}

async function connectStream() {
  if (connecting || source || !session) return;
  const mine = generation;
  connecting = true;
  clearTimeout(timers.reconnect);
  let token;
  try {
    token = (await session.request("/events/stream-token", { method: "POST" })).token;
  } catch (_) {
    connecting = false;
    if (mine === generation) streamFailed();
    return;
  }
  connecting = false;
  if (mine !== generation) return;
  const query = new URLSearchParams({ token });
  if (lastSeq !== null) query.set("last_event_id", String(lastSeq));
  source = new EventSource(`${API}/events/stream?${query}`);
  source.addEventListener("connected", (event) => {
    streamIsUp();
    // A first connection reads the list now; on a resumed one the missed events follow.
    if (lastSeq === null) resync(JSON.parse(event.data).seq);
  });
  source.addEventListener("reset", (event) => resync(JSON.parse(event.data).seq));
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (event) => receive(JSON.parse(event.data)));
  }
  // The browser would reconnect by itself, but with the old short-lived token: we take over,
  // with a fresh token and our own position.
  source.onerror = () => {
    if (mine === generation) streamFailed();
  };
}

function streamIsUp() {
  streamUp = true;
  reconnectDelay = 1000;
  document.body.dataset.live = "live";
  el("banner").hidden = true;
  clearInterval(timers.poll);
  timers.poll = null;
}

function streamFailed() {
  closeStream();
  streamUp = false;
  document.body.dataset.live = "down";
  el("banner").hidden = false;
  if (timers.poll === null) {
    poll();
    timers.poll = setInterval(poll, POLL_MS);
  }
  clearTimeout(timers.reconnect);
  timers.reconnect = setTimeout(connectStream, reconnectDelay);
  reconnectDelay = Math.min(reconnectDelay * 2, MAX_RECONNECT_MS);
}

// The fallback while the stream is down: the same events, fetched by position.
async function poll() {
  if (polling || streamUp || !session) return;
  const mine = generation;
  polling = true;
  try {
    if (lastSeq === null) {
      const head = await session.request("/events"); // without `after`: only the position
      if (mine === generation) await resync(head.last_seq);
      return;
    }
    for (;;) {
      const page = await session.request(`/events?after=${lastSeq}&limit=${POLL_LIMIT}`);
      if (mine !== generation || streamUp) return;
      if (page.reset) {
        await resync(page.last_seq);
        return;
      }
      for (const envelope of page.items) receive(envelope);
      // `last_seq` is where to poll from next: events hidden from this user move it too.
      if (!loading && page.last_seq > lastSeq) lastSeq = page.last_seq;
      if (page.items.length < POLL_LIMIT) return;
    }
  } catch (err) {
    // The event endpoints fail too: at least keep the day current by reading it whole.
    if (mine === generation && session && !(err instanceof ApiError && err.status === 401)) {
      await resync(null);
    }
  } finally {
    if (mine === generation) polling = false;
  }
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
  renderColumns(el("columns"), boardColumns(me, isStaff(), specialists, todays),
                { zone, role: me.role, animate });
}

// ---------------------------------------------------------------- boot
// Back online (e.g. after a laptop slept): do not wait for the next back-off step.
window.addEventListener("online", () => {
  if (session && me && !streamUp) connectStream();
});
signIn({ api: API, page: "board", t, start, stop: ended });
