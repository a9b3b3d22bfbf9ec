// "My appointments": a signed-in client's own appointments, upcoming and past, read from
// GET /me/appointments and kept current from the event stream (live.js). Until the firm's
// deadline an upcoming one may be cancelled (after a confirmation) or moved to a free time
// of the same service, specialist and location (GET /availability), both through
// PATCH /appointments/{id} with the version read (If-Match). Text only goes in as textContent.

import { localeTag, onLanguage, refusalText, translator } from "./i18n.js";
import { LiveFeed } from "./live.js";
import { signIn } from "./signin.js";
import common from "./strings-common.js";
import strings from "./strings-my.js";

const API = document.body.dataset.api || "/api/v1";
const POLL_MS = Math.max(1, Number(document.body.dataset.pollSeconds) || 60) * 1000;
const WHEN = ["upcoming", "past"];
const SLOT_GONE = new Set(["slot_taken", "slot_unavailable"]);
const REFRESH_CODES = new Set(["version_mismatch", "change_deadline_passed",
  "appointment_not_scheduled", "appointment_not_found"]);

const el = (id) => document.getElementById(id);
const t = translator(strings, common);

let session = null;
let me = null;
let feed = null;
let tab = "upcoming";
const lists = { upcoming: [], past: [] };
// Per appointment id: what its card shows besides the appointment itself.
//   ui: {mode: "cancel" | "move", day, slots (null while read), read, slot (chosen), busy}
//   note: {text, kind: "ok" | "error"}, focus: a selector to focus once it is drawn
const ui = new Map();
const notes = new Map();
let focusAfter = null; // [id, selector]

// ---------------------------------------------------------------- words and times

const longDate = (zone, iso) => new Intl.DateTimeFormat(localeTag(), {
  timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric",
}).format(new Date(iso));
const clockOf = (zone, iso) => new Intl.DateTimeFormat(localeTag(), {
  timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
}).format(new Date(iso));
const deadlineAt = (a) => new Intl.DateTimeFormat(localeTag(), {
  timeZone: a.time_zone, weekday: "long", day: "numeric", month: "long", hour: "2-digit",
  minute: "2-digit", hourCycle: "h23",
}).format(new Date(a.change_deadline));

function money(amount, currency) {
  if (!currency) return String(amount);
  try {
    return new Intl.NumberFormat(localeTag(), { style: "currency", currency })
      .format(Number(amount));
  } catch (_) {
    return `${amount} ${currency}`;
  }
}

// "2026-12-03": a day in the zone, as <input type="date"> and GET /availability name it.
const dayIn = (zone, date = new Date()) => new Intl.DateTimeFormat("en-CA", {
  timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
}).format(date);
function addDays(day, n) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}
const dayLabel = (day) => new Intl.DateTimeFormat(localeTag(), {
  timeZone: "UTC", weekday: "long", day: "numeric", month: "long",
}).format(new Date(`${day}T12:00:00Z`));

function refusal(err) {
  if (err instanceof TypeError) return t("common.unreachable");
  return refusalText(t, err, t("my.failed"));
}

const find = (id) => lists.upcoming.find((a) => a.id === id) || lists.past.find((a) => a.id === id);
const changeable = (a) => a.can_change && a.status === "scheduled";

// ---------------------------------------------------------------- signing in and the lists

async function start(signedIn, user) {
  session = signedIn;
  me = user;
  const client = me.role === "client";
  el("mine-staff").hidden = client;
  el("mine-lists").hidden = !client;
  el("mine").setAttribute("aria-busy", String(client));
  if (!client) return; // staff have no appointments of their own here
  feed = new LiveFeed({
    api: API, session, load, apply, loaded, onState, pollMs: POLL_MS,
  });
  feed.start();
}

function stop() {
  if (feed) feed.stop();
  feed = null;
  session = null;
  me = null;
  lists.upcoming = [];
  lists.past = [];
  ui.clear();
  notes.clear();
  for (const name of WHEN) el(`list-${name}`).replaceChildren();
  delete document.body.dataset.live;
}

async function load() {
  el("mine").setAttribute("aria-busy", "true");
  const [upcoming, past] = await Promise.all(
    WHEN.map((name) => session.requestAll(`/me/appointments?when=${name}`)),
  );
  lists.upcoming = upcoming;
  lists.past = past;
}

function loaded() {
  el("mine").setAttribute("aria-busy", "false");
  // A card that may no longer be changed closes what was open on it.
  for (const id of [...ui.keys()]) {
    const a = find(id);
    if (!a || !changeable(a)) ui.delete(id);
  }
  render();
  // Free times read before the appointment changed (it moved, its own time freed): again.
  for (const [id, state] of ui) {
    if (state.mode === "move" && state.slots !== null && state.version !== find(id).version) {
      loadSlots(id);
    }
  }
  document.body.dataset.loads = String(Number(document.body.dataset.loads || 0) + 1);
}

