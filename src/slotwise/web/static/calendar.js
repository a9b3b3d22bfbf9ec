// The staff calendar: one location's plan as a day with a column per specialist, a week, or a
// list, read through the public API in the location's time zone and kept current from the
// event stream. Owners, directors and managers create appointments (select a range, or the
// "New appointment" button), move them by dragging (to another time, or to another worker's
// column), resize them, and change anything in the card's dialog; workers start and finish
// their own. Every change carries the version it was read at, and a refusal puts the card
// back and says why beside it.

import { clock, offsetNow, wallClock, zonedInstant } from "./dates.js";
import {
  createCalendar, destroyCalendar, Interaction, List, ResourceTimeGrid,
} from "./event-calendar.js";
import { datesBetween, offTimeEvents, openingRange, timeOfDay } from "./calendar-hours.js";
import { asEvent, cardContent } from "./calendar-cards.js";
import { appointmentDialog } from "./calendar-dialog.js";
import { localeTag, onLanguage, refusalText, translator } from "./i18n.js";
import { LiveFeed } from "./live.js";
import { clientName, toast } from "./render.js";
import { ApiError } from "./session.js";
import { signIn } from "./signin.js";
import common from "./strings-common.js";
import strings from "./strings-calendar.js";

const API = document.body.dataset.api || "/api/v1";
const POLL_MS = Math.max(1, Number(document.body.dataset.pollSeconds) || 60) * 1000;
// Appointments are asked for with this margin around the range shown: the component's range
// is in the location's wall-clock time, the API's in instants (offsets reach ±14 h).
const MARGIN_MS = 36 * 3600 * 1000;
const PLANNERS = new Set(["owner", "director", "manager"]);
const NOTE_MS = 8000;

const el = (id) => document.getElementById(id);
const t = translator(common, strings);

let session = null;
let me = null;
let feed = null;
let calendar = null;
let location = null;
let locations = [];
let specialists = [];
let services = [];
let workplaces = [];
let range = null; // {start, end}: the dates shown ("YYYY-MM-DD", end exclusive)
const appointments = new Map(); // id -> the appointment as the API shows it to this user
let offTime = []; // the background events of non-working time

const zone = () => location.time_zone;
const plans = () => Boolean(me) && PLANNERS.has(me.role);

function showError(message) {
  const box = el("planner-error");
  box.textContent = message || "";
  box.hidden = !message;
}

// Why a change did not happen, in words; a taken time names what is in the way.
function refusal(err) {
  if (!(err instanceof ApiError)) return t("calendar.unreachable");
  if (err.status === 412) return t("calendar.changedMeanwhile");
  if (err.code === "slot_taken" && err.details && err.details.length) {
    const first = err.details[0];
    const who = first.resource === "specialist"
      ? specialists.find((s) => s.id === first.resource_id)
      : workplaces.find((w) => w.id === first.resource_id);
    return t(first.kind === "hold" ? "calendar.takenByHold" : "calendar.takenByAppointment", {
      who: who ? who.name : t(`calendar.${first.resource}`),
      from: clock(zone(), first.start),
      to: clock(zone(), first.end),
    });
  }
  return refusalText(t, err, t("calendar.refused"));
}

// ---------------------------------------------------------------- what is shown
function shown(appointment) {
  if (appointment.location_id !== location.id) return false;
  const start = wallClock(zone(), appointment.start_at).slice(0, 10);
  const end = wallClock(zone(), appointment.end_at).slice(0, 10);
  return start < range.end && end >= range.start;
}

function draw() {
  calendar.setOption("events", [
    ...offTime,
    ...[...appointments.values()].map((a) => asEvent(zone(), a)),
  ]);
}

// The range's appointments and the columns' working time, as the API shows them.
async function load() {
  if (!calendar || !range) return;
  el("planner").setAttribute("aria-busy", "true");
  const from = new Date(Date.parse(`${range.start}T00:00:00Z`) - MARGIN_MS).toISOString();
  const to = new Date(Date.parse(`${range.end}T00:00:00Z`) + MARGIN_MS).toISOString();
  const query = new URLSearchParams({ from, to, location_id: location.id });
  const shownLocation = location;
  const [items, plansOfDays] = await Promise.all([
    session.requestAll(`/appointments?${query}`).catch((err) => {
      showError(refusalText(t, err, t("calendar.readFailed")));
      throw err;
    }),
    workingTime(),
  ]);
  if (shownLocation !== location) return; // another location was chosen meanwhile
  showError("");
  appointments.clear();
  for (const appointment of items) if (shown(appointment)) appointments.set(appointment.id, appointment);
  const { first, last } = openingRange(location);
  offTime = plansOfDays
    ? offTimeEvents(datesBetween(range.start, range.end), columns(), plansOfDays, first, last) : [];
}

