// The clients page: search the firm's clients by name, phone or email, add and change them,
// delete one without history (or deactivate them), and see a client's appointments and
// wallet. For owners, directors and managers; anyone else is told whose page it is and the
// page asks the API for nothing.

import { clearHistory, day, drawHistory, drawWallet } from "./clients-history.js";
import { clientForm, fullName, prefillFrom } from "./clients-form.js";
import { LANGUAGES, onLanguage, refusalText, translator } from "./i18n.js";
import { ApiError } from "./session.js";
import { signIn } from "./signin.js";
import common from "./strings-common.js";
import strings from "./strings-clients.js";

const API = document.body.dataset.api || "/api/v1";
const MANAGERS = new Set(["owner", "director", "manager"]);
const PAGE_SIZE = 25;
const DEBOUNCE_MS = 250;

const el = (id) => document.getElementById(id);
const t = translator(common, strings);

let session = null;
let me = null;
let catalog = null; // {currencies: service id -> currency, locations: id -> name, fallbackCurrency}
let results = { query: "", items: [], total: 0 };
let searchSeq = 0; // only the answer to the latest search is drawn
let typingTimer = null;
let selected = null; // {client, wallet, appointments, walletError, historyError}
let selectSeq = 0;

const form = clientForm({ t, session: () => session, saved: afterSave });

function node(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

function show(id, message) {
  el(id).textContent = message || "";
  if (el(id).getAttribute("role") !== "status") el(id).hidden = !message;
}

// The search and the chosen client stay in the address, so a reload shows the same.
function remember() {
  const params = new URLSearchParams();
  if (results.query) params.set("q", results.query);
  if (el("include-inactive").checked) params.set("inactive", "1");
  if (selected) params.set("client", selected.client.id);
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

// ---------------------------------------------------------------- search and the list
function queryPath(query, offset) {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset) });
  if (query) params.set("q", query);
  if (!el("include-inactive").checked) params.set("active", "true");
  return `/clients?${params}`;
}

async function search({ more = false } = {}) {
  clearTimeout(typingTimer);
  const query = more ? results.query : el("search").value.trim();
  const offset = more ? results.items.length : 0;
  const seq = ++searchSeq;
  el("results").setAttribute("aria-busy", "true");
  el("show-more").disabled = true;
  try {
    const page = await session.request(queryPath(query, offset));
    if (seq !== searchSeq) return;
    const known = new Set(more ? results.items.map((c) => c.id) : []);
    const items = more ? [...results.items, ...page.items.filter((c) => !known.has(c.id))]
      : page.items;
    results = { query, items, total: page.total };
    show("clients-error", "");
    drawResults();
    remember();
  } catch (err) {
    if (seq !== searchSeq) return;
    show("clients-error", err instanceof ApiError ? refusalText(t, err, t("clients.loadFailed"))
      : t("common.unreachable"));
  } finally {
    if (seq === searchSeq) {
      el("results").removeAttribute("aria-busy");
      el("show-more").disabled = false;
    }
  }
}

function resultItem(client) {
  const item = node("li");
  const button = node("button", "result");
  button.type = "button";
  button.dataset.clientId = client.id;
  if (selected && selected.client.id === client.id) button.setAttribute("aria-current", "true");
  const name = node("span", "result-name", fullName(client));
  if (!client.is_active) name.append(" ", node("span", "badge badge-inactive", t("clients.inactive")));
  const contact = [client.phone, client.email].filter(Boolean).join(" \u00b7 ");
  button.append(name, node("span", "result-contact", contact || t("clients.notGiven")));
  button.addEventListener("click", () => choose(client.id));
  item.append(button);
  return item;
}

function drawResults() {
  const { query, items, total } = results;
  el("results").replaceChildren(...items.map(resultItem));
  // One live region says what the search found, "nobody" included.
  const count = t("clients.count", { count: total });
  el("results-count").textContent = total === 0
    ? t(query ? "clients.none" : "clients.noneYet", { q: query })
    : items.length < total
      ? `${count} \u00b7 ${t("clients.countOf", { shown: items.length, count: total })}` : count;
  el("results-empty").hidden = total > 0 || !query;
  el("create-from-search").textContent = t("clients.createFrom", { q: query });
  el("show-more").hidden = items.length >= total;
}

function replaceInResults(client) {
  const index = results.items.findIndex((c) => c.id === client.id);
  if (index >= 0) results.items[index] = client;
  else {
    results.items.unshift(client);
    results.total += 1;
  }
  drawResults();
}

function dropFromResults(id) {
  const before = results.items.length;
  results.items = results.items.filter((c) => c.id !== id);
  if (results.items.length < before) results.total -= 1;
  drawResults();
}

