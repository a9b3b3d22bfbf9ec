// A location's holidays: dates it is closed although the week says open (or open although
// the week says closed). Listed in a dialog with a form below to add or change one.

import { ApiError } from "./session.js";
import {
  button, cell, checkFields, clearMarks, dateText, el, json, node, refusal, saving, say,
} from "./setup-ui.js";

let ctx = null;
let place = null; // the location whose holidays the dialog shows
let list = [];
let editing = null; // the holiday the form changes; null: a new one

function row(holiday) {
  const { t } = ctx;
  const tr = node("tr");
  tr.dataset.holiday = holiday.id;
  const when = dateText(holiday.date);
  const actions = cell(null, null, "row-actions");
  const edit = button(t("action.edit"), "small", () => editHoliday(holiday));
  edit.setAttribute("aria-label", `${t("action.edit")}: ${when}`);
  const remove = button(t("action.remove"), "small danger-text", () => removeHoliday(holiday, remove));
  remove.setAttribute("aria-label", `${t("action.remove")}: ${when}`);
  actions.append(edit, remove);
  tr.append(
    cell(when, t("field.date"), "name"),
    cell(t(holiday.is_working ? "holidays.open" : "holidays.closed"), t("holidays.kind")),
    cell(holiday.description || "—", t("field.description")),
    actions,
  );
  return tr;
}

function draw() {
  const { t } = ctx;
  list.sort((a, b) => a.date.localeCompare(b.date));
  el("holidays-rows").replaceChildren(...list.map(row));
  el("holidays-empty").hidden = list.length > 0;
  el("holidays-table").hidden = list.length === 0;
  el("holidays-title").textContent = t("holidays.title", { name: place.name });
  el("holiday-form-title").textContent = editing
    ? t("holidays.editTitle", { date: dateText(editing.date) }) : t("holidays.newTitle");
  el("holiday-save").textContent = t(editing ? "holidays.save" : "holidays.addButton");
  el("holiday-new").hidden = !editing;
}

function editHoliday(holiday) {
  editing = holiday;
  clearMarks(el("holiday-form"));
  say(el("holiday-error"), "");
  el("holiday-date").value = holiday.date;
  el("holiday-working").checked = holiday.is_working;
  el("holiday-description").value = holiday.description;
  draw();
  el("holiday-date").focus();
}

function fresh() {
  editing = null;
  el("holiday-form").reset();
  clearMarks(el("holiday-form"));
  say(el("holiday-error"), "");
  draw();
}

async function load() {
  list = await ctx.session.request(`/locations/${place.id}/holidays`);
  draw();
}

export async function open(location) {
  place = location;
  list = [];
  say(el("holidays-list-error"), "");
  fresh();
  el("holidays-dialog").showModal();
  try {
    await load();
  } catch (err) {
    say(el("holidays-list-error"), refusal(ctx.t, err));
  }
}

async function save(event) {
  event.preventDefault();
  const { t } = ctx;
  const error = el("holiday-error");
  const wrong = checkFields(t, el("holiday-form"));
  if (wrong) {
    say(error, wrong);
    return;
  }
  const body = {
    date: el("holiday-date").value,
    is_working: el("holiday-working").checked,
    description: el("holiday-description").value.trim(),
  };
  const base = `/locations/${place.id}/holidays`;
  const request = editing
    ? () => ctx.session.request(`${base}/${editing.id}`, json("PATCH", body))
    : () => ctx.session.request(base, json("POST", body));
  const { answer, error: err } = await saving(t, el("holiday-save"), error, request);
  if (err instanceof ApiError && err.status === 404) await load().catch(() => {});
  if (!answer) return;
  list = list.filter((h) => h.id !== answer.id);
  list.push(answer);
  fresh();
}

async function removeHoliday(holiday, trigger) {
  const { t } = ctx;
  const { error: err } = await saving(t, trigger, el("holidays-list-error"), () =>
    ctx.session.request(`/locations/${place.id}/holidays/${holiday.id}`, { method: "DELETE" }));
  if (err && !(err instanceof ApiError && err.status === 404)) return;
  list = list.filter((h) => h.id !== holiday.id);
  if (editing && editing.id === holiday.id) fresh();
  else draw();
  el("holidays-close").focus();
}

export function init(context) {
  ctx = context;
  el("holiday-form").addEventListener("submit", save);
  el("holiday-form").addEventListener("input", (e) => e.target.removeAttribute("aria-invalid"));
  el("holiday-new").addEventListener("click", fresh);
  el("holidays-close").addEventListener("click", () => el("holidays-dialog").close());
}

export function render() {
  if (place && el("holidays-dialog").open) draw();
}

export function clear() {
  place = editing = null;
  list = [];
  el("holidays-dialog").close();
  el("holidays-rows").replaceChildren();
}
