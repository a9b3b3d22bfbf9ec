// The staff calendar: one location's plan as a day with a column per specialist, a week, or a
// list, read through the public API in the location's time zone. Owners, directors and
// managers move an appointment by dragging it (to another time, or to another worker's
// column) and change its length by resizing it; every change carries the version it was
// read at, and a refusal puts the card back and says why beside it.

import { clock, offsetNow, wallClock } from "./dates.js";
import {
  createCalendar, destroyCalendar, Interaction, List, ResourceTimeGrid,
} from "./event-calendar.js";
import { clientName } from "./render.js";
import { ApiError } from "./session.js";
import { translator } from "./i18n.js";
import { signIn } from "./signin.js";
import common from "./strings-common.js";
import strings from "./strings-calendar.js";

const API = document.body.dataset.api || "/api/v1";
// Appointments are asked for with this margin around the range shown: the component's range
// is in the location's wall-clock time, the API's in instants (offsets reach ±14 h).
const MARGIN_MS = 36 * 3600 * 1000;
const PLANNERS = new Set(["owner", "director", "manager"]);
const NOTE_MS = 8000;

const el = (id) => document.getElementById(id);
const t = translator(common, strings);

let session = null;
let me = null;
let calendar = null;
let locations = [];
let specialists = [];

function text(tag, className, value) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = value;
  return node;
}

function showError(message) {
  const box = el("planner-error");
  box.textContent = message || "";
  box.hidden = !message;
}

function asEvent(zone, appointment) {
  const classNames = [`is-${appointment.status}`];
  if (appointment.is_open) classNames.push("is-open");
  return {
    id: appointment.id,
    resourceIds: appointment.workers.map((worker) => worker.id),
    start: wallClock(zone, appointment.start_at),
    end: wallClock(zone, appointment.end_at),
    title: clientName(appointment),
    classNames,
    extendedProps: { appointment },
  };
}

// Text only: names and notes never become markup.
function eventContent(info) {
  const appointment = info.event.extendedProps.appointment;
  const nodes = [
    text("p", "time", info.timeText),
    text("p", "client", clientName(appointment)),
    text("p", "services", appointment.services.map((s) => s.name).join(", ")),
  ];
  if (appointment.is_open) nodes.push(text("p", "badge badge-open", "In progress"));
  if (appointment.status !== "scheduled") {
    nodes.push(text("p", `badge badge-${appointment.status}`, appointment.status.replace("_", "-")));
  }
  if (appointment.notes) nodes.push(text("p", "notes-marker", "Note"));
  return { domNodes: nodes };
}

// Each card says which appointment it is, for the note beside it and for tests.
function eventDidMount(info) {
  info.el.dataset.appointment = info.event.id;
}

// ---------------------------------------------------------------- changing the plan
const seconds = (duration) => (duration.days || 0) * 86400 + (duration.seconds || 0);
const shifted = (iso, by) => new Date(Date.parse(iso) + by * 1000).toISOString();

