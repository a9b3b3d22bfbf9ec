// The dialog of a connection (adding one, or changing its name, place, settings, login,
// interval and whether it is on) and the confirmation before deleting one. Credentials are
// write-only: a stored login shows as stored, empty fields keep it. A change only sends the
// fields that changed: new settings or a new login make the connection start afresh.

import { onLanguage } from "./i18n.js";
import {
  busy, el, ifMatch, json, openDialog, refusal, secondsText, showMessage, specialistsAt, state,
  status, t, byName,
} from "./connections-dom.js";

let editing = null; // the connection of the open dialog; null: a new one
let deleting = null;
let hooks = { kept: () => {}, dropped: () => {} };

const FIELDS = {
  name: "connection-name",
  location_id: "connection-location",
  poll_interval_seconds: "connection-interval",
  company_id: "yclients-company",
  partner_token: "yclients-partner",
  user_token: "yclients-user",
  specialist_id: "caldav-specialist",
  url: "caldav-url",
  calendar: "caldav-calendar",
  username: "caldav-username",
  password: "caldav-password",
};
// A refusal that belongs to one field: that field is marked.
const FIELD_OF_CODE = {
  connection_name_taken: "connection-name",
  connection_url_not_allowed: "caldav-url",
  specialist_not_at_location: "caldav-specialist",
  caldav_specialist_required: "caldav-specialist",
};

export function initForm(given) {
  hooks = given;
}

const kind = () => (editing ? editing.kind : el("kind-caldav").checked ? "caldav" : "yclients");
const value = (id) => el(id).value.trim();

function showKind() {
  const chosen = kind();
  el("kind-choice").hidden = Boolean(editing);
  for (const [name, fieldset] of [["yclients", "yclients-fields"], ["caldav", "caldav-fields"]]) {
    // A disabled fieldset's fields are left out of the form's checks.
    el(fieldset).hidden = chosen !== name;
    el(fieldset).disabled = chosen !== name;
  }
  const keep = editing && editing.credentials_set.length > 0;
  el("yclients-tokens-hint").textContent = t(keep ? "form.tokensKeep" : "form.tokensHint");
  el("caldav-login-hint").textContent = t(keep ? "form.loginKeep" : "form.loginHint");
  for (const id of ["yclients-partner", "yclients-user", "caldav-username", "caldav-password"]) {
    if (keep) el(id).placeholder = t("form.stored");
    else el(id).removeAttribute("placeholder");
  }
}

function fillLocations(selected) {
  const select = el("connection-location");
  const places = [...state.locations].filter((l) => l.is_active || l.id === selected).sort(byName);
  select.replaceChildren(...places.map((l) => new Option(l.name, l.id)));
  if (selected) select.value = selected;
}

function fillSpecialists(selected) {
  const select = el("caldav-specialist");
  const locationId = el("connection-location").value;
  const here = specialistsAt(locationId);
  const options = [new Option(t("form.chooseSpecialist"), ""), ...here.map((s) => new Option(s.name, s.id))];
  if (selected && !here.some((s) => s.id === selected)) {
    const found = state.specialists.find((s) => s.id === selected);
    if (found) options.push(new Option(t("mapping.notHere", { name: found.name }), found.id));
  }
  select.replaceChildren(...options);
  select.value = selected || "";
  const place = state.locations.find((l) => l.id === locationId);
  el("caldav-specialist-hint").textContent = here.length
    ? t("form.specialistHint", { location: place ? place.name : "" })
    : t("form.noSpecialists", { location: place ? place.name : "" });
}

function intervalAmount() {
  const seconds = Number(el("connection-interval").value);
  el("connection-interval-amount").textContent = Number.isInteger(seconds) && seconds >= 10
    ? `= ${secondsText(seconds)}` : "";
}

function clearMarks() {
  for (const id of Object.values(FIELDS)) {
    el(id).removeAttribute("aria-invalid");
    delete el(id).dataset.touched;
  }
}

// The form's fields from a connection; `untouchedOnly`: after someone else's change, only
// where the user has not typed.
function fill(connection, { untouchedOnly = false } = {}) {
  const set = (id, text) => {
    if (!untouchedOnly || !el(id).dataset.touched) el(id).value = text;
  };
  const settings = connection ? connection.settings : {};
  set("connection-name", connection ? connection.name : "");
  if (!untouchedOnly || !el("connection-location").dataset.touched) {
    const first = state.locations.find((l) => l.is_active) || state.locations[0];
    fillLocations(connection ? connection.location_id : first && first.id);
  }
  set("connection-interval", String(connection ? connection.poll_interval_seconds : 60));
  if (!untouchedOnly || !el("connection-enabled").dataset.touched) {
    el("connection-enabled").checked = connection ? connection.enabled : true;
  }
  set("yclients-company", connection && connection.kind === "yclients" ? String(settings.company_id) : "");
  set("caldav-url", connection && connection.kind === "caldav" ? settings.url : "");
  set("caldav-calendar", connection && connection.kind === "caldav" ? settings.calendar : "");
  for (const id of ["yclients-partner", "yclients-user", "caldav-username", "caldav-password"]) set(id, "");
  if (!untouchedOnly || !el("caldav-specialist").dataset.touched) {
    fillSpecialists(connection ? connection.specialist_id : "");
  }
  intervalAmount();
}

