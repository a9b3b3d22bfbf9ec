// One specialist's weekly schedule as a week table: per weekday, any number of hours, each
// at a location (and optionally one of its workplaces). Saving replaces the whole week
// (PUT); the server refuses overlapping hours, and the page points at the day.

import { localeTag, onLanguage } from "./i18n.js";
import {
  busy, button, el, hhmm, json, node, openDialog, refusal, showMessage, state, status, t,
} from "./staff-dom.js";

// The server's words for an overlap name the day in English (catalog/weekly.py).
const DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const OVERLAP = /^On (\w+) (\d\d:\d\d)-(\d\d:\d\d) overlaps (\d\d:\d\d)-(\d\d:\d\d)/;
const OFF_DAY = /^(\w+) is a day off/;

let current = null; // {specialist, days: [{tr, list, entries: [...], off: entry|null}]}

function dayName(day) {
  // 2024-01-01 was a Monday.
  return new Intl.DateTimeFormat(localeTag(), { weekday: "long", timeZone: "UTC" })
    .format(new Date(Date.UTC(2024, 0, 1 + day)));
}

function title() {
  el("week-dialog-title").textContent = t("week.title", { name: current.specialist.name });
}

const activeOr = (item, keep) => item.is_active || item.id === keep;

function workplaceOptions(select, locationId, chosen) {
  const places = state.workplaces.filter((w) => w.location_id === locationId && activeOr(w, chosen));
  select.replaceChildren(new Option(t("week.anyWorkplace"), ""),
    ...places.map((w) => new Option(w.name, w.id)));
  select.value = chosen && places.some((w) => w.id === chosen) ? chosen : "";
  select.hidden = places.length === 0;
}

// One interval's inputs: where (when the firm has a choice), from, until, and remove.
function intervalRow(day, entry) {
  const dayLabel = dayName(day.index);
  const location = node("select", { attrs: { "aria-label": t("week.locationOf", { day: dayLabel }) } });
  const locations = state.locations.filter((l) => activeOr(l, entry.location_id));
  location.replaceChildren(...locations.map((l) => new Option(l.name, l.id)));
  location.value = entry.location_id || (locations[0] && locations[0].id) || "";
  location.hidden = locations.length < 2;
  const workplace = node("select", { attrs: { "aria-label": t("week.workplaceOf", { day: dayLabel }) } });
  workplaceOptions(workplace, location.value, entry.workplace_id);
  location.addEventListener("change", () => workplaceOptions(workplace, location.value, null));
  const start = node("input", { attrs: { type: "time", "aria-label": t("week.fromOf", { day: dayLabel }) } });
  const end = node("input", { attrs: { type: "time", "aria-label": t("week.untilOf", { day: dayLabel }) } });
  start.value = hhmm(entry.start_time);
  end.value = hhmm(entry.end_time);
  const item = node("li", { className: "interval" });
  const interval = { item, location, workplace, start, end };
  const remove = button(t("week.remove"), () => {
    day.entries = day.entries.filter((e) => e !== interval);
    item.remove();
    showEmpty(day);
    day.add.focus();
  }, { name: t("week.removeOf", { day: dayLabel }), className: "link-button" });
  item.append(location, workplace, start, node("span", { text: "\u2013", attrs: { "aria-hidden": "true" } }), end, remove);
  return interval;
}

function showEmpty(day) {
  day.empty.hidden = day.entries.length > 0 || Boolean(day.off);
}

function addInterval(day, entry) {
  if (day.off) {
    // Hours on a day that was a day off: the day off goes (the server refuses both at once).
    day.off = null;
    day.offNote.hidden = true;
  }
  const interval = intervalRow(day, entry);
  day.entries.push(interval);
  day.list.append(interval.item);
  showEmpty(day);
  return interval;
}

