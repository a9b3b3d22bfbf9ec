// Working and non-working time of each worker's column, as the booking engine counts it
// (slotwise/availability/engine.py): the location's weekly hours and holidays, each
// specialist's weekly schedule at that location, minus their breaks. The calendar shades
// the rest. Everything here is wall-clock time in the location's zone, in minutes of a day.

const minutes = (hhmm) => {
  const [h, m] = hhmm.split(":").map(Number);
  return h * 60 + m;
};
const pad = (n) => String(n).padStart(2, "0");
const at = (date, mins) => `${date}T${pad(Math.floor(mins / 60))}:${pad(mins % 60)}:00`;

// Python's weekday(): Monday is 0. `date` is "YYYY-MM-DD" (a calendar date, no zone).
const weekday = (date) => (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;

function merge(pieces) {
  const sorted = [...pieces].sort((a, b) => a[0] - b[0]);
  const out = [];
  for (const [start, end] of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else if (end > start) out.push([start, end]);
  }
  return out;
}

function intersect(a, b) {
  const out = [];
  for (const [s1, e1] of a) {
    for (const [s2, e2] of b) {
      const start = Math.max(s1, s2);
      const end = Math.min(e1, e2);
      if (end > start) out.push([start, end]);
    }
  }
  return merge(out);
}

function subtract(from, taken) {
  let left = from;
  for (const [ts, te] of taken) {
    left = left.flatMap(([s, e]) => {
      if (te <= s || ts >= e) return [[s, e]];
      return [[s, ts], [te, e]].filter(([a, b]) => b > a);
    });
  }
  return left;
}

// When the location is open on `date` ([[start, end], ...] minutes).
export function openOn(date, location, holidays) {
  const holiday = holidays.get(date);
  if (holiday === false) return [];
  let rows = location.hours.filter((h) => h.day_of_week === weekday(date));
  const daysOff = rows.filter((h) => h.is_day_off);
  if (daysOff.length || !rows.length) {
    if (!holiday) return [];
    // A working holiday opens a day off with the times kept on its day-off rows.
    rows = daysOff;
  }
  return merge(rows.map((h) => [minutes(h.start_time), minutes(h.end_time)]));
}

// When a specialist works at the location on `date`: their schedule there, inside the
// opening hours, minus their breaks.
export function workingOn(date, open, schedule, breaks) {
  const day = weekday(date);
  const entries = schedule.filter((e) => e.day_of_week === day);
  if (!entries.length || entries.some((e) => e.is_day_off)) return [];
  const scheduled = merge(entries.map((e) => [minutes(e.start_time), minutes(e.end_time)]));
  const off = breaks.filter((b) => b.date === date)
    .map((b) => [minutes(b.start_time), minutes(b.end_time)]);
  return subtract(intersect(scheduled, open), merge(off));
}

// The calendar's background events: each column's time outside work between `first` and
// `last` minutes of every date. `plans`: {location, holidays: Map(date -> is_working),
// schedules: Map(specialist id -> entries at this location), breaks: Map(id -> breaks)}.
export function offTimeEvents(dates, columns, plans, first, last) {
  const events = [];
  for (const date of dates) {
    const open = openOn(date, plans.location, plans.holidays);
    for (const column of columns) {
      const working = workingOn(date, open, plans.schedules.get(column.id) || [],
                                plans.breaks.get(column.id) || []);
      for (const [start, end] of subtract([[first, last]], working)) {
        events.push({
          start: at(date, start),
          end: at(date, end),
          resourceIds: [column.id],
          display: "background",
          classNames: ["off-time"],
        });
      }
    }
  }
  return events;
}

// The hours the day view shows: from the earliest opening to the latest closing of the week.
export function openingRange(location) {
  const open = location.hours.filter((h) => !h.is_day_off);
  if (!open.length) return { first: 8 * 60, last: 20 * 60 };
  return {
    first: Math.min(...open.map((h) => minutes(h.start_time))),
    last: Math.max(...open.map((h) => minutes(h.end_time))),
  };
}

export const timeOfDay = (mins) => `${pad(Math.floor(mins / 60))}:${pad(mins % 60)}`;

// Every date "YYYY-MM-DD" from `start` up to (not including) `end`, both such dates.
export function datesBetween(start, end) {
  const out = [];
  for (let d = new Date(`${start}T00:00:00Z`); d < new Date(`${end}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1)) {
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}