// ---------------------------------------------------------------- one client
async function choose(id, { focus = true } = {}) {
  const seq = ++selectSeq;
  show("detail-error", "");
  show("detail-note", "");
  let client;
  try {
    client = await session.request(`/clients/${id}`);
  } catch (err) {
    if (seq !== selectSeq) return;
    if (err instanceof ApiError && err.code === "client_not_found") {
      dropFromResults(id);
      unselect();
      show("clients-note", t("clients.gone"));
    } else {
      show("clients-error", err instanceof ApiError ? refusalText(t, err, t("clients.readFailed"))
        : t("common.unreachable"));
    }
    return;
  }
  if (seq !== selectSeq) return;
  selected = { client, wallet: null, appointments: null, walletError: "", historyError: "" };
  clearHistory();
  drawDetail();
  el("clients-work").classList.add("detail-first");
  remember();
  if (focus) el("detail-name").focus();
  const [wallet, appointments] = await Promise.allSettled([
    session.request(`/clients/${id}/wallet`),
    session.requestAll(`/appointments?client_id=${encodeURIComponent(id)}`),
  ]);
  if (seq !== selectSeq) return;
  if (wallet.status === "fulfilled") selected.wallet = wallet.value;
  else selected.walletError = t("clients.walletFailed");
  if (appointments.status === "fulfilled") selected.appointments = appointments.value;
  else selected.historyError = t("clients.historyFailed");
  drawDetail();
}

function unselect() {
  selectSeq += 1;
  selected = null;
  el("detail").hidden = true;
  el("detail-placeholder").hidden = false;
  el("clients-work").classList.remove("detail-first");
  clearHistory();
  for (const button of el("results").querySelectorAll("[aria-current]")) {
    button.removeAttribute("aria-current");
  }
  remember();
}

function fact(dl, label, value, href) {
  const dd = node("dd");
  if (!value) {
    dd.className = "muted";
    dd.textContent = t("clients.notGiven");
  } else if (href) {
    const link = node("a", "", value);
    link.href = href;
    dd.append(link);
  } else {
    dd.textContent = value;
  }
  dl.append(node("dt", "", label), dd);
}

function languageName(code) {
  if (!code) return t("clients.localeDefault");
  if (LANGUAGES[code]) return LANGUAGES[code];
  try {
    return new Intl.DisplayNames([code], { type: "language" }).of(code);
  } catch (_) {
    return code;
  }
}

function drawDetail() {
  if (!selected) return;
  const { client } = selected;
  const zone = me.firm.time_zone;
  el("detail").hidden = false;
  el("detail-placeholder").hidden = true;
  el("detail").dataset.clientId = client.id;
  el("detail-name").textContent = fullName(client);
  el("detail-inactive").hidden = client.is_active;
  const dl = el("detail-facts");
  dl.replaceChildren();
  fact(dl, t("clients.phone"), client.phone, client.phone && `tel:${client.phone.replace(/[^+0-9]/g, "")}`);
  fact(dl, t("clients.email"), client.email, client.email && `mailto:${client.email}`);
  fact(dl, t("clients.telegram"), client.telegram_id);
  fact(dl, t("clients.locale"), languageName(client.locale));
  fact(dl, t("clients.channels"), client.preferred_channels.length
    ? client.preferred_channels.map((c) => t(`channel.${c}`)).join(", ")
    : t("clients.channelsDefault"));
  fact(dl, t("clients.since"), day(zone, client.created_at));
  el("detail-notes").textContent = client.notes;
  el("detail-notes").hidden = !client.notes;
  el("toggle-active").textContent = t(client.is_active ? "clients.deactivate" : "clients.reactivate");
  for (const button of el("results").querySelectorAll(".result")) {
    if (button.dataset.clientId === client.id) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }

  if (selected.wallet) drawWallet(t, zone, selected.wallet);
  show("history-error", selected.historyError || selected.walletError);
  if (selected.appointments) {
    const fallbackCurrency = (selected.wallet && selected.wallet.currency) || "EUR";
    drawHistory(t, zone, selected.appointments, { ...catalog, fallbackCurrency });
  }
}

// ---------------------------------------------------------------- changes
function afterSave(client, { created = false, gone = null } = {}) {
  if (gone) {
    dropFromResults(gone.id);
    if (selected && selected.client.id === gone.id) unselect();
    return;
  }
  replaceInResults(client);
  if (created) {
    show("clients-note", t("clients.created", { name: fullName(client) }));
    choose(client.id);
    return;
  }
  if (selected && selected.client.id === client.id) {
    selected.client = client;
    drawDetail();
    show("detail-note", t("clients.saved", { name: fullName(client) }));
    el("detail-name").focus();
  }
}