function dayRow(index, entries) {
  const tr = node("tr", { attrs: { "data-day": String(index) } });
  const day = { index, tr, entries: [], off: null };
  day.list = node("ul", { className: "intervals" });
  day.empty = node("span", { className: "muted", text: t("week.notWorking") });
  day.offNote = node("span", { className: "muted", text: t("week.dayOff"), attrs: { hidden: "" } });
  day.add = button(t("week.add"), () => {
    const last = day.entries[day.entries.length - 1];
    const fresh = addInterval(day, {
      location_id: last ? last.location.value : null,
      workplace_id: null,
      start_time: last ? last.end.value : "09:00",
      end_time: last ? "" : "18:00",
    });
    fresh.start.focus();
  }, { name: t("week.addOf", { day: dayName(index) }), className: "small" });
  tr.append(
    node("th", { text: dayName(index), attrs: { scope: "row", "data-label": t("week.day") } }),
    node("td", { attrs: { "data-label": t("week.hours") } }, [day.list, day.empty, day.offNote, day.add]),
  );
  for (const entry of entries) {
    if (entry.is_day_off) {
      day.off = entry;
      day.offNote.hidden = false;
    } else {
      addInterval(day, entry);
    }
  }
  showEmpty(day);
  return day;
}

export async function openWeek(specialist) {
  current = { specialist, days: [] };
  title();
  showMessage(el("week-error"), "");
  el("week-body").replaceChildren();
  openDialog(el("week-dialog"));
  let schedule;
  try {
    schedule = await state.session.request(`/specialists/${specialist.id}/schedules`);
  } catch (err) {
    showMessage(el("week-error"), refusal(err));
    return;
  }
  if (!state.locations.length) showMessage(el("week-error"), t("week.noLocation"));
  current.days = [0, 1, 2, 3, 4, 5, 6].map(
    (i) => dayRow(i, schedule.filter((e) => e.day_of_week === i)),
  );
  el("week-body").replaceChildren(...current.days.map((d) => d.tr));
  current.days[0].add.focus();
}

function markDay(index) {
  for (const day of current.days) day.tr.classList.toggle("refused", day.index === index);
  const day = current.days[index];
  if (day) {
    const first = day.entries[0];
    (first ? first.start : day.add).focus();
  }
}

// The week as the API takes it, or an error about the first bad interval.
function collect() {
  const entries = [];
  for (const day of current.days) {
    if (day.off) {
      entries.push({ day_of_week: day.index, location_id: day.off.location_id,
                     workplace_id: day.off.workplace_id, is_day_off: true });
    }
    for (const interval of day.entries) {
      const start = interval.start.value;
      const end = interval.end.value;
      if (!start || !end) return { error: t("week.missingTime", { day: dayName(day.index) }), day: day.index };
      if (end <= start) return { error: t("week.endBeforeStart", { day: dayName(day.index) }), day: day.index };
      if (!interval.location.value) return { error: t("week.noLocation"), day: day.index };
      entries.push({
        day_of_week: day.index,
        location_id: interval.location.value,
        workplace_id: interval.workplace.value || null,
        start_time: start,
        end_time: end,
        is_day_off: false,
      });
    }
  }
  return { entries };
}

function overlapText(err) {
  const overlap = OVERLAP.exec(err.message || "");
  if (err.code === "overlapping_hours" && overlap) {
    const day = DAY_NAMES.indexOf(overlap[1]);
    return {
      day,
      text: t("week.overlap", {
        day: day >= 0 ? dayName(day) : overlap[1],
        first: `${overlap[2]}\u2013${overlap[3]}`, second: `${overlap[4]}\u2013${overlap[5]}`,
      }),
    };
  }
  const off = OFF_DAY.exec(err.message || "");
  if (err.code === "overlapping_hours" && off) {
    return { day: DAY_NAMES.indexOf(off[1]), text: refusal(err) };
  }
  return { day: -1, text: refusal(err) };
}

async function save(event) {
  event.preventDefault();
  const specialist = current.specialist;
  const { entries, error, day } = collect();
  if (error) {
    showMessage(el("week-error"), error);
    markDay(day);
    return;
  }
  await busy(el("week-save"), async () => {
    try {
      await state.session.request(`/specialists/${specialist.id}/schedules`, json("PUT", entries));
      el("week-dialog").close();
      status(t("week.saved", { name: specialist.name }));
    } catch (err) {
      const { day: bad, text } = overlapText(err);
      showMessage(el("week-error"), text);
      markDay(bad);
    }
  });
}

el("week-form").addEventListener("submit", save);
el("week-cancel").addEventListener("click", () => el("week-dialog").close());
onLanguage(() => {
  if (!el("week-dialog").open || !current) return;
  title();
  for (const day of current.days) {
    day.tr.querySelector("th").textContent = dayName(day.index);
    day.empty.textContent = t("week.notWorking");
    day.offNote.textContent = t("week.dayOff");
    day.add.textContent = t("week.add");
  }
});