function loaded() {
  if (!calendar || !range) return; // nothing was read: the shown range is not known yet
  draw();
  el("planner").setAttribute("aria-busy", "false");
}

// Holidays, schedules and breaks of the range, in one read. When it cannot be read the
// calendar is shown unshaded rather than not at all.
async function workingTime() {
  const dates = datesBetween(range.start, range.end);
  const query = new URLSearchParams({ from: dates[0], to: dates[dates.length - 1] });
  const read = await session.request(`/locations/${location.id}/working-time?${query}`)
    .catch(() => null);
  if (!read) return null;
  return {
    location,
    holidays: new Map(read.holidays.map((h) => [h.date, h.is_working])),
    schedules: new Map(read.specialists.map((s) => [s.specialist_id, s.schedule])),
    breaks: new Map(read.specialists.map((s) => [s.specialist_id, s.breaks])),
  };
}

// ---------------------------------------------------------------- live changes
function apply(envelope) {
  if (!calendar) return;
  const appointment = envelope.appointment;
  const id = envelope.appointment_id || (appointment && appointment.id);
  if (envelope.type === "appointment.deleted" || !appointment) {
    if (appointments.delete(id)) calendar.removeEventById(id);
    return;
  }
  const known = appointments.get(appointment.id);
  if (known && appointment.version < known.version) return; // older than what is shown
  if (!shown(appointment)) {
    if (appointments.delete(appointment.id)) calendar.removeEventById(appointment.id);
    return;
  }
  put(appointment);
  dialog.changed(appointment);
  const byMe = envelope.actor && envelope.actor.id === me.id; // no news to the one who did it
  if (envelope.type === "appointment.updated" && !byMe
      && (envelope.changed || []).includes("is_open")) {
    toast(el("toasts"), runMessage(envelope, appointment), t("common.dismiss"));
  }
}

function put(appointment) {
  const event = asEvent(zone(), appointment);
  if (appointments.has(appointment.id)) calendar.updateEvent(event);
  else calendar.addEvent(event);
  appointments.set(appointment.id, appointment);
}

// "Anna started the 10:00 appointment with Clara Client" / "… finished …"
function runMessage(envelope, appointment) {
  const vars = {
    who: (envelope.actor && envelope.actor.name) || t("calendar.someone"),
    time: clock(zone(), appointment.start_at),
    client: clientName(appointment) || t("common.noClient"),
  };
  return t(appointment.is_open ? "calendar.started" : "calendar.finished", vars);
}

function showState(state) {
  document.body.dataset.live = state;
  el("banner").hidden = state !== "down";
}

// ---------------------------------------------------------------- dragging
const pad = (n) => String(n).padStart(2, "0");
// The component hands out dates whose local fields are the wall-clock time shown (in the
// location's zone): that wall-clock time as an instant, right across a DST change too.
function instantOf(date) {
  return zonedInstant(zone(), `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`,
                      `${pad(date.getHours())}:${pad(date.getMinutes())}`);
}

// A short note beside the card, in words: why a change did not happen.
function noteBeside(eventId, message) {
  const note = el("change-note");
  const card = el("calendar").querySelector(`[data-appointment="${eventId}"]`);
  const box = (card || el("calendar")).getBoundingClientRect();
  note.textContent = message;
  note.hidden = false;
  note.style.top = `${Math.round(box.top + window.scrollY)}px`;
  note.style.left = `${Math.round(Math.min(box.right + 8, window.innerWidth - 280))}px`;
  clearTimeout(noteBeside.timer);
  noteBeside.timer = setTimeout(() => { note.hidden = true; }, NOTE_MS);
}

