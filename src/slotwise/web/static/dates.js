// Days and wall-clock times in the firm's time zone, whatever the browser's own zone is.

const partsFormats = new Map();

function zonedParts(zone, date) {
  let format = partsFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    partsFormats.set(zone, format);
  }
  const parts = {};
  for (const p of format.formatToParts(date)) parts[p.type] = Number(p.value);
  return parts;
}

function offsetMs(zone, date) {
  const p = zonedParts(zone, date);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (date.getTime() - date.getUTCMilliseconds());
}

// The instant whose wall-clock time in the zone is `wall` (ms of a UTC date with those
// fields), computed twice for DST edges.
function fromWall(zone, wall) {
  const t = wall - offsetMs(zone, new Date(wall));
  return new Date(wall - offsetMs(zone, new Date(t)));
}

// The instant of 00:00 of a calendar day in the zone.
const zonedMidnight = (zone, year, month, dayOfMonth) => fromWall(
  zone, Date.UTC(year, month - 1, dayOfMonth),
);

// Today in the zone: [start, end) as instants, and a heading in the locale.
export function today(zone, locale = "en-GB", now = new Date()) {
  const p = zonedParts(zone, now);
  const start = zonedMidnight(zone, p.year, p.month, p.day);
  const end = zonedMidnight(zone, p.year, p.month, p.day + 1);
  const label = new Intl.DateTimeFormat(locale, {
    timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric",
  }).format(start);
  return { start, end, label };
}

// "09:30": 24-hour wall-clock time in the zone.
export function clock(zone, iso) {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).format(new Date(iso));
}

// The same rule as GET /appointments?from=&to=: the appointment overlaps [start, end).
export function overlaps(appointment, day) {
  return new Date(appointment.start_at) < day.end && new Date(appointment.end_at) > day.start;
}

const pad = (n) => String(n).padStart(2, "0");

// "2026-12-02T09:30:00": the instant as a wall-clock time in the zone, without an offset
// (the calendar component shows such times as they are).
export function wallClock(zone, iso) {
  const p = zonedParts(zone, new Date(iso));
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

// "+01:00": the zone's offset from UTC now (the calendar takes offsets, not zone names).
export function offsetNow(zone, now = new Date()) {
  const minutes = Math.round(offsetMs(zone, now) / 60000);
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// The instant of a wall-clock time in the zone: "2026-12-02" and "09:30" → ISO string (UTC).
// A time that a DST change skips or repeats gets the zone's offset of just before it.
export function zonedInstant(zone, date, time) {
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  return fromWall(zone, Date.UTC(year, month - 1, day, hour, minute)).toISOString();
}
