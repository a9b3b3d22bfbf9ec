// Keeping a page current from the event stream (SSE), with resume by position, and polling
// the same events while the stream is down. The page says how to read its whole list
// (`load`) and how to apply one event (`apply`); this module decides when.

import { ApiError } from "./session.js";

const EVENT_TYPES = ["appointment.created", "appointment.updated", "appointment.deleted"];
// Owners and directors also get these; they are about no appointment, so `apply` never sees
// them (a page may take them as `notice`), but they move the position like any other.
const NOTICE_TYPES = ["sync.conflict_opened"];
const POLL_LIMIT = 100;
const RELOAD_RETRY_MS = 3000;

// `load()` reads the page's whole list (it throws when it cannot; it is tried again);
// `apply(envelope)` applies one appointment event; `notice(envelope)` is told of the others;
// `loaded()` runs once a read list and the events that waited for it are applied;
// `onState("connecting" | "live" | "down")` shows whether changes arrive live. `pollMs`: how
// often to poll while the stream is down.
export class LiveFeed {
  constructor({
    api, session, load, apply, notice = () => {}, loaded = () => {}, onState, pollMs,
  }) {
    Object.assign(this, { api, session, load, apply, notice, loaded, onState, pollMs });
    // The stream is retried at least as often as we poll, and at least every 30 s.
    this.maxReconnectMs = Math.min(30000, pollMs);
    this.lastSeq = null; // every event up to this position has been applied
    this.resumeFrom = null; // the position the first list is read at, while it is read
    this.loading = false; // while the list is read, events wait in `buffered`
    this.buffered = [];
    this.reloadFrom = undefined; // asked to read the list again while reading it
    this.source = null;
    this.up = false;
    this.connecting = false;
    this.reconnectDelay = 1000;
    this.polling = false;
    this.timers = { reconnect: null, poll: null };
    this.stopped = false;
    this.onOnline = () => {
      // Back online (e.g. after a laptop slept): do not wait for the next back-off step.
      if (!this.up) this.connect();
    };
  }

  // The firm's position first (one small read; `head`, when the page has read it already,
  // is that answer), then the list read after it and the stream resumed from it, side by
  // side: the list does not wait for the stream to connect.
  async start(head) {
    this.onState("connecting");
    window.addEventListener("online", this.onOnline);
    if (head === undefined) head = await this.session.request("/events").catch(() => null);
    if (this.stopped) return;
    if (head) {
      this.resumeFrom = head.last_seq;
      this.reload(head.last_seq);
    }
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    this.close();
    clearTimeout(this.timers.reconnect);
    clearInterval(this.timers.poll);
  }

  // Reads the list again (the page shows another range, or it must start afresh), after
  // the firm was at `position` (null: unknown). Events arriving meanwhile wait and are applied
  // afterwards: those up to `position` are in the list already, later ones in order (versions
  // keep that idempotent).
  async reload(position = this.lastSeq) {
    if (this.loading) {
      if (this.reloadFrom === undefined || this.reloadFrom === null) this.reloadFrom = position;
      else if (position !== null) this.reloadFrom = Math.max(this.reloadFrom, position);
      return;
    }
    this.loading = true;
    this.buffered = [];
    for (;;) {
      try {
        await this.load();
        break;
      } catch (err) {
        if (this.stopped || (err instanceof ApiError && err.status === 401)) return;
        // Keep what is shown and the events that arrive; try again shortly.
        await new Promise((resolve) => setTimeout(resolve, RELOAD_RETRY_MS));
      }
      if (this.stopped) return;
    }
    if (this.stopped) return;
    if (position !== null) this.lastSeq = Math.max(this.lastSeq ?? 0, position);
    this.loading = false;
    const waiting = this.buffered;
    this.buffered = [];
    for (const envelope of waiting) this.receive(envelope);
    this.loaded();
    if (this.reloadFrom !== undefined) {
      const again = this.reloadFrom;
      this.reloadFrom = undefined;
      await this.reload(again);
    }
  }

