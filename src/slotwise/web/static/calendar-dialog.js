// The appointment dialog of the calendar: a new appointment (from a selected range or the
// "New appointment" button) or an existing one. Planners set the client (found or new),
// date and times, services, workers, workplace and notes, and cancel, mark a no-show or
// delete; a worker starts and finishes their own. Everything a card can do by dragging can
// be done here with the keyboard alone.
//
// A refusal keeps the dialog and everything typed in it. After a 412 the dialog shows the
// other change in the fields nobody touched here, keeps the touched ones, and saving again
// applies just those on top.

import { clock, wallClock, zonedInstant } from "./dates.js";
import { clientName } from "./render.js";
import { ApiError } from "./session.js";

const el = (id) => document.getElementById(id);
const SEARCH_DELAY_MS = 250;
const SEARCH_LIMIT = 8;

function checkboxes(box, items, name, checked) {
  const legend = box.querySelector("legend");
  const rows = items.map((item) => {
    const label = document.createElement("label");
    label.className = "choice";
    const input = document.createElement("input");
    input.type = "checkbox";
    input.name = name;
    input.value = item.id;
    input.checked = checked.has(item.id);
    label.append(input, document.createTextNode(` ${item.label}`));
    return label;
  });
  box.replaceChildren(legend, ...rows);
}

const checkedIn = (box) => [...box.querySelectorAll("input:checked")].map((i) => i.value);