// Any change to one of the client's appointments: the lists are read again (a moved one may
// pass from one list to the other, and the deadline follows its time).
let reloadTimer = null;
function apply() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => { if (feed) feed.reload(); }, 150);
}

function onState(state) {
  document.body.dataset.live = state;
}

function refresh() {
  if (feed) feed.reload();
}

// ---------------------------------------------------------------- drawing

function render() {
  if (!me) return;
  // A list read again (a change arrived) must not take the focus from the client.
  if (!focusAfter) {
    const focused = document.activeElement;
    const holder = focused && focused.closest && focused.closest(".my-card");
    const selector = holder ? focusSelector(focused) : null;
    if (selector) focusAfter = [holder.dataset.id, selector];
  }
  for (const name of WHEN) {
    const items = lists[name];
    el(`count-${name}`).textContent = `(${items.length})`;
    el(`empty-${name}`).hidden = items.length > 0;
    el(`list-${name}`).replaceChildren(...items.map((a) => card(a, name)));
  }
  if (focusAfter) {
    const [id, selector] = focusAfter;
    focusAfter = null;
    const node = document.querySelector(`#card-${CSS.escape(id)} ${selector}`);
    if (node) node.focus();
  }
}

function redraw(id) {
  const a = find(id);
  const old = el(`card-${id}`);
  if (!a || !old) return render();
  old.replaceWith(card(a, lists.upcoming.includes(a) ? "upcoming" : "past"));
  if (focusAfter) render(); // puts the focus where it was asked for
}

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, className, onClick) {
  const node = make("button", className, text);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

function card(a, list) {
  const li = make("li", `my-card status-${a.status}`);
  li.id = `card-${a.id}`;
  li.dataset.id = a.id;
  li.dataset.status = a.status;
  const head = make("div", "my-card-head");
  // The date may wrap; the times stay together on a line.
  const title = make("h3", "my-when");
  title.append(`${longDate(a.time_zone, a.start_at)}, `, make("span", "my-time",
    `${clockOf(a.time_zone, a.start_at)}\u2013${clockOf(a.time_zone, a.end_at)}`));
  title.id = `when-${a.id}`;
  title.tabIndex = -1;
  const badge = make("span", `badge badge-${a.status}`, t(`status.${a.status}`));
  head.append(title, badge);
  li.setAttribute("aria-labelledby", title.id);

  const facts = make("dl", "my-facts");
  const place = [a.location.name, a.location.address].filter(Boolean);
  for (const [term, value, cls] of [
    [t("my.service"), `${a.service.name} · ${t("my.minutes", { count: a.service.duration_minutes })}`, "my-service"],
    [t("my.with"), (a.specialists || []).map((s) => s.name).join(", "), "my-staff"],
    [t("my.where"), place, "my-place"],
    [t("my.price"), money(a.service.price, a.service.currency), "my-price"],
  ]) {
    if (!value || value.length === 0) continue;
    const row = make("div", cls);
    const dd = make("dd");
    if (Array.isArray(value)) {
      for (const line of value) dd.append(make("span", "my-line", line));
    } else {
      dd.textContent = value;
    }
    row.append(make("dt", "", term), dd);
    facts.append(row);
  }
  li.append(head, facts, make("p", "my-zone", t("my.zone", { zone: a.time_zone })));
  // What became of the client's last change, above the controls (a long list of free
  // times below would push it out of sight).
  const note = notes.get(a.id);
  if (note) {
    const p = make("p", `my-note my-note-${note.kind}`, note.text);
    p.setAttribute("role", note.kind === "error" ? "alert" : "status");
    p.tabIndex = -1;
    li.append(p);
  }

  if (list === "upcoming" && a.status === "scheduled") {
    if (changeable(a)) {
      li.append(make("p", "my-deadline", t("my.deadline", { at: deadlineAt(a) })));
      li.append(changeControls(a));
    } else {
      li.append(make("p", "my-deadline my-too-late",
        t("my.tooLate", { at: deadlineAt(a), firm: me.firm.name })));
    }
  }
  return li;
}

function changeControls(a) {
  const box = make("div", "my-change");
  const state = ui.get(a.id);
  if (!state) {
    const actions = make("div", "my-actions");
    const moving = button(t("my.move"), "primary my-move", () => openMove(a.id));
    moving.hidden = !a.service_id || !(a.specialist_ids || []).length;
    actions.append(moving, button(t("my.cancel"), "danger my-cancel", () => askCancel(a.id)));
    box.append(actions);
    return box;
  }
  if (state.mode === "cancel") {
    const ask = make("div", "my-confirm");
    ask.setAttribute("role", "group");
    const question = make("p", "my-ask", t("my.cancelAsk"));
    question.id = `cancel-ask-${a.id}`;
    ask.setAttribute("aria-labelledby", question.id);
    const actions = make("div", "my-actions");
    const yes = button(t("my.cancelYes"), "danger my-cancel-yes", () => cancel(a.id));
    yes.disabled = !!state.busy;
    actions.append(yes, button(t("my.cancelNo"), "secondary my-cancel-no", () => close(a.id, ".my-cancel")));
    ask.append(question, actions);
    box.append(ask);
    return box;
  }
  box.append(movePanel(a, state));
  return box;
}

function movePanel(a, state) {
  const panel = make("div", "my-move-panel");
  panel.setAttribute("role", "group");
  const heading = make("p", "my-ask", t("my.moveTitle"));
  heading.id = `move-title-${a.id}`;
  panel.setAttribute("aria-labelledby", heading.id);
  const first = dayIn(a.time_zone);

  const step = make("div", "my-day-step");
  const prev = button("‹", "step my-prev", () => setDay(a.id, addDays(state.day, -1)));
  prev.setAttribute("aria-label", t("my.prevDay"));
  prev.disabled = state.day <= first;
  const label = make("label", "visually-hidden", t("my.day"));
  const input = make("input", "my-date");
  input.type = "date";
  input.id = `move-date-${a.id}`;
  label.htmlFor = input.id;
  input.min = first;
  input.value = state.day;
  input.addEventListener("change", () => { if (input.value) setDay(a.id, input.value, ".my-date"); });
  const next = button("›", "step my-next", () => setDay(a.id, addDays(state.day, 1), ".my-next"));
  next.setAttribute("aria-label", t("my.nextDay"));
  step.append(prev, label, input, next);

  const slotsTitle = make("p", "my-slots-title", t("my.slotsOf", { day: dayLabel(state.day) }));
  slotsTitle.id = `slots-title-${a.id}`;
  panel.append(heading, step, slotsTitle);
  if (state.read) panel.dataset.slotsRead = String(state.read);

  if (state.slot) {
    const ask = make("div", "my-confirm");
    const to = `${longDate(a.time_zone, state.slot.start)}, ${clockOf(a.time_zone, state.slot.start)}`;
    const question = make("p", "my-ask", t("my.moveAsk", { to }));
    const actions = make("div", "my-actions");
    const yes = button(t("my.moveYes"), "primary my-move-yes", () => move(a.id));
    yes.disabled = !!state.busy;
    actions.append(yes, button(t("my.moveNo"), "secondary my-move-no", () => {
      state.slot = null;
      focusAfter = [a.id, ".my-slot"];
      redraw(a.id);
    }));
    ask.append(question, actions);
    panel.append(ask);
  } else if (state.slots === null) {
    panel.append(make("p", "muted", t("my.slotsLoading")));
  } else if (state.slots.length === 0) {
    panel.append(make("p", "muted my-no-slots", t("my.noSlots")));
  } else {
    const ul = make("ul", "my-slots");
    ul.setAttribute("aria-labelledby", slotsTitle.id);
    for (const slot of state.slots) {
      const li = make("li");
      const choose = button(clockOf(a.time_zone, slot.start), "slot my-slot", () => {
        state.slot = slot;
        focusAfter = [a.id, ".my-move-yes"];
        redraw(a.id);
      });
      choose.dataset.start = slot.start;
      li.append(choose);
      ul.append(li);
    }
    panel.append(ul);
  }
  const foot = make("div", "my-actions");
  foot.append(button(t("my.moveClose"), "secondary my-move-close", () => close(a.id, ".my-move")));
  panel.append(foot);
  return panel;
}

// ---------------------------------------------------------------- cancel

function askCancel(id) {
  notes.delete(id);
  ui.set(id, { mode: "cancel" });
  focusAfter = [id, ".my-cancel-no"];
  redraw(id);
}

function close(id, focus) {
  ui.delete(id);
  focusAfter = [id, focus];
  redraw(id);
}

async function cancel(id) {
  const a = find(id);
  const state = ui.get(id);
  if (!a || !state) return;
  state.busy = true;
  redraw(id);
  try {
    await patch(a, { status: "cancelled" });
    ui.delete(id);
    notes.set(id, { text: t("my.cancelled"), kind: "ok" });
    focusAfter = [id, ".my-note"];
    refresh();
  } catch (err) {
    state.busy = false;
    refused(id, err);
  }
}

// ---------------------------------------------------------------- move

function openMove(id) {
  const a = find(id);
  notes.delete(id);
  const first = dayIn(a.time_zone);
  const own = a.start_local.slice(0, 10);
  ui.set(id, { mode: "move", day: own < first ? first : own, slots: null, read: 0, slot: null });
  focusAfter = [id, ".my-date"];
  redraw(id);
  loadSlots(id);
}

function setDay(id, day, focus = ".my-date") {
  const state = ui.get(id);
  const a = find(id);
  if (!state || !a) return;
  const first = dayIn(a.time_zone);
  state.day = day < first ? first : day;
  state.slot = null;
  state.slots = null;
  focusAfter = [id, focus];
  redraw(id);
  loadSlots(id);
}

async function loadSlots(id) {
  const state = ui.get(id);
  const a = find(id);
  if (!state || !a) return;
  const day = state.day;
  const mine = (state.asked = (state.asked || 0) + 1);
  const query = new URLSearchParams({
    service_id: a.service_id, location_id: a.location_id, from: day, to: day,
    specialist_id: a.specialist_ids[0],
  });
  let answer;
  try {
    answer = await session.request(`/availability?${query}`);
  } catch (err) {
    if (ui.get(id) !== state || state.asked !== mine) return;
    state.slots = [];
    state.version = (find(id) || a).version;
    state.read = mine;
    notes.set(id, { text: refusal(err), kind: "error" });
    redraw(id);
    return;
  }
  if (ui.get(id) !== state || state.asked !== mine) return; // another day was asked since
  // Its own time (as it is now: the list may have been read again meanwhile) is not a move.
  const current = find(id) || a;
  const booked = Date.parse(current.start_at);
  state.slots = answer.slots.filter((slot) => Date.parse(slot.start) !== booked);
  state.version = current.version;
  state.read = mine;
  const focused = document.activeElement;
  const keep = focused && el(`card-${id}`) && el(`card-${id}`).contains(focused)
    ? focusSelector(focused) : null;
  if (keep) focusAfter = [id, keep];
  redraw(id);
}

// The control that had the focus, found again in the redrawn card.
function focusSelector(node) {
  if (node.classList.contains("my-slot")) {
    return `.my-slot[data-start="${CSS.escape(node.dataset.start)}"]`;
  }
  for (const cls of ["my-date", "my-prev", "my-next", "my-move-close", "my-move", "my-cancel",
    "my-cancel-yes", "my-cancel-no", "my-move-yes", "my-move-no", "my-note", "my-when"]) {
    if (node.classList.contains(cls)) return `.${cls}`;
  }
  return null;
}

async function move(id) {
  const a = find(id);
  const state = ui.get(id);
  if (!a || !state || !state.slot) return;
  const slot = state.slot;
  state.busy = true;
  redraw(id);
  try {
    await patch(a, { start_at: slot.start });
    ui.delete(id);
    const to = `${longDate(a.time_zone, slot.start)}, ${clockOf(a.time_zone, slot.start)}`;
    notes.set(id, { text: t("my.moved", { to }), kind: "ok" });
    focusAfter = [id, ".my-note"];
    refresh();
  } catch (err) {
    state.busy = false;
    if (SLOT_GONE.has(err.code)) {
      state.slot = null;
      state.slots = null;
      notes.set(id, { text: t("my.slotGone"), kind: "error" });
      focusAfter = [id, ".my-note"];
      redraw(id);
      loadSlots(id);
      return;
    }
    refused(id, err);
  }
}

// ---------------------------------------------------------------- writes and refusals

function patch(a, body) {
  return session.request(`/appointments/${a.id}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json", "If-Match": `"${a.version}"` },
    body: JSON.stringify(body),
  });
}

function refused(id, err) {
  const a = find(id);
  let text;
  if (err.code === "version_mismatch") text = t("my.changed");
  else if (err.code === "change_deadline_passed" && a) {
    text = t("my.pastDeadline", { at: deadlineAt(a), firm: me.firm.name });
  } else if (err.code === "appointment_not_scheduled") text = t("my.notScheduled");
  else text = refusal(err);
  notes.set(id, { text, kind: "error" });
  focusAfter = [id, ".my-note"];
  if (REFRESH_CODES.has(err.code)) {
    ui.delete(id);
    refresh(); // what is true now: the list read again
  }
  redraw(id);
}

// ---------------------------------------------------------------- tabs

function showTab(name, focus = false) {
  tab = name;
  for (const other of WHEN) {
    const selected = other === name;
    const tabButton = el(`tab-${other}`);
    tabButton.setAttribute("aria-selected", String(selected));
    tabButton.tabIndex = selected ? 0 : -1;
    el(`panel-${other}`).hidden = !selected;
  }
  if (focus) el(`tab-${name}`).focus();
}

for (const name of WHEN) {
  el(`tab-${name}`).addEventListener("click", () => showTab(name));
  el(`tab-${name}`).addEventListener("keydown", (event) => {
    const index = WHEN.indexOf(tab);
    const step = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: WHEN.length - 1 - index }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    showTab(WHEN[(index + step + WHEN.length) % WHEN.length], true);
  });
}

onLanguage(() => render());
signIn({ api: API, page: "mine", t, start, stop });