export function openForm(connection) {
  editing = connection;
  el("connection-dialog-title").textContent = connection
    ? t("form.editTitle", { name: connection.name }) : t("form.addTitle");
  if (!connection) el("kind-yclients").checked = true;
  clearMarks();
  fill(connection);
  showKind();
  showMessage(el("connection-error"), "");
  openDialog(el("connection-dialog"));
  (connection ? el("connection-name") : el("kind-yclients")).focus();
}

function labelOf(id) {
  const label = document.querySelector(`label[for="${id}"]`);
  const words = label && label.querySelector("[data-i18n]");
  return ((words || label) ? (words || label).textContent : id).trim();
}

// What the form needs before anything is sent: the wrong fields marked and named.
function check() {
  const wrong = [];
  const mark = (id, bad) => {
    if (bad) {
      el(id).setAttribute("aria-invalid", "true");
      wrong.push(id);
    } else {
      el(id).removeAttribute("aria-invalid");
    }
  };
  mark("connection-name", !value("connection-name"));
  mark("connection-location", !el("connection-location").value);
  const interval = Number(el("connection-interval").value);
  mark("connection-interval", !Number.isInteger(interval) || interval < 10 || interval > 86400);
  const needLogin = !editing || editing.credentials_set.length === 0;
  const pair = (a, b) => {
    const either = Boolean(el(a).value) || Boolean(el(b).value);
    mark(a, (needLogin || either) && !el(a).value.trim());
    mark(b, (needLogin || either) && !el(b).value.trim());
  };
  if (kind() === "yclients") {
    const company = value("yclients-company");
    mark("yclients-company", !/^[0-9]{1,16}$/.test(company) || Number(company) < 1
      || Number(company) >= 2 ** 53);
    pair("yclients-partner", "yclients-user");
  } else {
    mark("caldav-specialist", !el("caldav-specialist").value);
    mark("caldav-url", !/^https?:\/\/\S+$/.test(value("caldav-url")));
    pair("caldav-username", "caldav-password");
  }
  if (!wrong.length) return "";
  el(wrong[0]).focus();
  return t("form.checkFields", { fields: wrong.map(labelOf).join("; ") });
}

function settingsOf() {
  if (kind() === "yclients") {
    // Advanced settings the form does not show (base URL, window, grace) are kept.
    const kept = editing ? editing.settings : {};
    return { ...kept, company_id: Number(value("yclients-company")) };
  }
  return { url: value("caldav-url"), calendar: value("caldav-calendar") };
}

function credentialsOf() {
  const [a, b] = kind() === "yclients"
    ? [["partner_token", "yclients-partner"], ["user_token", "yclients-user"]]
    : [["username", "caldav-username"], ["password", "caldav-password"]];
  if (!el(a[1]).value && !el(b[1]).value) return null;
  // Pasted tokens often bring a space along; a password is taken as typed.
  const second = kind() === "yclients" ? el(b[1]).value.trim() : el(b[1]).value;
  return { [a[0]]: el(a[1]).value.trim(), [b[0]]: second };
}

const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);

function body() {
  const fields = {
    name: value("connection-name"),
    location_id: el("connection-location").value,
    poll_interval_seconds: Number(el("connection-interval").value),
    enabled: el("connection-enabled").checked,
  };
  if (kind() === "caldav") fields.specialist_id = el("caldav-specialist").value;
  const settings = settingsOf();
  const credentials = credentialsOf();
  if (!editing) return { kind: kind(), ...fields, settings, credentials };
  const changes = {};
  for (const [name, given] of Object.entries(fields)) if (given !== editing[name]) changes[name] = given;
  if (!same(settings, editing.settings)) changes.settings = settings;
  if (credentials) changes.credentials = credentials;
  return changes;
}

// The API's refusal beside the form: the field it names is marked.
function showRefusal(err) {
  let message = refusal(err);
  const marked = [];
  if (FIELD_OF_CODE[err.code]) marked.push(FIELD_OF_CODE[err.code]);
  if (err.code === "validation_error" && Array.isArray(err.details)) {
    for (const detail of err.details) {
      const names = (detail.loc || []).filter((part) => typeof part === "string");
      const id = names.reverse().map((n) => FIELDS[n]).find(Boolean);
      if (id && !marked.includes(id)) marked.push(id);
    }
    if (marked.length) message = t("form.checkFields", { fields: marked.map(labelOf).join("; ") });
  }
  for (const id of marked) el(id).setAttribute("aria-invalid", "true");
  if (marked.length) el(marked[0]).focus();
  showMessage(el("connection-error"), message);
}

