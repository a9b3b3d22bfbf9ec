// Drawing the board: one column per worker (staff) or one list (a worker, a client), cards
// updated in place and kept in time order; toasts. Text only ever goes in as textContent.

import { clock } from "./dates.js";

const TOAST_MS = 8000;
const MAX_TOASTS = 4;

function byStart(a, b) {
  const diff = Date.parse(a.start_at) - Date.parse(b.start_at);
  return diff !== 0 ? diff : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function clientName(appointment) {
  const c = appointment.client;
  return c ? `${c.first_name} ${c.last_name}`.trim() : "";
}

// Staff: a column per active specialist, by name, plus any other specialist who has an
// appointment today (made inactive, or added since the board loaded). An appointment with
// two workers is in both columns.
export function boardColumns(t, me, isStaff, specialists, appointments) {
  const sorted = [...appointments].sort(byStart);
  if (!isStaff) {
    const title = t(me.role === "client" ? "board.yours" : "board.yourDay");
    return [{ key: "mine", title, items: sorted, workerId: me.specialist_id }];
  }
  const columns = new Map();
  for (const s of [...specialists].sort((a, b) => a.name.localeCompare(b.name))) {
    if (s.is_active) columns.set(s.id, { key: s.id, title: s.name, items: [], workerId: s.id });
  }
  for (const appointment of sorted) {
    for (const worker of appointment.workers) {
      if (!columns.has(worker.id)) {
        columns.set(worker.id, { key: worker.id, title: worker.name, items: [],
                                 workerId: worker.id });
      }
      columns.get(worker.id).items.push(appointment);
    }
  }
  return [...columns.values()];
}

// `animate`: briefly highlight cards that changed (not on a full reload of the day).
export function renderColumns(container, columns, view) {
  const existing = new Map([...container.children].map((c) => [c.dataset.column, c]));
  columns.forEach((column, index) => {
    const node = existing.get(column.key) || makeColumn(column);
    existing.delete(column.key);
    fillColumn(node, column, view);
    if (container.children[index] !== node) {
      container.insertBefore(node, container.children[index] || null);
    }
  });
  for (const stale of existing.values()) stale.remove();
}

function makeColumn(column) {
  const section = document.createElement("section");
  section.className = "column";
  section.dataset.column = column.key;
  if (column.workerId) section.dataset.workerId = column.workerId;
  const heading = document.createElement("h3");
  heading.id = `column-${column.key}`;
  section.setAttribute("aria-labelledby", heading.id);
  const name = document.createElement("span");
  name.className = "column-name";
  const count = document.createElement("span");
  count.className = "count";
  heading.append(name, " ", count);
  const list = document.createElement("ol");
  list.className = "cards";
  const empty = document.createElement("p");
  empty.className = "empty";
  section.append(heading, list, empty);
  return section;
}

function fillColumn(section, column, view) {
  const { t } = view;
  section.querySelector(".column-name").textContent = column.title;
  const n = column.items.length;
  section.querySelector(".count").textContent = t("board.count", { count: n });
  section.querySelector(".empty").textContent = t("board.none");
  section.querySelector(".empty").hidden = n > 0;
  const list = section.querySelector(".cards");
  const cards = new Map([...list.children].map((li) => [li.dataset.appointmentId, li]));
  column.items.forEach((appointment, index) => {
    let card = cards.get(appointment.id);
    if (!card) {
      card = document.createElement("li");
      card.className = "card";
      card.dataset.appointmentId = appointment.id;
    }
    cards.delete(appointment.id);
    const signature = `${appointment.version}|${appointment.updated_at}|${view.language}`;
    if (card.dataset.signature !== signature) {
      card.dataset.signature = signature;
      fillCard(card, appointment, column, view);
      if (view.animate) flash(card);
    }
    if (list.children[index] !== card) list.insertBefore(card, list.children[index] || null);
  });
  for (const gone of cards.values()) gone.remove();
}

function line(className, text) {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  return p;
}

function badge(kind, text) {
  const span = document.createElement("span");
  span.className = `badge badge-${kind}`;
  span.textContent = text;
  return span;
}

function fillCard(card, appointment, column, view) {
  card.dataset.version = String(appointment.version);
  card.dataset.status = appointment.status;
  card.classList.toggle("is-open", appointment.is_open);
  card.classList.toggle("is-cancelled", appointment.status === "cancelled");

  const time = document.createElement("p");
  time.className = "time";
  const from = document.createElement("time");
  from.dateTime = appointment.start_at;
  from.textContent = clock(view.zone, appointment.start_at);
  const to = document.createElement("time");
  to.dateTime = appointment.end_at;
  to.textContent = clock(view.zone, appointment.end_at);
  time.append(from, "\u2013", to);

  const { t } = view;
  const parts = [time, line("client", clientName(appointment) || t("common.noClient"))];
  if (appointment.services && appointment.services.length) {
    parts.push(line("services", appointment.services.map((s) => s.name).join(", ")));
  }
  const others = (appointment.workers || []).filter((w) => w.id !== column.workerId);
  if (others.length) parts.push(line("workers", t("board.with", { names: others.map((w) => w.name).join(", ") })));
  // Staff notes are internal: never on a client's board, even where the API includes them.
  if (appointment.notes && view.role !== "client") parts.push(line("notes", appointment.notes));
  const badges = document.createElement("p");
  badges.className = "badges";
  if (appointment.is_open) badges.append(badge("open", t("board.open")));
  if (appointment.status !== "scheduled") {
    badges.append(badge(appointment.status, t(`status.${appointment.status}`)));
  }
  if (badges.childElementCount) parts.push(badges);
  card.replaceChildren(...parts);
}

function flash(card) {
  card.classList.remove("flash");
  void card.offsetWidth; // restarts the animation
  card.classList.add("flash");
}

// `dismiss`: the close button's name, in the page's language.
export function toast(box, message, dismiss) {
  while (box.childElementCount >= MAX_TOASTS) box.firstElementChild.remove();
  const item = document.createElement("div");
  item.className = "toast";
  const text = document.createElement("span");
  text.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "toast-close";
  close.setAttribute("aria-label", dismiss);
  close.textContent = "\u00d7";
  close.addEventListener("click", () => item.remove());
  item.append(text, close);
  box.append(item);
  setTimeout(() => item.remove(), TOAST_MS);
}
