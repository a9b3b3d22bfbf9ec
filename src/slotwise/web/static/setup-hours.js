// A location's weekly opening hours as a small week: per day open or closed, and one or more
// opening times (two make a day with a lunch break). Saved at once with PUT .../hours.

import { ApiError } from "./session.js";
import {
  checkFields, dayName, el, hhmm, json, node, refusal, saving, say,
} from "./setup-ui.js";

let ctx = null;
let editing = null; // the location whose week the dialog shows

function words(tag, key, className) {
  const made = node(tag, className, ctx.t(key));
  made.dataset.i18n = key; // the language picker puts the other language in
  return made;
}

function timeInput(className, value) {
  const input = node("input", className);
  input.type = "time";
  input.value = value || "";
  return input;
}

function interval(day, from, to) {
  const box = node("div", "interval");
  const start = timeInput("from", from);
  const end = timeInput("to", to);
  const labelFrom = node("label");
  labelFrom.append(words("span", "hours.from"), start);
  const labelTo = node("label");
  labelTo.append(words("span", "hours.to"), end);
  const remove = node("button", "small remove", "×");
  remove.type = "button";
  remove.dataset.i18nAriaLabel = "hours.remove";
  remove.setAttribute("aria-label", ctx.t("hours.remove"));
  remove.addEventListener("click", () => {
    const list = box.parentElement;
    box.remove();
    if (!list.childElementCount) setOpen(day, false);
    refresh(day);
  });
  box.append(labelFrom, labelTo, remove);
  return box;
}

const dayBox = (day) => el("hours-week").querySelector(`[data-day="${day}"]`);

function setOpen(day, open) {
  const box = dayBox(day);
  box.querySelector(".open").checked = open;
  refresh(day);
}

// A closed day hides its times; an opened one starts with the nearest open day's times.
function refresh(day) {
  const box = dayBox(day);
  const open = box.querySelector(".open").checked;
  const list = box.querySelector(".intervals");
  if (open && !list.childElementCount) {
    let times = [["09:00", "18:00"]];
    for (let other = day - 1; other >= 0; other--) {
      const found = [...dayBox(other).querySelectorAll(".interval")]
        .map((i) => [i.querySelector(".from").value, i.querySelector(".to").value]);
      if (dayBox(other).querySelector(".open").checked && found.length) {
        times = found;
        break;
      }
    }
    list.append(...times.map(([from, to]) => interval(day, from, to)));
    labelTimes();
  }
  list.hidden = !open;
  box.querySelector(".add").hidden = !open;
  box.querySelector(".closed").hidden = open;
  for (const input of list.querySelectorAll("input")) input.required = open;
  box.classList.toggle("is-closed", !open);
}

function dayRow(day, entries) {
  const box = node("fieldset", "day");
  box.dataset.day = day;
  const legend = node("legend", "day-name", dayName(day));
  const toggle = node("label", "check");
  const open = node("input", "open");
  open.type = "checkbox";
  open.checked = entries.some((e) => !e.is_day_off);
  open.addEventListener("change", () => refresh(day));
  toggle.append(open, " ", words("span", "hours.open"));
  const list = node("div", "intervals");
  for (const e of entries) {
    if (!e.is_day_off) list.append(interval(day, hhmm(e.start_time), hhmm(e.end_time)));
  }
  const add = words("button", "hours.add", "link-button add");
  add.type = "button";
  add.addEventListener("click", () => {
    const last = [...list.querySelectorAll(".to")].pop();
    list.append(interval(day, last ? last.value : "", ""));
    labelTimes();
    list.lastElementChild.querySelector(".from").focus();
  });
  box.append(legend, toggle, words("span", "hours.closed", "closed muted"), list, add);
  return box;
}

function week(hours) {
  el("hours-week").replaceChildren(...Array.from({ length: 7 }, (_, day) =>
    dayRow(day, hours.filter((h) => h.day_of_week === day))));
  for (let day = 0; day < 7; day++) refresh(day);
  labelTimes();
}

function entries() {
  const out = [];
  for (let day = 0; day < 7; day++) {
    const box = dayBox(day);
    if (!box.querySelector(".open").checked) {
      out.push({ day_of_week: day, is_day_off: true });
      continue;
    }
    for (const i of box.querySelectorAll(".interval")) {
      out.push({
        day_of_week: day,
        start_time: i.querySelector(".from").value,
        end_time: i.querySelector(".to").value,
      });
    }
  }
  return out;
}

// The times' names say their day too, e.g. in a message about a wrong one.
function labelTimes() {
  for (const box of el("hours-week").querySelectorAll(".day")) {
    const day = dayName(Number(box.dataset.day));
    box.querySelector("legend").textContent = day;
    for (const input of box.querySelectorAll(".from")) {
      input.setAttribute("aria-label", `${day}: ${ctx.t("hours.from")}`);
    }
    for (const input of box.querySelectorAll(".to")) {
      input.setAttribute("aria-label", `${day}: ${ctx.t("hours.to")}`);
    }
  }
}

// Each opening time closes after it opens; the message names the day.
function checkTimes() {
  for (let day = 0; day < 7; day++) {
    for (const i of dayBox(day).querySelectorAll(".interval")) {
      const from = i.querySelector(".from");
      const to = i.querySelector(".to");
      to.setCustomValidity("");
      delete to.dataset.custom;
      if (from.value && to.value && to.value <= from.value) {
        to.dataset.custom = "1";
        to.setCustomValidity(ctx.t("hours.endAfterStart", { day: dayName(day) }));
      }
    }
  }
}

function title() {
  const { t } = ctx;
  el("hours-title").textContent = t("hours.title", { name: editing.name });
  el("hours-zone").textContent = t("hours.zone", { zone: editing.time_zone });
}

export async function open(location) {
  editing = location;
  say(el("hours-error"), "");
  title();
  week(location.hours);
  el("hours-dialog").showModal();
  try {
    // The newest week, in case someone changed it since the list was read.
    const hours = await ctx.session.request(`/locations/${location.id}/hours`);
    if (editing === location) week(hours);
  } catch (err) {
    say(el("hours-error"), refusal(ctx.t, err));
  }
}

async function save(event) {
  event.preventDefault();
  const { t } = ctx;
  const error = el("hours-error");
  checkTimes();
  const wrong = checkFields(t, el("hours-form"));
  if (wrong) {
    say(error, wrong);
    return;
  }
  const location = editing;
  const { answer, error: err } = await saving(t, el("hours-save"), error, () =>
    ctx.session.request(`/locations/${location.id}/hours`, json("PUT", entries())));
  if (err instanceof ApiError && err.status === 404) {
    ctx.locations = ctx.locations.filter((l) => l.id !== location.id);
    ctx.changed("locations");
  }
  if (!answer) return;
  const stored = ctx.locations.find((l) => l.id === location.id);
  if (stored) stored.hours = answer;
  ctx.changed("locations");
  el("hours-dialog").close();
}

export function init(context) {
  ctx = context;
  el("hours-form").addEventListener("submit", save);
  el("hours-form").addEventListener("input", (e) => e.target.removeAttribute("aria-invalid"));
  el("hours-close").addEventListener("click", () => el("hours-dialog").close());
}

export function render() {
  if (!editing || !el("hours-dialog").open) return;
  title();
  labelTimes();
}

export function clear() {
  editing = null;
  el("hours-dialog").close();
  el("hours-week").replaceChildren();
}
