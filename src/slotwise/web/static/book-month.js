// The month view of the booking page: a table of the month's days (weeks from Monday), the
// days with a free time as buttons, the others as plain numbers.

import { capital, formatDay, parseDay } from "./book-api.js";

const WEEK = 7;

// The first day of the month of `day` ("2026-12-01").
export const monthOf = (day) => `${day.slice(0, 7)}-01`;

export function shiftMonth(first, n) {
  const date = parseDay(first);
  date.setUTCMonth(date.getUTCMonth() + n, 1);
  return formatDay(date);
}

export function lastOfMonth(first) {
  const date = parseDay(first);
  date.setUTCMonth(date.getUTCMonth() + 1, 0);
  return formatDay(date);
}

export function monthTitle(first, locale) {
  return capital(new Intl.DateTimeFormat(locale, { timeZone: "UTC", month: "long", year: "numeric" })
    .format(parseDay(first)));
}

function weekdayHeads(locale) {
  const long = new Intl.DateTimeFormat(locale, { timeZone: "UTC", weekday: "long" });
  const short = new Intl.DateTimeFormat(locale, { timeZone: "UTC", weekday: "short" });
  // 2024-01-01 was a Monday.
  return Array.from({ length: WEEK }, (_, i) => {
    const date = new Date(Date.UTC(2024, 0, 1 + i));
    const th = document.createElement("th");
    th.scope = "col";
    const abbr = document.createElement("abbr");
    abbr.title = long.format(date);
    abbr.textContent = short.format(date);
    th.append(abbr);
    return th;
  });
}

// `free`: the days with a free time (a Set of "YYYY-MM-DD"); `selected`: the day shown;
// `loading`: the free days are still being read (every day plain, none disabled for good).
export function renderMonth({ first, free, selected, today, locale, onPick }) {
  document.getElementById("month-weekdays").replaceChildren(...weekdayHeads(locale));
  const label = new Intl.DateTimeFormat(locale, {
    timeZone: "UTC", weekday: "long", day: "numeric", month: "long",
  });
  const start = parseDay(first);
  const offset = (start.getUTCDay() + 6) % WEEK; // Monday first
  const last = Number(lastOfMonth(first).slice(8));
  const rows = [];
  let row = document.createElement("tr");
  for (let i = 0; i < offset; i += 1) row.append(document.createElement("td"));
  for (let n = 1; n <= last; n += 1) {
    const day = `${first.slice(0, 8)}${String(n).padStart(2, "0")}`;
    const cell = document.createElement("td");
    if (free.has(day)) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "day";
      button.dataset.day = day;
      button.textContent = String(n);
      button.setAttribute("aria-label", label.format(parseDay(day)));
      button.setAttribute("aria-pressed", String(day === selected));
      button.addEventListener("click", () => onPick(day));
      cell.append(button);
    } else {
      const span = document.createElement("span");
      span.className = day < today ? "day past" : "day none";
      span.textContent = String(n);
      cell.append(span);
    }
    if (day === today) cell.classList.add("today");
    row.append(cell);
    if (row.children.length === WEEK) {
      rows.push(row);
      row = document.createElement("tr");
    }
  }
  if (row.children.length) {
    while (row.children.length < WEEK) row.append(document.createElement("td"));
    rows.push(row);
  }
  document.getElementById("month-days").replaceChildren(...rows);
}