  // The page shows another range: read it now (after the read under way, if one is), unless
  // the first read (when the stream connects, or the first poll) is still to come and will
  // read it anyway.
  viewChanged() {
    if (this.loading || this.lastSeq !== null || this.timers.poll !== null) this.reload();
  }

  receive(envelope) {
    if (this.loading) {
      this.buffered.push(envelope);
      return;
    }
    // Before the first list is read there is nothing to apply to (the list will include
    // it); afterwards, an event at or below the position has been applied already.
    if (this.lastSeq === null || envelope.seq <= this.lastSeq) return;
    this.lastSeq = envelope.seq;
    if (EVENT_TYPES.includes(envelope.type)) this.apply(envelope);
    else this.notice(envelope);
  }

  close() {
    if (this.source) {
      this.source.close();
      this.source = null;
    }
  }

  async connect() {
    if (this.connecting || this.source || this.stopped) return;
    this.connecting = true;
    clearTimeout(this.timers.reconnect);
    let token;
    try {
      token = (await this.session.request("/events/stream-token", { method: "POST" })).token;
    } catch (_) {
      this.connecting = false;
      if (!this.stopped) this.failed();
      return;
    }
    this.connecting = false;
    if (this.stopped) return;
    const query = new URLSearchParams({ token });
    const from = this.lastSeq ?? this.resumeFrom;
    if (from !== null) query.set("last_event_id", String(from));
    const source = new EventSource(`${this.api}/events/stream?${query}`);
    this.source = source;
    source.addEventListener("connected", (event) => {
      this.isUp();
      // A first connection without a position reads the list now; on a resumed one the
      // missed events follow.
      if (this.lastSeq === null && this.resumeFrom === null) this.reload(JSON.parse(event.data).seq);
    });
    source.addEventListener("reset", (event) => this.reload(JSON.parse(event.data).seq));
    for (const type of [...EVENT_TYPES, ...NOTICE_TYPES]) {
      source.addEventListener(type, (event) => this.receive(JSON.parse(event.data)));
    }
    // The browser would reconnect by itself, but with the old short-lived token: we take
    // over, with a fresh token and our own position.
    source.onerror = () => {
      if (!this.stopped && this.source === source) this.failed();
    };
  }

  isUp() {
    this.up = true;
    this.reconnectDelay = 1000;
    this.onState("live");
    clearInterval(this.timers.poll);
    this.timers.poll = null;
  }

  failed() {
    this.close();
    this.up = false;
    this.onState("down");
    if (this.timers.poll === null) {
      this.poll();
      this.timers.poll = setInterval(() => this.poll(), this.pollMs);
    }
    clearTimeout(this.timers.reconnect);
    this.timers.reconnect = setTimeout(() => this.connect(), this.reconnectDelay);
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.maxReconnectMs);
  }

  // The fallback while the stream is down: the same events, fetched by position.
  async poll() {
    if (this.polling || this.up || this.stopped) return;
    this.polling = true;
    try {
      if (this.lastSeq === null) {
        const head = await this.session.request("/events"); // without `after`: the position
        if (!this.stopped) await this.reload(head.last_seq);
        return;
      }
      for (;;) {
        const page = await this.session.request(
          `/events?after=${this.lastSeq}&limit=${POLL_LIMIT}`,
        );
        if (this.stopped || this.up) return;
        if (page.reset) {
          await this.reload(page.last_seq);
          return;
        }
        for (const envelope of page.items) this.receive(envelope);
        // `last_seq` is where to poll from next: events hidden from this user move it too.
        if (!this.loading && page.last_seq > this.lastSeq) this.lastSeq = page.last_seq;
        if (page.items.length < POLL_LIMIT) return;
      }
    } catch (err) {
      // The event endpoints fail too: at least keep the list current by reading it whole.
      if (!this.stopped && !(err instanceof ApiError && err.status === 401)) {
        await this.reload(null);
      }
    } finally {
      this.polling = false;
    }
  }
}