function refusal(err) {
  if (!(err instanceof ApiError)) return "The server cannot be reached; nothing was changed.";
  if (err.status === 412) {
    return "Someone else changed this appointment meanwhile; the calendar now shows their change.";
  }
  return err.message || "The change was refused.";
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

async function save(zone, info, changes) {
  const appointment = info.event.extendedProps.appointment;
  try {
    const updated = await session.request(`/appointments/${appointment.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", "If-Match": `"${appointment.version}"` },
      body: JSON.stringify(changes),
    });
    calendar.updateEvent(asEvent(zone, updated));
  } catch (err) {
    info.revert();
    noteBeside(appointment.id, refusal(err));
    if (err instanceof ApiError && err.status === 412) calendar.refetchEvents();
  }
}

function moved(zone, info) {
  const appointment = info.event.extendedProps.appointment;
  const by = seconds(info.delta);
  const changes = {};
  if (by) {
    changes.start_at = shifted(appointment.start_at, by);
    changes.end_at = shifted(appointment.end_at, by);
  }
  if (info.newResource) {
    // The worker whose column it left is replaced by the one it was dropped on; any other
    // worker of the appointment stays.
    const ids = appointment.workers.map((w) => w.id)
      .filter((id) => id !== info.oldResource.id && id !== info.newResource.id);
    changes.worker_ids = [...ids, info.newResource.id];
  }
  return save(zone, info, changes);
}

function resized(zone, info) {
  const appointment = info.event.extendedProps.appointment;
  return save(zone, info, { end_at: shifted(appointment.end_at, seconds(info.endDelta)) });
}

// ---------------------------------------------------------------- one appointment's dialog
let opened = null; // {zone, appointment} of the open dialog

function dayLabel(zone, iso) {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, weekday: "long", day: "numeric", month: "long",
  }).format(new Date(iso));
}

function cardError(message) {
  el("card-error").textContent = message || "";
  el("card-error").hidden = !message;
}

function showCard(zone, appointment) {
  opened = { zone, appointment };
  const plans = PLANNERS.has(me.role);
  el("card-title").textContent = clientName(appointment) || "No client";
  el("card-when").textContent = `${dayLabel(zone, appointment.start_at)}, `
    + `${clock(zone, appointment.start_at)}–${clock(zone, appointment.end_at)}`;
  el("card-who").textContent = [
    appointment.workers.map((w) => w.name).join(", "),
    appointment.services.map((s) => s.name).join(", "),
  ].filter(Boolean).join(" \u00b7 ");
  el("card-status").textContent = `Status: ${appointment.status.replace("_", "-")}`
    + (appointment.is_open ? ", in progress" : "");
  const scheduled = appointment.status === "scheduled";
  for (const id of ["card-save", "card-cancel-appointment", "card-no-show", "card-delete"]) {
    el(id).hidden = !plans;
  }
  el("card-cancel-appointment").disabled = !scheduled;
  el("card-no-show").disabled = !scheduled;
  el("card-notes").readOnly = !plans;
  el("card-confirm").hidden = true;
}

function openCard(zone, event) {
  const appointment = event.extendedProps.appointment;
  showCard(zone, appointment);
  el("card-notes").value = appointment.notes || "";
  cardError("");
  el("card-dialog").showModal();
}

// A change from the dialog. A refusal keeps the dialog and what was typed in it; after a 412
// the dialog shows the other change (the typed notes stay) and saving again applies on top.
async function cardRequest(method, body) {
  const { zone, appointment } = opened;
  const headers = { "If-Match": `"${appointment.version}"` };
  if (body) headers["Content-Type"] = "application/json";
  try {
    const updated = await session.request(`/appointments/${appointment.id}`, {
      method, headers, body: body && JSON.stringify(body),
    });
    if (updated) calendar.updateEvent(asEvent(zone, updated));
    else calendar.removeEventById(appointment.id);
    el("card-dialog").close();
  } catch (err) {
    cardError(refusal(err));
    if (err instanceof ApiError && err.status === 412) {
      const latest = await session.request(`/appointments/${appointment.id}`).catch(() => null);
      if (latest) {
        showCard(zone, latest);
        calendar.updateEvent(asEvent(zone, latest));
      }
    }
  }
}

el("card-save").addEventListener("click", () => cardRequest("PATCH", {
  notes: el("card-notes").value,
}));
el("card-cancel-appointment").addEventListener("click", () => cardRequest("PATCH", {
  status: "cancelled",
}));
el("card-no-show").addEventListener("click", () => cardRequest("PATCH", { status: "no_show" }));
el("card-delete").addEventListener("click", () => {
  el("card-confirm").hidden = false;
  el("card-delete-no").focus();
});
el("card-delete-no").addEventListener("click", () => { el("card-confirm").hidden = true; });
el("card-delete-yes").addEventListener("click", () => cardRequest("DELETE", null));
el("card-close").addEventListener("click", () => el("card-dialog").close());

function openingRange(location) {
  const open = location.hours.filter((h) => !h.is_day_off);
  if (!open.length) return { slotMinTime: "08:00", slotMaxTime: "20:00" };
  const starts = open.map((h) => h.start_time).sort();
  const ends = open.map((h) => h.end_time).sort();
  return { slotMinTime: starts[0], slotMaxTime: ends[ends.length - 1] };
}

function columns() {
  // A worker sees their own column only; the API shows them only their appointments.
  const shown = me.role === "worker"
    ? specialists.filter((s) => s.id === me.specialist_id) : specialists;
  return shown.map((s) => ({ id: s.id, title: s.name }));
}

function mount(location) {
  if (calendar) destroyCalendar(calendar);
  const zone = location.time_zone;
  el("planner-zone").textContent = `Times in ${zone}`;
  const plans = PLANNERS.has(me.role);
  calendar = createCalendar(el("calendar"), [ResourceTimeGrid, List, Interaction], {
    view: "resourceTimeGridDay",
    headerToolbar: {
      start: "prev,today,next",
      center: "title",
      end: "resourceTimeGridDay,resourceTimeGridWeek,listWeek",
    },
    // A function, so that each view keeps its own names of the previous and next buttons.
    buttonText: (text) => ({
      ...text,
      today: "Today", resourceTimeGridDay: "Day", resourceTimeGridWeek: "Week", listWeek: "List",
    }),
    locale: "en-GB",
    timeZone: offsetNow(zone),
    resources: columns(),
    allDaySlot: false,
    nowIndicator: true,
    editable: plans,
    eventDrop: (info) => moved(zone, info),
    eventResize: (info) => resized(zone, info),
    eventDidMount,
    eventClick: (info) => openCard(zone, info.event),
    slotDuration: "00:15",
    slotHeight: 28,
    // Every worker's column stays readable: more columns than fit scroll sideways, and the
    // cut-off column shows that there are more.
    columnWidth: "minmax(7rem, 1fr)",
    ...openingRange(location),
    eventContent,
    // The time grid scrolls (sideways on a phone): keyboard users must be able to reach it.
    viewDidMount: () => {
      const scroller = el("calendar").querySelector(".ec-main");
      if (scroller) scroller.tabIndex = 0;
    },
    eventSources: [{
      events: async (info) => {
        const from = new Date(info.start.getTime() - MARGIN_MS).toISOString();
        const to = new Date(info.end.getTime() + MARGIN_MS).toISOString();
        const query = new URLSearchParams({ from, to, location_id: location.id });
        try {
          const items = await session.requestAll(`/appointments?${query}`);
          showError("");
          return items.map((appointment) => asEvent(zone, appointment));
        } catch (err) {
          showError(err.message || "The appointments could not be read. Please try again.");
          return [];
        }
      },
    }],
  });
}

async function start(signedIn, user) {
  session = signedIn;
  me = user;
  if (me.role === "client") {
    el("planner-title").textContent = "The calendar is for the firm's staff";
    return;
  }
  [locations, specialists] = await Promise.all([
    session.requestAll("/locations?active=true"),
    session.requestAll("/specialists?active=true"),
  ]);
  const select = el("planner-location");
  select.replaceChildren(...locations.map((l) => new Option(l.name, l.id)));
  if (locations.length) mount(locations[0]);
  else showError("The firm has no active location yet.");
}

function stop() {
  if (calendar) destroyCalendar(calendar);
  calendar = null;
  session = me = null;
  el("calendar").replaceChildren();
}

el("planner-location").addEventListener("change", (event) => {
  const location = locations.find((l) => l.id === event.currentTarget.value);
  if (location) mount(location);
});
signIn({ api: API, page: "planner", t, start, stop });
