// The signed-in user's tokens and authenticated calls to the API. The tokens live in memory
// and in sessionStorage (this tab only, gone when it closes); the access token is renewed
// before it expires.

const STORAGE_KEY = "slotwise.board.session";
const RETRY_REFRESH_MS = 10000;
// The reason `onEnded` gets when the server no longer accepts the session (the page words it).
export const SESSION_ENDED = "session-ended";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.details = body && body.details;
  }
}

export async function readBody(response) {
  try {
    return await response.json();
  } catch (_) {
    return null;
  }
}

function saved() {
  try {
    const tokens = JSON.parse(sessionStorage.getItem(STORAGE_KEY));
    return tokens && tokens.access && tokens.refresh ? tokens : null;
  } catch (_) {
    return null;
  }
}

export class Session {
  // `onEnded(message)` runs once, when the session ends: "" (signed out), SESSION_ENDED (it
  // can't be renewed) or the message the page passed to `end`.
  constructor(api, onEnded) {
    this.api = api;
    this.onEnded = onEnded;
    this.tokens = null;
    this.timer = null;
    this.refreshing = null;
    this.ended = false;
  }

  // The session this tab already had (a reload), or null.
  static restore(api, onEnded) {
    const tokens = saved();
    if (!tokens) return null;
    const session = new Session(api, onEnded);
    session.tokens = tokens;
    session.scheduleRefresh();
    return session;
  }

  // OAuth2 password login; a refusal is an ApiError (401: wrong email or password).
  static async login(api, onEnded, { email, password, firm }) {
    const form = new URLSearchParams({ username: email, password });
    if (firm) form.set("client_id", firm);
    const response = await fetch(`${api}/auth/token`, { method: "POST", body: form });
    const body = await readBody(response);
    if (!response.ok) throw new ApiError(response.status, body);
    const session = new Session(api, onEnded);
    session.keep(body);
    return session;
  }

  keep(pair) {
    this.tokens = {
      access: pair.access_token,
      refresh: pair.refresh_token,
      expiresAt: Date.now() + pair.expires_in * 1000,
    };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.tokens));
    this.scheduleRefresh();
  }

  scheduleRefresh(delay) {
    clearTimeout(this.timer);
    if (this.ended) return;
    if (delay === undefined) {
      const left = this.tokens.expiresAt - Date.now();
      // A minute before expiry (or at 80% of a short lifetime): no call meets a token that
      // has just run out.
      delay = Math.max(1000, Math.min(left - 60000, left * 0.8));
    }
    this.timer = setTimeout(() => this.refresh().catch(() => {}), delay);
  }

  refresh() {
    if (!this.refreshing) {
      this.refreshing = this.renew().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  async renew() {
    if (this.ended) throw new ApiError(401, null);
    let response;
    try {
      response = await fetch(`${this.api}/auth/refresh`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: this.tokens.refresh }),
      });
    } catch (err) {
      this.scheduleRefresh(RETRY_REFRESH_MS); // offline is not signed out: try again
      throw err;
    }
    if (this.ended) throw new ApiError(401, null);
    if (response.status === 401 || response.status === 422) {
      this.end(SESSION_ENDED);
      throw new ApiError(401, await readBody(response));
    }
    if (!response.ok) {
      this.scheduleRefresh(RETRY_REFRESH_MS);
      throw new ApiError(response.status, await readBody(response));
    }
    this.keep(await response.json());
  }

  // An authenticated call; JSON back, or an ApiError. A 401 renews the token once.
  async request(path, options = {}, retried = false) {
    if (this.ended) throw new ApiError(401, null);
    const response = await fetch(this.api + path, {
      ...options,
      headers: { ...(options.headers || {}), Authorization: `Bearer ${this.tokens.access}` },
    });
    if (this.ended) throw new ApiError(401, null);
    if (response.status === 401 && !retried) {
      await this.refresh();
      return this.request(path, options, true);
    }
    if (response.status === 401) this.end(SESSION_ENDED);
    if (!response.ok) throw new ApiError(response.status, await readBody(response));
    return response.status === 204 ? null : response.json();
  }

  // Every page of a list endpoint (they cap `limit` at 500).
  async requestAll(path) {
    const items = [];
    const sep = path.includes("?") ? "&" : "?";
    for (;;) {
      const page = await this.request(`${path}${sep}limit=500&offset=${items.length}`);
      items.push(...page.items);
      if (page.items.length === 0 || items.length >= page.total) return items;
    }
  }

  end(message) {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    sessionStorage.removeItem(STORAGE_KEY);
    fetch(`${this.api}/auth/logout`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: this.tokens.refresh }),
    }).catch(() => {});
    this.onEnded(message);
  }
}