async function save(event) {
  event.preventDefault();
  const wrong = check();
  showMessage(el("connection-error"), wrong);
  if (wrong) return;
  const sent = body();
  if (editing && Object.keys(sent).length === 0) {
    el("connection-dialog").close();
    status(t("form.nothing"));
    return;
  }
  const before = editing;
  await busy(el("connection-save"), async () => {
    try {
      const saved = before
        ? await state.session.request(`/connections/${before.id}`, json("PATCH", sent, ifMatch(before)))
        : await state.session.request("/connections", json("POST", sent));
      el("connection-dialog").close();
      hooks.kept(saved, { open: !before });
      status(t(before ? "form.saved" : "form.added", { name: saved.name }));
    } catch (err) {
      if (err.status === 412 && before) {
        await staleForm(before);
        return;
      }
      if (err.status === 404 && before) {
        el("connection-dialog").close();
        hooks.dropped(before.id);
        status(t("error.connection_not_found"));
        return;
      }
      showRefusal(err);
    }
  });
}

// Someone else saved first: their version is shown where the user has not typed, and
// saving again applies what the user typed over it.
async function staleForm(before) {
  try {
    const fresh = await state.session.request(`/connections/${before.id}`);
    editing = fresh;
    hooks.kept(fresh, { quiet: true });
    fill(fresh, { untouchedOnly: true });
    showKind();
    showMessage(el("connection-error"), t("form.stale"));
  } catch (err) {
    showRefusal(err);
  }
}

export function askDelete(connection) {
  deleting = connection;
  el("delete-dialog-title").textContent = t("delete.title", { name: connection.name });
  // Pausing is often what is meant: its mapping and history stay.
  el("delete-pause").hidden = !connection.enabled;
  showMessage(el("delete-error"), "");
  openDialog(el("delete-dialog"));
  el("delete-no").focus();
}

async function remove(event) {
  event.preventDefault();
  const connection = deleting;
  if (!connection) return;
  await busy(el("delete-yes"), async () => {
    try {
      await state.session.request(`/connections/${connection.id}`,
        { method: "DELETE", headers: ifMatch(connection) });
    } catch (err) {
      if (err.status === 412) {
        showMessage(el("delete-error"), t("delete.stale"));
        try {
          deleting = await state.session.request(`/connections/${connection.id}`);
          hooks.kept(deleting, { quiet: true });
        } catch (_) { /* shown on the page when it is read next */ }
        return;
      }
      if (err.status !== 404) {
        showMessage(el("delete-error"), refusal(err));
        return;
      }
    }
    el("delete-dialog").close();
    hooks.dropped(connection.id);
    status(t("delete.done", { name: connection.name }));
  });
}

el("connection-form").addEventListener("submit", save);
el("connection-form").addEventListener("input", (event) => {
  if (event.target.id) event.target.dataset.touched = "true";
});
el("connection-form").addEventListener("change", (event) => {
  if (event.target.id) event.target.dataset.touched = "true";
});
el("connection-cancel").addEventListener("click", () => el("connection-dialog").close());
el("kind-yclients").addEventListener("change", showKind);
el("kind-caldav").addEventListener("change", showKind);
el("connection-location").addEventListener("change", () => fillSpecialists(el("caldav-specialist").value));
el("connection-interval").addEventListener("input", intervalAmount);
el("connection-dialog").addEventListener("close", () => {
  editing = null;
  // A token or a password typed does not stay in the page once the dialog is gone.
  for (const id of ["yclients-partner", "yclients-user", "caldav-username", "caldav-password"]) {
    el(id).value = "";
  }
});
el("delete-form").addEventListener("submit", remove);
el("delete-pause").addEventListener("click", () => busy(el("delete-pause"), async () => {
  const connection = deleting;
  if (!connection) return;
  try {
    const saved = await state.session.request(`/connections/${connection.id}`,
      json("PATCH", { enabled: false }, ifMatch(connection)));
    el("delete-dialog").close();
    hooks.kept(saved);
    status(t("detail.turnedOff", { name: saved.name }));
  } catch (err) {
    showMessage(el("delete-error"), err.status === 412 ? t("delete.stale") : refusal(err));
  }
}));
el("delete-no").addEventListener("click", () => el("delete-dialog").close());
el("delete-dialog").addEventListener("close", () => { deleting = null; });
onLanguage(() => {
  if (el("connection-dialog").open) {
    el("connection-dialog-title").textContent = editing
      ? t("form.editTitle", { name: editing.name }) : t("form.addTitle");
    showKind();
    fillSpecialists(el("caldav-specialist").value);
    intervalAmount();
  }
  if (el("delete-dialog").open && deleting) {
    el("delete-dialog-title").textContent = t("delete.title", { name: deleting.name });
  }
});
