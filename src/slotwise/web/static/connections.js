// The connections page (owner and directors): the firm's connections to YClients and to
// specialists' CalDAV calendars with their health, adding, changing, turning off and
// deleting them, and one connection opened with its mapping, the bookings held back, the
// conflicts and the history of its syncs. Everything is read and written through the API;
// anyone else is told that the page is for the owner and directors, and nothing is asked.

import { onLanguage } from "./i18n.js";
import { signIn } from "./signin.js";
import {
  busy, button, byName, cell, el, kindName, locationOf, node, refusal, showMessage, state, t,
  whenAgo,
} from "./connections-dom.js";
import {
  TABS, closeDetail, current, initDetail, openDetail, reloadDetail, renderDetail, showTab,
} from "./connections-detail.js";
import { askDelete, initForm, openForm } from "./connections-form.js";
import { shortHealth } from "./connections-health.js";

const API = document.body.dataset.api || "/api/v1";
const OPERATORS = new Set(["owner", "director"]);
// How often the page reads the connections' health again while it is shown.
const REFRESH_MS = Number(document.body.dataset.pollSeconds || 60) * 1000;
let refreshTimer = null;

// ------------------------------------------------------------------------- the list

function row(connection) {
  const place = locationOf(connection);
  const { badge: [label, kind], line } = shortHealth(connection);
  const kindCell = connection.kind === "caldav" && connection.specialist_id
    ? [node("span", { className: "block", text: kindName(connection) }),
      node("span", { className: "hint block", text: t("list.whose", { name: specialistNameOf(connection) }) })]
    : [node("span", { text: kindName(connection) })];
  const selected = connection.id === state.selected;
  const tr = node("tr", { className: selected ? "selected" : "", attrs: { "data-connection": connection.id } }, [
    node("th", { attrs: { scope: "row", "data-label": t("list.name") } }, [node("span", { text: connection.name })]),
    cell(t("list.kind"), ...kindCell),
    cell(t("list.location"), place ? place.name : t("connections.unknown")),
    cell(t("list.health"), node("span", { className: `badge badge-${kind}`, text: label }),
      line ? node("span", { className: "block health-line", text: line }) : ""),
    cell(t("list.lastSync"), whenAgo(connection.last_run_at, connection)),
    node("td", { className: "actions-cell" }, [
      node("div", { className: "row-actions" }, [
        button(t("list.open"), () => open(connection.id),
          { name: t("list.openOf", { name: connection.name }), className: selected ? "current" : "" }),
      ]),
    ]),
  ]);
  if (selected) tr.querySelector("button").setAttribute("aria-current", "true");
  return tr;
}

function specialistNameOf(connection) {
  const found = state.specialists.find((s) => s.id === connection.specialist_id);
  return found ? found.name : t("connections.unknown");
}

function renderList() {
  state.connections.sort(byName);
  // Drawn again under the keyboard's focus: it stays on the same connection's button.
  const focused = document.activeElement && document.activeElement.closest("#list-body tr");
  const keep = focused ? focused.dataset.connection : null;
  el("list-body").replaceChildren(...state.connections.map(row));
  if (keep) {
    const again = el("list-body").querySelector(`tr[data-connection="${keep}"] button`);
    if (again) again.focus();
  }
  const none = state.connections.length === 0;
  el("list-empty").hidden = !none;
  el("list-table").hidden = none;
}

// A connection as the API answered (or null with `gone`), into the list and the open view.
function kept(connection, { quiet = false, open: opening = false, gone = null } = {}) {
  if (gone || !connection) {
    dropped(gone);
    return;
  }
  const at = state.connections.findIndex((c) => c.id === connection.id);
  if (at >= 0) state.connections[at] = connection;
  else state.connections.push(connection);
  renderList();
  if (opening) {
    open(connection.id);
  } else if (connection.id === state.selected && !quiet) {
    reloadDetail();
  } else if (connection.id === state.selected) {
    renderDetail();
  }
}

