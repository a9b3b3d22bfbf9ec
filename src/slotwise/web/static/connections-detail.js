// One connection opened: its health in words, the buttons (sync now, edit, turn off or on,
// delete) and its tabs: the status (facts, the last sync's counts and the totals), the
// mapping, the bookings held back, the open conflicts and the history of syncs (drawn by
// connections-records.js); reading them all, and following the run after "Sync now".

import { onLanguage } from "./i18n.js";
import {
  busy, el, emptyDetail, ifMatch, json, kindName, locationOf, node, numberText, refusal,
  secondsText, showMessage, specialistName, state, status, t, when, whenAgo,
} from "./connections-dom.js";
import { health } from "./connections-health.js";
import { countCells, renderConflicts, renderHeld, renderRuns } from "./connections-records.js";
import { renderMappings, resetMappings } from "./connections-mappings.js";

export const TABS = ["status", "mapping", "held", "conflicts", "runs"];
const PAGE = 20;
// After "Sync now": how often the page looks for the run the worker makes, and how long.
const FOLLOW_MS = 3000;
const FOLLOW_TRIES = 40;
// A due connection not taken this long after its time: the worker is probably not running.
const OVERDUE_MS = 120000;

let tab = "status";
let hooks = { kept: () => {}, askDelete: () => {}, openForm: () => {} };
const following = { timer: null, id: null };

export const current = () => state.connections.find((c) => c.id === state.selected) || null;

export function initDetail(given) {
  hooks = given;
}

// ------------------------------------------------------------------------- reading

const base = (id) => `/connections/${id}`;

async function readPage(id, what, { append = false, query = "" } = {}) {
  const have = append ? state.detail[what].items : [];
  const page = await state.session.request(
    `${base(id)}/${what}?limit=${PAGE}&offset=${have.length}${query}`,
  );
  state.detail[what] = { items: [...have, ...page.items], total: page.total };
}

// The appointments that conflicts name, to say what is in the way (gone ones say so).
async function readAppointments() {
  const wanted = state.detail.conflicts.items.map((c) => c.appointment_id)
    .filter((id) => id && !state.detail.appointments.has(id));
  await Promise.all([...new Set(wanted)].map(async (id) => {
    try {
      state.detail.appointments.set(id, await state.session.request(`/appointments/${id}`));
    } catch (_) {
      state.detail.appointments.set(id, null);
    }
  }));
}

// Everything the tabs show, read again; the connection itself too (health, version).
export async function reloadDetail() {
  const id = state.selected;
  if (!id) return;
  const detail = state.detail;
  try {
    const [connection, statusNow, mappings] = await Promise.all([
      state.session.request(base(id)),
      state.session.request(`${base(id)}/status`),
      state.session.request(`${base(id)}/mappings`),
      readPage(id, "runs"),
      readPage(id, "conflicts", { query: "&status=open" }),
      readPage(id, "held"),
    ]);
    if (state.selected !== id || state.detail !== detail) return;
    await readAppointments();
    detail.status = statusNow;
    detail.mappings = mappings;
    hooks.kept(connection, { quiet: true });
    showMessage(el("detail-error"), "");
  } catch (err) {
    if (state.selected !== id) return;
    if (err.status === 404) {
      hooks.kept(null, { gone: id });
      return;
    }
    showMessage(el("detail-error"), refusal(err, t("detail.readFailed")));
  }
  renderDetail();
}

export async function openDetail(id, { tab: wanted, focus = true } = {}) {
  stopFollowing();
  state.selected = id;
  state.detail = emptyDetail();
  resetMappings();
  tab = TABS.includes(wanted) ? wanted : "status";
  el("detail").hidden = false;
  // A phone shows the open connection alone; "All connections" leads back to the list.
  el("connections").classList.add("has-detail");
  renderDetail();
  showTab(tab);
  if (focus) el("detail").focus();
  await reloadDetail();
}

export function closeDetail() {
  stopFollowing();
  state.selected = null;
  state.detail = null;
  el("detail").hidden = true;
  el("connections").classList.remove("has-detail");
  for (const body of ["counts-body", "runs-body", "conflicts-body", "held-body", "mapping-staff",
    "mapping-service"]) el(body).replaceChildren();
  el("facts").replaceChildren();
}

// ------------------------------------------------------------------------- tabs

