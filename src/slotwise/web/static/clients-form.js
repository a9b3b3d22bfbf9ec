// The dialog that creates or edits a client. The API is the one judge of the values: a refusal
// is shown beside the field it names (or above the buttons), and what was typed stays. An edit
// sends only the fields changed in the dialog, so it does not overwrite another user's
// change to a field this user did not touch (clients carry no version to check against).

import { LANGUAGES, localeTag, refusalText } from "./i18n.js";
import { ApiError } from "./session.js";

const el = (id) => document.getElementById(id);
const TEXT_FIELDS = ["first_name", "last_name", "phone", "email", "telegram_id", "notes"];
// Empty means "none": the API takes null for these (and refuses an empty phone or email).
const NULLABLE = new Set(["phone", "email", "telegram_id", "locale"]);
const FIELDS = new Set([...TEXT_FIELDS, "locale", "preferred_channels", "is_active"]);

export const fullName = (client) => `${client.first_name} ${client.last_name}`.trim();

// A field's refusal in the user's words, from pydantic's error type.
function fieldText(t, field, detail) {
  const type = detail.type || "";
  if (field === "first_name" && (type === "string_too_short" || type === "missing")) {
    return t("field.required");
  }
  if (type === "string_too_long" || type === "too_long") return t("field.tooLong");
  if (field === "phone" || field === "email" || field === "telegram_id") return t(`field.${field}`);
  return t("field.invalid");
}

// "+49 30 1234567", "anna@example.com" or "Anna Berg": a search turned into a new client.
export function prefillFrom(text) {
  const q = text.trim();
  if (!q) return {};
  if (q.includes("@") && !q.startsWith("@")) return { email: q };
  if (/^\+?[0-9 ()-]{3,}$/.test(q)) return { phone: q };
  const [first, ...rest] = q.split(/\s+/);
  return { first_name: first, last_name: rest.join(" ") };
}