async function setActive(active, where) {
  const { client } = selected;
  const button = where === "delete" ? el("delete-deactivate") : el("toggle-active");
  button.disabled = true;
  try {
    const updated = await session.request(`/clients/${client.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ is_active: active }),
    });
    if (el("delete-dialog").open) el("delete-dialog").close();
    replaceInResults(updated);
    selected.client = updated;
    drawDetail();
    show("detail-note", t(active ? "clients.reactivated" : "clients.deactivated",
      { name: fullName(updated) }));
  } catch (err) {
    const message = err instanceof ApiError ? refusalText(t, err, t("common.unreachable"))
      : t("common.unreachable");
    show(where === "delete" ? "delete-error" : "detail-error", message);
    if (err instanceof ApiError && err.code === "client_not_found") afterSave(null, { gone: client });
  } finally {
    button.disabled = false;
  }
}

function askDelete() {
  const { client } = selected;
  el("delete-title").textContent = t("clients.deleteTitle", { name: fullName(client) });
  show("delete-error", "");
  el("delete-deactivate").hidden = true;
  el("delete-yes").hidden = false;
  el("delete-dialog").showModal();
  el("delete-no").focus();
}

async function deleteClient() {
  const { client } = selected;
  const button = el("delete-yes");
  button.disabled = true;
  try {
    await session.request(`/clients/${client.id}`, { method: "DELETE" });
    el("delete-dialog").close();
    dropFromResults(client.id);
    unselect();
    show("clients-note", t("clients.deleted", { name: fullName(client) }));
    el("search").focus();
  } catch (err) {
    if (err instanceof ApiError && err.code === "client_not_found") {
      el("delete-dialog").close();
      afterSave(null, { gone: client });
      show("clients-note", t("clients.gone"));
      return;
    }
    show("delete-error", err instanceof ApiError ? refusalText(t, err, t("common.unreachable"))
      : t("common.unreachable"));
    // Asking again would be refused again: the way out is offered instead.
    const kept = err instanceof ApiError && ["client_in_use", "client_has_login"].includes(err.code);
    el("delete-yes").hidden = kept;
    el("delete-deactivate").hidden = !(kept && err.code === "client_in_use" && client.is_active);
    (el("delete-deactivate").hidden ? el("delete-no") : el("delete-deactivate")).focus();
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- start and stop
async function start(signedIn, user) {
  session = signedIn;
  me = user;
  const managers = MANAGERS.has(me.role);
  el("clients-managers-only").hidden = managers;
  el("clients-work").hidden = !managers;
  if (!managers) return;
  // Only for the prices' currencies and the locations' names: the page works without them.
  const [services, locations] = await Promise.all([
    session.requestAll("/services").catch(() => []),
    session.requestAll("/locations").catch(() => []),
  ]);
  catalog = {
    currencies: new Map(services.map((s) => [s.id, s.currency])),
    locations: new Map(locations.map((l) => [l.id, l.name])),
  };
  const params = new URLSearchParams(location.search);
  el("search").value = params.get("q") || "";
  el("include-inactive").checked = params.get("inactive") === "1";
  await search();
  const chosen = params.get("client");
  if (chosen) await choose(chosen, { focus: false });
}

function stop() {
  searchSeq += 1;
  selectSeq += 1;
  clearTimeout(typingTimer);
  form.close();
  if (el("delete-dialog").open) el("delete-dialog").close();
  session = me = catalog = selected = null;
  results = { query: "", items: [], total: 0 };
  el("results").replaceChildren();
  el("detail").hidden = true;
  el("detail-placeholder").hidden = false;
  el("clients-work").classList.remove("detail-first");
  clearHistory();
  for (const id of ["clients-error", "clients-note", "detail-error", "detail-note"]) show(id, "");
}

el("search").addEventListener("input", () => {
  clearTimeout(typingTimer);
  el("clients-work").classList.remove("detail-first");
  typingTimer = setTimeout(() => search(), DEBOUNCE_MS);
});
el("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  search();
});
el("include-inactive").addEventListener("change", () => search());
el("show-more").addEventListener("click", () => search({ more: true }));
el("new-client").addEventListener("click", () => form.openCreate({}));
el("create-from-search").addEventListener("click", () => {
  form.openCreate(prefillFrom(results.query));
});
el("back-to-results").addEventListener("click", () => {
  const id = selected && selected.client.id;
  el("clients-work").classList.remove("detail-first");
  const button = id && el("results").querySelector(`[data-client-id="${id}"]`);
  (button || el("search")).focus();
});
el("edit-client").addEventListener("click", () => form.openEdit(selected.client));
el("toggle-active").addEventListener("click", () => setActive(!selected.client.is_active, "detail"));
el("delete-client").addEventListener("click", askDelete);
el("delete-yes").addEventListener("click", deleteClient);
el("delete-no").addEventListener("click", () => el("delete-dialog").close());
el("delete-deactivate").addEventListener("click", () => setActive(false, "delete"));

onLanguage(() => {
  if (!me || !MANAGERS.has(me.role)) return;
  drawResults();
  drawDetail();
  form.redraw();
  if (el("delete-dialog").open) {
    el("delete-title").textContent = t("clients.deleteTitle", { name: fullName(selected.client) });
  }
});
signIn({ api: API, page: "clients", t, start, stop });
