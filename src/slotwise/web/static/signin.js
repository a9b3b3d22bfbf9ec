// Signing in and out, the same on every staff page: the form and its messages, the "who"
// bar, a session kept across reloads of the tab, and back to the form when it ends.

import { ApiError, Session } from "./session.js";

const el = (id) => document.getElementById(id);

// `start(session)` reads what the page needs and shows it (it returns the user, from /me);
// `stop()` clears the page when the session ends. `page` is the element shown signed in.
export function signIn({ api, page, start, stop }) {
  let session = null;

  function showLogin(message) {
    el(page).hidden = true;
    el("who").hidden = true;
    el("login").hidden = false;
    const error = el("login-error");
    error.textContent = message || "";
    error.hidden = !message;
    el("login-email").focus();
  }

  function ended(message) {
    session = null;
    stop();
    showLogin(message);
  }

  async function begin() {
    const me = await start(session);
    el("login").hidden = true;
    el("who-name").textContent = `${me.full_name || me.email} \u00b7 ${me.firm.name}`;
    el("who").hidden = false;
    el(page).hidden = false;
    el("main").focus();
  }

  async function onLogin(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const email = el("login-email").value.trim();
    const password = el("login-password").value;
    if (!email || !password) {
      showLogin("Enter your email and password.");
      return;
    }
    el("login-submit").disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      session = await Session.login(api, ended, { email, password,
                                                  firm: el("login-firm").value.trim() });
      el("login-password").value = "";
      await begin();
    } catch (err) {
      const message = err instanceof ApiError ? err.message
        : "The server cannot be reached. Please try again.";
      if (session) session.end(message);
      else showLogin(message);
    } finally {
      el("login-submit").disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  el("login-form").addEventListener("submit", onLogin);
  el("sign-out").addEventListener("click", () => {
    if (session) session.end("");
  });
  session = Session.restore(api, ended);
  if (session) {
    begin().catch(() => {
      if (session) session.end("Please sign in again.");
    });
  } else {
    showLogin("");
  }
}