export function clientForm({ t, session, saved }) {
  const dialog = el("client-dialog");
  const form = el("client-form");
  let editing = null; // the client as last read (null: a new client)
  let channels = []; // the ticked channels, in the order they were ticked

  function localeOptions(current) {
    const names = new Intl.DisplayNames([localeTag()], { type: "language" });
    const codes = Object.keys(LANGUAGES);
    if (current && !codes.includes(current)) codes.push(current);
    const select = el("f-locale");
    const options = [new Option(t("clients.localeDefault"), "")];
    for (const code of codes) {
      let name = LANGUAGES[code];
      if (!name) {
        try { name = names.of(code); } catch (_) { name = code; }
      }
      options.push(new Option(name, code));
    }
    select.replaceChildren(...options);
    select.value = current || "";
  }

  // A new client whose phone or email another client already has is most often someone
  // already on file: said beside the field, while saving stays possible (a family may share
  // a phone). The search compares text, so a phone is looked for by its last four digits
  // and then compared by all its digits ("+49 30 1234567" is "+49301234567").
  const sameAs = { phone: 0, email: 0 }; // the latest check of each field
  const comparable = (field, value) => (field === "phone"
    ? value.replace(/[^0-9]/g, "") : value.trim().toLowerCase());

  async function checkTaken(field) {
    const hint = el(`h-${field}`);
    const value = el(`f-${field}`).value.trim();
    const seq = ++sameAs[field];
    hint.textContent = "";
    if (editing || comparable(field, value).length < 5) return;
    let page;
    try {
      const q = field === "phone" ? comparable(field, value).slice(-4) : value;
      const query = new URLSearchParams({ q, limit: "100" });
      page = await session().request(`/clients?${query}`);
    } catch (_) {
      return; // only a hint: the form works without it
    }
    if (seq !== sameAs[field] || editing || !dialog.open) return;
    const wanted = comparable(field, value);
    const same = page.items.filter((c) => c[field] && comparable(field, c[field]) === wanted);
    if (same.length) {
      const names = same.slice(0, 3).map(fullName).join(", ");
      hint.textContent = t(field === "phone" ? "clients.samePhone" : "clients.sameEmail", { names });
    }
  }

  function clearErrors() {
    for (const field of FIELDS) {
      const box = el(`e-${field}`);
      if (box) {
        box.textContent = "";
        box.hidden = true;
      }
      const input = el(`f-${field}`);
      if (input) input.removeAttribute("aria-invalid");
    }
    el("client-form-error").textContent = "";
    el("client-form-error").hidden = true;
  }

  function fieldError(field, message) {
    const box = el(`e-${field}`);
    if (!box) return false;
    box.textContent = message;
    box.hidden = false;
    const input = el(`f-${field}`);
    if (input) input.setAttribute("aria-invalid", "true");
    return true;
  }

  function formError(message) {
    el("client-form-error").textContent = message;
    el("client-form-error").hidden = !message;
  }

  function fill(client) {
    for (const field of TEXT_FIELDS) el(`f-${field}`).value = (client && client[field]) || "";
    localeOptions(client && client.locale);
    channels = [...((client && client.preferred_channels) || [])];
    for (const box of form.querySelectorAll('input[name="channel"]')) {
      box.checked = channels.includes(box.value);
    }
    el("f-is_active").checked = !client || client.is_active;
  }

  function title() {
    el("client-dialog-title").textContent = editing
      ? t("clients.editTitle", { name: fullName(editing) }) : t("clients.createTitle");
  }

  function open(client, prefill) {
    editing = client;
    clearErrors();
    for (const field of Object.keys(sameAs)) {
      sameAs[field] += 1;
      el(`h-${field}`).textContent = "";
    }
    fill(client ? client : prefill);
    el("active-row").hidden = !client;
    title();
    dialog.showModal();
    el("f-first_name").focus();
  }

  // What the dialog says now, in the API's terms.
  function values() {
    const body = {};
    for (const field of TEXT_FIELDS) {
      const value = el(`f-${field}`).value;
      const kept = field === "notes" ? value : value.trim();
      body[field] = NULLABLE.has(field) && !kept ? null : kept;
    }
    body.locale = el("f-locale").value || null;
    body.preferred_channels = [...channels];
    if (editing) body.is_active = el("f-is_active").checked;
    return body;
  }

  function changes(body) {
    const changed = {};
    for (const [field, value] of Object.entries(body)) {
      const before = editing[field] ?? (NULLABLE.has(field) ? null : "");
      if (JSON.stringify(before) !== JSON.stringify(value)) changed[field] = value;
    }
    return changed;
  }

  function refused(err) {
    if (!(err instanceof ApiError)) {
      formError(t("common.unreachable"));
      return;
    }
    let shown = false;
    if (err.code === "validation_error" && Array.isArray(err.details)) {
      for (const detail of err.details) {
        const loc = (detail.loc || []).filter((part) => typeof part === "string");
        const field = loc.find((part) => FIELDS.has(part));
        if (field) shown = fieldError(field, fieldText(t, field, detail)) || shown;
      }
    } else if (err.code === "telegram_id_taken") {
      shown = fieldError("telegram_id", refusalText(t, err, ""));
    }
    if (!shown) formError(refusalText(t, err, t("common.unreachable")));
    const invalid = form.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  }

  async function submit(event) {
    event.preventDefault();
    clearErrors();
    const body = values();
    const sent = editing ? changes(body) : body;
    if (editing && !Object.keys(sent).length) {
      dialog.close();
      return;
    }
    const button = el("client-save");
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      const path = editing ? `/clients/${editing.id}` : "/clients";
      const client = await session().request(path, {
        method: editing ? "PATCH" : "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(sent),
      });
      const created = !editing;
      dialog.close();
      saved(client, { created });
    } catch (err) {
      refused(err);
      if (err instanceof ApiError && err.code === "client_not_found") saved(null, { gone: editing });
    } finally {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  form.addEventListener("submit", submit);
  for (const field of Object.keys(sameAs)) {
    el(`f-${field}`).addEventListener("change", () => checkTaken(field));
  }
  el("client-cancel").addEventListener("click", () => dialog.close());
  for (const box of form.querySelectorAll('input[name="channel"]')) {
    box.addEventListener("change", () => {
      channels = channels.filter((c) => c !== box.value);
      if (box.checked) channels.push(box.value);
    });
  }

  return {
    openCreate: (prefill) => open(null, prefill || {}),
    openEdit: (client) => open(client, null),
    // The language changed: the dialog's own words (the typed values stay).
    redraw() {
      if (!dialog.open) return;
      title();
      for (const field of Object.keys(sameAs)) {
        if (el(`h-${field}`).textContent) checkTaken(field);
      }
      const value = el("f-locale").value;
      localeOptions(value || (editing && editing.locale));
      el("f-locale").value = value;
    },
    close: () => { if (dialog.open) dialog.close(); },
  };
}