async function save(info, changes) {
  const appointment = info.event.extendedProps.appointment;
  try {
    const updated = await session.request(`/appointments/${appointment.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", "If-Match": `"${appointment.version}"` },
      body: JSON.stringify(changes),
    });
    put(updated);
  } catch (err) {
    info.revert();
    noteBeside(appointment.id, refusal(err));
    if (err instanceof ApiError && err.status === 412) {
      const latest = await session.request(`/appointments/${appointment.id}`).catch(() => null);
      if (latest && shown(latest)) put(latest);
    }
  }
}

function moved(info) {
  const appointment = info.event.extendedProps.appointment;
  const changes = {};
  const start = instantOf(info.event.start);
  if (Date.parse(start) !== Date.parse(appointment.start_at)) {
    changes.start_at = start;
    changes.end_at = instantOf(info.event.end);
  }
  if (info.newResource) {
    // The worker whose column it left is replaced by the one it was dropped on; any other
    // worker of the appointment stays.
    const ids = appointment.workers.map((w) => w.id)
      .filter((id) => id !== info.oldResource.id && id !== info.newResource.id);
    changes.worker_ids = [...ids, info.newResource.id];
  }
  return save(info, changes);
}

function resized(info) {
  return save(info, { end_at: instantOf(info.event.end) });
}

// ---------------------------------------------------------------- the dialog
const dialog = appointmentDialog({
  t,
  get session() { return session; },
  get me() { return me; },
  get plans() { return plans(); },
  zone,
  location: () => location,
  specialists: () => specialists,
  services: () => services,
  workplaces: () => workplaces.filter((w) => w.location_id === location.id),
  dayLabel: (iso) => new Intl.DateTimeFormat(localeTag(), {
    timeZone: zone(), weekday: "long", day: "numeric", month: "long",
  }).format(new Date(iso)),
  saved: (appointment) => {
    if (shown(appointment)) put(appointment);
    else if (appointments.delete(appointment.id)) calendar.removeEventById(appointment.id);
  },
  deleted: (id) => {
    if (appointments.delete(id)) calendar.removeEventById(id);
  },
  refusal,
});

// A new appointment from the button: today when it is shown (at the next quarter hour in
// opening hours), else the first day shown at opening time; one worker preset only when there
// is one column.
function newFromButton() {
  const now = wallClock(zone(), new Date().toISOString());
  const today = now.slice(0, 10);
  const date = range.start <= today && today < range.end ? today : range.start;
  const { first } = openingRange(location);
  const minute = Number(now.slice(11, 13)) * 60 + Number(now.slice(14, 16));
  const start = Math.min(date === today ? Math.max(first, Math.ceil(minute / 15) * 15) : first,
                         23 * 60);
  const cols = columns();
  dialog.openNew({
    start: `${date}T${timeOfDay(start)}`,
    end: `${date}T${timeOfDay(Math.min(start + 30, 23 * 60 + 59))}`,
    workerId: cols.length === 1 ? cols[0].id : null,
  });
}

// ---------------------------------------------------------------- the calendar
function columns() {
  // A worker sees their own column only (the API shows them only their appointments);
  // planners all, or the one chosen in the filter.
  const chosen = el("planner-worker").value;
  const shownColumns = me.role === "worker"
    ? specialists.filter((s) => s.id === me.specialist_id)
    : specialists.filter((s) => !chosen || s.id === chosen);
  return shownColumns.map((s) => ({ id: s.id, title: s.name }));
}

function workerFilter() {
  const select = el("planner-worker");
  const kept = select.value;
  select.replaceChildren(new Option(t("calendar.allWorkers"), ""),
                         ...specialists.map((s) => new Option(s.name, s.id)));
  select.value = specialists.some((s) => s.id === kept) ? kept : "";
  // A worker has one column: nothing to filter.
  el("planner-worker-filter").hidden = me.role === "worker";
}

function texts() {
  return {
    locale: localeTag(),
    // A function, so that each view keeps its own names of the previous and next buttons.
    buttonText: (text) => ({
      ...text,
      today: t("calendar.today"),
      resourceTimeGridDay: t("calendar.day"),
      resourceTimeGridWeek: t("calendar.week"),
      listWeek: t("calendar.list"),
    }),
    noEventsContent: t("calendar.nothing"),
  };
}

function mount(chosen) {
  if (calendar) destroyCalendar(calendar);
  location = chosen;
  appointments.clear();
  offTime = [];
  el("planner-zone").textContent = t("calendar.zone", { zone: zone() });
  const { first, last } = openingRange(location);
  calendar = createCalendar(el("calendar"), [ResourceTimeGrid, List, Interaction], {
    view: "resourceTimeGridDay",
    headerToolbar: {
      start: "prev,today,next",
      center: "title",
      end: "resourceTimeGridDay,resourceTimeGridWeek,listWeek",
    },
    ...texts(),
    timeZone: offsetNow(zone()),
    resources: columns(),
    firstDay: 1, // weeks start on Monday, as the schedules' weekdays do
    allDaySlot: false,
    nowIndicator: true,
    editable: plans(),
    selectable: plans(),
    select: (info) => {
      dialog.openNew({ start: info.startStr, end: info.endStr, workerId: info.resource && info.resource.id });
      calendar.unselect();
    },
    eventDrop: moved,
    eventResize: resized,
    eventDidMount: (info) => {
      // Each card says which appointment it is, for the note beside it and for tests.
      if (info.event.extendedProps.appointment) info.el.dataset.appointment = info.event.id;
    },
    eventClick: (info) => {
      // Opened with Enter: the key must not go on to press the dialog's first button.
      info.jsEvent.preventDefault();
      const appointment = info.event.extendedProps.appointment;
      if (appointment) dialog.openExisting(appointments.get(appointment.id) || appointment);
    },
    eventContent: (info) => cardContent(t, info),
    slotDuration: "00:15",
    slotHeight: 28,
    // Every worker's column stays readable: more columns than fit scroll sideways, and the
    // cut-off column shows that there are more.
    columnWidth: "minmax(7rem, 1fr)",
    slotMinTime: timeOfDay(first),
    slotMaxTime: timeOfDay(last),
    scrollTime: timeOfDay(first),
    // The time grid scrolls (sideways on a phone): keyboard users must be able to reach it.
    viewDidMount: () => {
      const scroller = el("calendar").querySelector(".ec-main");
      if (scroller) scroller.tabIndex = 0;
    },
    datesSet: (info) => {
      range = { start: info.startStr.slice(0, 10), end: info.endStr.slice(0, 10) };
      el("planner-date").value = range.start;
      if (feed) feed.viewChanged();
    },
    events: [],
  });
}

async function start(signedIn, user) {
  session = signedIn;
  me = user;
  if (me.role === "client") {
    el("planner-title").textContent = t("calendar.staffOnly");
    return;
  }
  let head;
  [head, locations, specialists, services, workplaces] = await Promise.all([
    session.request("/events").catch(() => null), // the position, for the live feed
    session.requestAll("/locations?active=true"),
    session.requestAll("/specialists?active=true"),
    session.requestAll("/services?active=true"),
    session.requestAll("/workplaces?active=true"),
  ]);
  el("planner-new").hidden = !plans();
  workerFilter();
  const select = el("planner-location");
  select.replaceChildren(...locations.map((l) => new Option(l.name, l.id)));
  if (!locations.length) {
    showError(t("calendar.noLocation"));
    el("planner").setAttribute("aria-busy", "false");
    return;
  }
  feed = new LiveFeed({ api: API, session, load, apply, loaded, onState: showState, pollMs: POLL_MS });
  mount(locations[0]);
  feed.start(head);
  dialog.resume(me.id);
}

function stop() {
  dialog.suspend(); // kept with what was typed, for when the same user signs in again
  if (feed) feed.stop();
  feed = null;
  if (calendar) destroyCalendar(calendar);
  calendar = null;
  session = me = null;
  appointments.clear();
  el("banner").hidden = true;
  delete document.body.dataset.live;
  el("calendar").replaceChildren();
}

el("planner-location").addEventListener("change", (event) => {
  const chosen = locations.find((l) => l.id === event.currentTarget.value);
  if (chosen) mount(chosen);
});
el("planner-new").addEventListener("click", newFromButton);
el("planner-worker").addEventListener("change", () => {
  if (!calendar) return;
  calendar.setOption("resources", columns());
  feed.reload(); // the shading is per column
});
el("planner-date").addEventListener("change", (event) => {
  if (calendar && event.currentTarget.value) calendar.setOption("date", event.currentTarget.value);
});
onLanguage(() => {
  if (!calendar) return;
  for (const [name, value] of Object.entries(texts())) calendar.setOption(name, value);
  el("planner-zone").textContent = t("calendar.zone", { zone: zone() });
  workerFilter();
  draw();
  dialog.redraw();
});
signIn({ api: API, page: "planner", t, start, stop });