export function showTab(name, { focus = false } = {}) {
  tab = TABS.includes(name) ? name : "status";
  for (const each of TABS) {
    const button = el(`tab-${each}`);
    const selected = each === tab;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    el(`panel-${each}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
  if (state.selected) {
    const hash = `#${state.selected}${tab === "status" ? "" : `/${tab}`}`;
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }
}

for (const each of TABS) {
  const button = el(`tab-${each}`);
  button.addEventListener("click", () => showTab(each));
  button.addEventListener("keydown", (event) => {
    const at = TABS.indexOf(each);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    showTab(TABS[(to + TABS.length) % TABS.length], { focus: true });
  });
}

function count(id, value, warn) {
  const box = el(id);
  box.hidden = !value;
  box.textContent = value ? numberText(value) : "";
  box.classList.toggle("warn", Boolean(warn));
}

// ------------------------------------------------------------------------- drawing

export function renderDetail() {
  const connection = current();
  if (!connection || !state.detail) return;
  el("detail-title").textContent = connection.name;
  const said = health(connection);
  const box = el("health");
  box.className = `health health-${said.badge[1]}`;
  el("health-badge").className = `badge badge-${said.badge[1]}`;
  el("health-badge").textContent = said.badge[0];
  el("health-title").textContent = said.title;
  el("health-text").textContent = said.text;
  showMessage(el("health-said"), said.said);
  el("detail-toggle").textContent = t(connection.enabled ? "detail.turnOff" : "detail.turnOn");
  el("detail-sync").hidden = !connection.enabled;

  const { status: now, mappings, held, conflicts } = state.detail;
  const unmapped = (mappings || []).filter((m) => m.target_id === null).length;
  count("count-mapping", unmapped, true);
  count("count-held", now ? now.held.needs_mapping + now.held.malformed : held.total, true);
  count("count-conflicts", now ? now.open_conflicts : conflicts.total, true);
  renderFacts(connection);
  renderCounts(connection);
  renderMappings();
  renderHeld(connection);
  renderConflicts(connection);
  renderRuns(connection);
}

function fact(term, ...values) {
  return [node("dt", { text: term }), node("dd", {}, values)];
}

function nextRun(connection) {
  if (!connection.enabled) return [t("facts.notWhileOff")];
  const due = connection.next_run_at;
  if (!due) return [t("facts.nextSoon")];
  const late = Date.now() - new Date(due).getTime() > OVERDUE_MS;
  return [
    whenAgo(due, connection),
    late ? node("span", { className: "hint warn block", text: t("facts.overdue") }) : null,
  ];
}

function renderFacts(connection) {
  const place = locationOf(connection);
  const settings = connection.settings;
  const items = [
    fact(t("facts.kind"), kindName(connection)),
    fact(t("facts.location"), place ? place.name : t("connections.unknown")),
  ];
  if (connection.kind === "caldav") {
    items.push(fact(t("facts.specialist"), specialistName(connection.specialist_id)));
    items.push(fact(t("facts.url"), node("span", { className: "address", text: settings.url })));
    items.push(fact(t("facts.calendar"), settings.calendar || t("facts.calendarIsUrl")));
  } else {
    items.push(fact(t("facts.company"), String(settings.company_id)));
  }
  const stored = connection.credentials_set.map((name) => t(`credential.${name}`));
  items.push(fact(t("facts.credentials"), stored.length
    ? t("facts.credentialsStored", { names: stored.join(", ") })
    : node("span", { className: "warn", text: t("facts.credentialsUnreadable") })));
  items.push(fact(t("facts.interval"), secondsText(connection.poll_interval_seconds)));
  items.push(fact(t("facts.lastRun"), whenAgo(connection.last_run_at, connection)));
  items.push(fact(t("facts.lastSuccess"), whenAgo(connection.last_success_at, connection)));
  items.push(fact(t("facts.nextRun"), ...nextRun(connection)));
  el("facts").replaceChildren(...items.flat());
}

function renderCounts(connection) {
  const now = state.detail.status;
  const rows = [];
  if (now && now.latest_run) {
    const latest = now.latest_run;
    rows.push(node("tr", {}, [
      node("th", { attrs: { scope: "row" }, text: t("counts.latest", { when: when(latest.started_at, connection) }) }),
      ...countCells(latest),
    ]));
    rows.push(node("tr", {}, [
      node("th", { attrs: { scope: "row" }, text: t("counts.all") }), ...countCells(now.totals),
    ]));
  }
  el("counts-body").replaceChildren(...rows);
  el("counts-table").hidden = rows.length === 0;
  const latest = now && now.latest_run;
  // A failure the health box already quotes is not said twice.
  const error = latest && latest.error !== connection.failure_reason ? latest.error : null;
  showMessage(el("latest-error"), rows.length === 0 ? t("counts.none")
    : error ? t("counts.latestSaid", { reason: error }) : "");
  const cursor = now ? now.cursor : {};
  el("cursor-box").hidden = !cursor || Object.keys(cursor).length === 0;
  el("cursor").textContent = Object.entries(cursor || {})
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join("\n");
}

// ------------------------------------------------------------------------- actions

function stopFollowing() {
  clearTimeout(following.timer);
  following.timer = null;
  following.id = null;
}

// Looks for the run the worker makes after "Sync now" and shows it when it is done.
function follow(id, before) {
  stopFollowing();
  following.id = id;
  let tries = 0;
  const tick = async () => {
    if (state.selected !== id || following.id !== id) return;
    tries += 1;
    try {
      const now = await state.session.request(`${base(id)}/status`);
      const run = now.latest_run;
      if (run && run.id !== before && run.finished_at) {
        following.id = null;
        await reloadDetail();
        status(t(`sync.done.${run.outcome}`, {
          imported: run.imported, updated: run.updated, deleted: run.deleted,
        }));
        return;
      }
    } catch (_) { /* a hiccup: the next try asks again */ }
    if (tries < FOLLOW_TRIES) following.timer = setTimeout(tick, FOLLOW_MS);
    else following.id = null;
  };
  following.timer = setTimeout(tick, FOLLOW_MS);
}

async function syncNow() {
  const connection = current();
  if (!connection) return;
  const before = state.detail.status && state.detail.status.latest_run
    ? state.detail.status.latest_run.id : null;
  await busy(el("detail-sync"), async () => {
    try {
      const asked = await state.session.request(`${base(connection.id)}/sync`, { method: "POST" });
      showMessage(el("detail-error"), "");
      hooks.kept({ ...current(), next_run_at: asked.next_run_at }, { quiet: true });
      renderDetail();
      status(t("sync.asked", { name: connection.name }));
      follow(connection.id, before);
    } catch (err) {
      showMessage(el("detail-error"), refusal(err));
      if (err.code === "connection_disabled") reloadDetail();
    }
  });
}

async function toggle() {
  const connection = current();
  if (!connection) return;
  await busy(el("detail-toggle"), async () => {
    try {
      const saved = await state.session.request(base(connection.id),
        json("PATCH", { enabled: !connection.enabled }, ifMatch(connection)));
      showMessage(el("detail-error"), "");
      hooks.kept(saved);
      status(t(saved.enabled ? "detail.turnedOn" : "detail.turnedOff", { name: saved.name }));
    } catch (err) {
      showMessage(el("detail-error"), err.status === 412 ? t("connections.stale") : refusal(err));
      if (err.status === 412) await reloadDetail();
    }
  });
}

el("detail-sync").addEventListener("click", syncNow);
el("detail-toggle").addEventListener("click", toggle);
el("detail-edit").addEventListener("click", () => { if (current()) hooks.openForm(current()); });
el("detail-delete").addEventListener("click", () => { if (current()) hooks.askDelete(current()); });
el("detail-refresh").addEventListener("click", () => busy(el("detail-refresh"), reloadDetail));
el("held-to-mapping").addEventListener("click", () => showTab("mapping", { focus: true }));

for (const [what, query] of [["runs", ""], ["conflicts", "&status=open"], ["held", ""]]) {
  el(`${what}-more`).addEventListener("click", () => busy(el(`${what}-more`), async () => {
    const id = state.selected;
    try {
      await readPage(id, what, { append: true, query });
      if (what === "conflicts") await readAppointments();
    } catch (err) {
      showMessage(el("detail-error"), refusal(err, t("detail.readFailed")));
    }
    if (state.selected === id) renderDetail();
  }));
}

onLanguage(() => {
  if (state.selected && state.detail) renderDetail();
});