function dropped(id) {
  state.connections = state.connections.filter((c) => c.id !== id);
  if (state.selected === id) {
    closeDetail();
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  }
  renderList();
  const first = el("list-body").querySelector("button") || el("connection-add");
  first.focus();
}

function open(id, tab) {
  if (state.selected === id && !tab) {
    el("detail").focus();
    return;
  }
  openDetail(id, { tab });
  renderList();
}

// "#<id>" or "#<id>/<tab>": the connection (and tab) to show, kept across a reload.
function fromHash() {
  const [id, tab] = location.hash.slice(1).split("/");
  if (!id || !state.connections.some((c) => c.id === id)) return false;
  if (state.selected === id) showTab(TABS.includes(tab) ? tab : "status");
  else open(id, tab || "status");
  return true;
}

// ------------------------------------------------------------------------- reading

async function readWorkplaces() {
  // Who works where: a calendar and a staff mapping need a specialist of the location.
  await Promise.all(state.specialists.map(async (s) => {
    try {
      const entries = await state.session.request(`/specialists/${s.id}/schedules`);
      state.worksAt.set(s.id, new Set(entries.map((e) => e.location_id)));
    } catch (_) {
      state.worksAt.set(s.id, new Set());
    }
  }));
}

async function readConnections() {
  state.connections = await state.session.requestAll("/connections");
  renderList();
}

async function refresh() {
  clearTimeout(refreshTimer);
  if (!state.session) return;
  if (!document.hidden) {
    try {
      await readConnections();
      if (state.selected) {
        if (current()) await reloadDetail();
        else dropped(state.selected);
      }
      showMessage(el("list-error"), "");
    } catch (err) {
      showMessage(el("list-error"), refusal(err, t("list.readFailed")));
    }
  }
  if (state.session) refreshTimer = setTimeout(refresh, REFRESH_MS);
}

async function start(session, me) {
  state.session = session;
  state.me = me;
  const operator = OPERATORS.has(me.role);
  el("connections-denied").hidden = operator;
  el("list").hidden = !operator;
  el("detail").hidden = true;
  if (!operator) return;
  try {
    [state.locations, state.specialists, state.services] = await Promise.all([
      session.requestAll("/locations"),
      session.requestAll("/specialists"),
      session.requestAll("/services"),
    ]);
    await Promise.all([readWorkplaces(), readConnections()]);
    showMessage(el("list-error"), "");
  } catch (err) {
    showMessage(el("list-error"), refusal(err, t("list.readFailed")));
    return;
  }
  fromHash();
  refreshTimer = setTimeout(refresh, REFRESH_MS);
}

function stop() {
  clearTimeout(refreshTimer);
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  closeDetail();
  Object.assign(state, {
    session: null, me: null, connections: [], locations: [], specialists: [], services: [],
    worksAt: new Map(), selected: null, detail: null,
  });
  el("list-body").replaceChildren();
  el("connections-status").textContent = "";
}

el("detail-back").addEventListener("click", () => {
  const id = state.selected;
  closeDetail();
  history.replaceState(null, "", location.pathname + location.search);
  renderList();
  const again = id && el("list-body").querySelector(`tr[data-connection="${id}"] button`);
  (again || el("connection-add")).focus();
});
initForm({ kept, dropped });
initDetail({ kept, askDelete, openForm });
el("connection-add").addEventListener("click", () => {
  if (state.locations.length === 0) {
    showMessage(el("list-error"), t("list.noLocations"));
    return;
  }
  openForm(null);
});
window.addEventListener("hashchange", () => {
  if (state.session && state.me && OPERATORS.has(state.me.role)) fromHash();
});
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && state.session && state.me && OPERATORS.has(state.me.role)) {
    busy(el("detail-refresh"), refresh);
  }
});
onLanguage(() => {
  if (state.me && OPERATORS.has(state.me.role)) renderList();
});

signIn({ api: API, page: "connections", t, start, stop });