// `ctx`: {t, session, me, plans (may change the plan), zone(), location(), specialists(),
// services(), workplaces(), saved(appointment), deleted(id), refusal(err)}.
export function appointmentDialog(ctx) {
  const { t } = ctx;
  const dialog = el("card-dialog");
  let current = null; // the appointment being edited, or null for a new one
  let touched = new Set();
  let client = null; // {id, name} chosen, or null
  let createdClient = null; // a new client already saved (a retry does not add another)
  let searchTimer = null;
  let busy = false;
  let suspendedFor = null; // the user whose open dialog waits for them to sign in again

  const zone = () => ctx.zone();
  const serviceById = (id) => ctx.services().find((s) => s.id === id);

  function error(message) {
    el("card-error").textContent = message || "";
    el("card-error").hidden = !message;
  }

  function showClient(chosen) {
    client = chosen;
    el("card-client-chosen").hidden = !chosen;
    el("card-client-name").textContent = chosen ? chosen.name : "";
    el("card-client").hidden = Boolean(chosen);
    el("card-client-hint").hidden = Boolean(chosen);
    el("card-client-new").hidden = Boolean(chosen);
    if (chosen) {
      el("card-new-client").hidden = true;
      el("card-client-results").replaceChildren();
    }
  }

  // ------------------------------------------------------------ header lines
  function describe(appointment = current) {
    const plans = ctx.plans;
    const worker = ctx.me.role === "worker";
    el("card-fields").hidden = !plans;
    el("card-notes").readOnly = !plans;
    for (const id of ["card-cancel-appointment", "card-no-show", "card-delete"]) {
      el(id).hidden = !plans || !appointment;
    }
    el("card-save").hidden = !plans;
    el("card-save").textContent = t(appointment ? "card.save" : "card.create");
    el("card-confirm").hidden = true;
    if (!appointment) {
      el("card-title").textContent = t("card.newTitle");
      for (const id of ["card-when", "card-who", "card-status"]) {
        el(id).textContent = "";
        el(id).hidden = true;
      }
      el("card-run").hidden = true;
      return;
    }
    for (const id of ["card-when", "card-who", "card-status"]) el(id).hidden = false;
    el("card-title").textContent = clientName(appointment) || t("common.noClient");
    el("card-when").textContent = `${ctx.dayLabel(appointment.start_at)}, `
      + `${clock(zone(), appointment.start_at)}\u2013${clock(zone(), appointment.end_at)}`;
    el("card-who").textContent = [
      appointment.workers.map((w) => w.name).join(", "),
      appointment.services.map((s) => s.name).join(", "),
    ].filter(Boolean).join(" \u00b7 ");
    el("card-status").textContent = t("card.status", { status: t(`status.${appointment.status}`) })
      + (appointment.is_open ? t("card.running") : "");
    const scheduled = appointment.status === "scheduled";
    el("card-cancel-appointment").disabled = !scheduled;
    el("card-no-show").disabled = !scheduled;
    // Start and Finish: for the workers of the appointment and the planners.
    const mine = appointment.workers.some((w) => w.id === ctx.me.specialist_id);
    const runs = (plans || (worker && mine)) && ["scheduled", "in_progress"].includes(appointment.status);
    el("card-run").hidden = !runs;
    el("card-start").hidden = appointment.is_open;
    el("card-finish").hidden = !appointment.is_open;
  }

  // ------------------------------------------------------------ the fields
  function fill(values, keep) {
    const set = (name, apply) => {
      if (!keep.has(name)) apply();
    };
    set("client", () => showClient(values.client));
    set("date", () => { el("card-date").value = values.date; });
    set("from", () => { el("card-from").value = values.from; });
    set("to", () => { el("card-to").value = values.to; });
    set("services", () => checkboxes(
      el("card-services"),
      ctx.services().map((s) => ({ id: s.id, label: `${s.name} (${t("card.minutes", { count: s.duration_minutes })})` })),
      "service", new Set(values.services),
    ));
    set("workers", () => checkboxes(
      el("card-workers"), ctx.specialists().map((s) => ({ id: s.id, label: s.name })),
      "worker", new Set(values.workers),
    ));
    set("workplace", () => {
      const select = el("card-workplace");
      select.replaceChildren(new Option(t("card.noWorkplace"), ""),
                             ...ctx.workplaces().map((w) => new Option(w.name, w.id)));
      select.value = values.workplace || "";
    });
    set("notes", () => { el("card-notes").value = values.notes; });
  }

  function valuesOf(appointment) {
    const start = wallClock(zone(), appointment.start_at);
    const end = wallClock(zone(), appointment.end_at);
    return {
      client: appointment.client ? { id: appointment.client.id, name: clientName(appointment) } : null,
      date: start.slice(0, 10),
      from: start.slice(11, 16),
      to: end.slice(11, 16),
      services: appointment.services.map((s) => s.id),
      workers: appointment.workers.map((w) => w.id),
      workplace: appointment.workplace_id,
      notes: appointment.notes || "",
    };
  }

  // The end follows the services' durations until someone sets it by hand.
  function followServices() {
    if (touched.has("to")) return;
    const total = checkedIn(el("card-services"))
      .reduce((sum, id) => sum + (serviceById(id)?.duration_minutes || 0), 0);
    const from = el("card-from").value;
    if (!total || !from) return;
    const [h, m] = from.split(":").map(Number);
    const end = Math.min(h * 60 + m + total, 24 * 60 - 1);
    el("card-to").value = `${String(Math.floor(end / 60)).padStart(2, "0")}:${String(end % 60).padStart(2, "0")}`;
  }

  function reset() {
    touched = new Set();
    createdClient = null;
    el("card-client").value = "";
    el("card-client-results").replaceChildren();
    el("card-new-client").hidden = true;
    for (const id of ["card-new-first", "card-new-last", "card-new-phone", "card-new-email"]) {
      el(id).value = "";
    }
    error("");
  }

  function openExisting(appointment) {
    current = appointment;
    reset();
    fill(valuesOf(appointment), new Set());
    describe();
    dialog.showModal();
  }

  // `start`, `end`: wall-clock "YYYY-MM-DDTHH:MM…" in the location's zone; `workerId`: the
  // column it was made in. The end follows the services chosen, unless set by hand.
  function openNew({ start, end, workerId }) {
    current = null;
    reset();
    fill({
      client: null,
      date: start.slice(0, 10),
      from: start.slice(11, 16),
      to: end.slice(11, 16),
      services: [],
      workers: workerId ? [workerId] : [],
      workplace: null,
      notes: "",
    }, new Set());
    describe();
    dialog.showModal();
    el("card-client").focus();
  }

  // ------------------------------------------------------------ client search
  async function search() {
    const q = el("card-client").value.trim();
    const list = el("card-client-results");
    if (q.length < 2) {
      list.replaceChildren();
      return;
    }
    let page;
    try {
      page = await ctx.session.request(`/clients?${new URLSearchParams({ q, limit: SEARCH_LIMIT })}`);
    } catch (err) {
      list.replaceChildren(Object.assign(document.createElement("li"), {
        className: "muted", textContent: ctx.refusal(err),
      }));
      return;
    }
    if (q !== el("card-client").value.trim()) return; // typed on meanwhile
    if (!page.items.length) {
      list.replaceChildren(Object.assign(document.createElement("li"), {
        className: "muted", textContent: t("card.clientNone"),
      }));
      return;
    }
    list.replaceChildren(...page.items.map((found) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "client-pick";
      const name = [found.first_name, found.last_name].filter(Boolean).join(" ");
      button.textContent = [name, found.phone, found.email].filter(Boolean).join(" \u00b7 ");
      button.addEventListener("click", () => {
        touched.add("client");
        showClient({ id: found.id, name });
        el("card-client-clear").focus();
      });
      item.append(button);
      return item;
    }));
  }

  el("card-client").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, SEARCH_DELAY_MS);
  });
  el("card-client-clear").addEventListener("click", () => {
    touched.add("client");
    showClient(null);
    el("card-client").focus();
  });
  el("card-client-new").addEventListener("click", () => {
    touched.add("client");
    el("card-new-client").hidden = false;
    el("card-client-results").replaceChildren();
    el("card-new-first").value ||= el("card-client").value.trim();
    el("card-new-first").focus();
  });

  // ------------------------------------------------------------ saving
  const fieldOf = {
    "card-date": "date", "card-from": "from", "card-to": "to", "card-workplace": "workplace",
    "card-notes": "notes",
  };
  for (const [id, name] of Object.entries(fieldOf)) {
    el(id).addEventListener("input", () => touched.add(name));
  }
  el("card-from").addEventListener("input", followServices);
  el("card-services").addEventListener("change", () => {
    touched.add("services");
    followServices();
  });
  el("card-workers").addEventListener("change", () => touched.add("workers"));

  function times() {
    const date = el("card-date").value;
    const from = el("card-from").value;
    const to = el("card-to").value;
    if (!date || !from || !to) return { problem: t("card.needTimes") };
    if (to <= from) return { problem: t("card.endAfterStart") };
    return { start_at: zonedInstant(zone(), date, from), end_at: zonedInstant(zone(), date, to) };
  }

  // A new client typed into the dialog is saved first (once, even if the booking is refused).
  async function clientId() {
    if (!el("card-new-client").hidden) {
      if (createdClient) return createdClient.id;
      const first = el("card-new-first").value.trim();
      if (!first) throw new Error(t("card.needFirstName"));
      const body = { first_name: first, last_name: el("card-new-last").value.trim() };
      const phone = el("card-new-phone").value.trim();
      const email = el("card-new-email").value.trim();
      if (phone) body.phone = phone;
      if (email) body.email = email;
      createdClient = await ctx.session.request("/clients", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      return createdClient.id;
    }
    return client ? client.id : null;
  }

  function serviceLines(ids) {
    // Lines kept from the appointment keep their price; new ones get the catalog's terms.
    const kept = new Map((current ? current.services : []).map((s) => [s.id, s.price]));
    return ids.map((id) => (kept.has(id) ? { service_id: id, price: kept.get(id) } : { service_id: id }));
  }

  async function body() {
    const when = times();
    if (when.problem) throw new Error(when.problem);
    const services = checkedIn(el("card-services"));
    const workers = checkedIn(el("card-workers"));
    if (!current || touched.has("services")) {
      if (!services.length) throw new Error(t("card.needService"));
    }
    if (!current || touched.has("workers")) {
      if (!workers.length) throw new Error(t("card.needWorker"));
    }
    const workplace = el("card-workplace").value || null;
    const notes = el("card-notes").value;
    if (!current) {
      const out = {
        location_id: ctx.location().id, start_at: when.start_at, worker_ids: workers,
        services: serviceLines(services), workplace_id: workplace, notes,
        client_id: await clientId(),
      };
      if (touched.has("to")) out.end_at = when.end_at;
      return out;
    }
    const out = {};
    if (touched.has("date") || touched.has("from") || touched.has("to")) {
      out.start_at = when.start_at;
      out.end_at = when.end_at;
    }
    if (touched.has("services")) {
      out.services = serviceLines(services);
      if (!touched.has("to") && !out.end_at) out.end_at = when.end_at; // followed the services
    }
    if (touched.has("services") && !out.start_at) out.start_at = when.start_at;
    if (touched.has("workers")) out.worker_ids = workers;
    if (touched.has("workplace")) out.workplace_id = workplace;
    if (touched.has("notes")) out.notes = notes;
    if (touched.has("client")) out.client_id = await clientId();
    return out;
  }

  async function send(method, payload) {
    if (busy) return;
    busy = true;
    el("card-form").setAttribute("aria-busy", "true");
    try {
      let answer;
      if (!current) {
        answer = await ctx.session.request("/appointments", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify(payload),
        });
      } else {
        const headers = { "If-Match": `"${current.version}"` };
        if (payload) headers["Content-Type"] = "application/json";
        answer = await ctx.session.request(`/appointments/${current.id}`, {
          method, headers, body: payload && JSON.stringify(payload),
        });
      }
      if (answer) ctx.saved(answer);
      else ctx.deleted(current.id);
      dialog.close();
    } catch (err) {
      error(err instanceof ApiError ? ctx.refusal(err) : err.message || t("common.unreachable"));
      if (err instanceof ApiError && err.status === 412 && current) await reread();
    } finally {
      busy = false;
      el("card-form").removeAttribute("aria-busy");
    }
  }

  async function reread() {
    const latest = await ctx.session.request(`/appointments/${current.id}`).catch(() => null);
    if (!latest) return;
    current = latest;
    fill(valuesOf(latest), touched);
    describe();
    ctx.saved(latest);
  }

  el("card-save").addEventListener("click", async () => {
    let payload;
    try {
      payload = await body();
    } catch (err) {
      error(err instanceof ApiError ? ctx.refusal(err) : err.message);
      return;
    }
    if (current && !Object.keys(payload).length) {
      dialog.close(); // nothing changed
      return;
    }
    await send("PATCH", payload);
  });
  el("card-cancel-appointment").addEventListener("click", () => send("PATCH", { status: "cancelled" }));
  el("card-no-show").addEventListener("click", () => send("PATCH", { status: "no_show" }));
  el("card-start").addEventListener("click", () => send("PATCH", { is_open: true }));
  el("card-finish").addEventListener("click", () => send("PATCH", { is_open: false }));
  el("card-delete").addEventListener("click", () => {
    el("card-confirm").hidden = false;
    el("card-delete-no").focus();
  });
  el("card-delete-no").addEventListener("click", () => { el("card-confirm").hidden = true; });
  el("card-delete-yes").addEventListener("click", () => send("DELETE", null));
  el("card-close").addEventListener("click", () => dialog.close());

  return {
    // The session ended with the dialog open: it closes, keeping everything typed.
    suspend() {
      suspendedFor = dialog.open ? ctx.me.id : null;
      if (dialog.open) dialog.close();
    },
    // Signed in again: the same user gets the dialog back as it was.
    resume(userId) {
      const waiting = suspendedFor;
      suspendedFor = null;
      if (waiting !== userId) return;
      describe();
      dialog.showModal();
      error(t("card.resumed"));
    },
    openExisting,
    openNew,
    // A change of the open appointment arrived from elsewhere: the header shows it; the
    // fields stay as they are (saving meets a 412 and then shows it all).
    changed(appointment) {
      if (current && dialog.open && appointment.id === current.id && !busy) describe(appointment);
    },
    isOpenFor: (id) => dialog.open && current && current.id === id,
    redraw() {
      if (dialog.open) describe();
    },
  };
}
