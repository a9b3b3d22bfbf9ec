// Signing in and out, the same on every staff page: the form and its messages, the topbar
// (the user, the links their role may use, the language), a session kept across reloads of
// the tab, and back to the form when it ends.

import { languagePicker, onLanguage, setLanguage, translatePage } from "./i18n.js";
import { ApiError, Session, SESSION_ENDED } from "./session.js";

const el = (id) => document.getElementById(id);

// `t` is the page's translator (i18n.translator). `start(session, me)` reads what the page
// needs and shows it; `stop()` clears the page when the session ends. `page` is the id of
// the element shown signed in.
export function signIn({ api, page, t, start, stop }) {
  let session = null;

  function showLinks(role) {
    for (const link of document.querySelectorAll(".pages a[data-roles]")) {
      link.hidden = !role || !link.dataset.roles.split(" ").includes(role);
    }
  }

  function showLogin(message) {
    el(page).hidden = true;
    el("who").hidden = true;
    showLinks(null);
    el("login").hidden = false;
    const error = el("login-error");
    error.textContent = message || "";
    error.hidden = !message;
    el("login-email").focus();
  }

  function ended(message) {
    session = null;
    stop();
    showLogin(message === SESSION_ENDED ? t("signin.ended") : message);
  }

  async function begin() {
    const me = await session.request("/me");
    // The login's own choice wins; else this browser's, else the firm's.
    if (me.locale) setLanguage(me.locale, { chosen: true });
    else setLanguage(me.firm.default_locale);
    await start(session, me);
    el("login").hidden = true;
    el("who-name").textContent = `${me.full_name || me.email} \u00b7 ${me.firm.name}`;
    el("who").hidden = false;
    showLinks(me.role);
    el(page).hidden = false;
    el("main").focus();
  }

  async function onLogin(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const email = el("login-email").value.trim();
    const password = el("login-password").value;
    if (!email || !password) {
      showLogin(t("signin.missing"));
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
      const message = !(err instanceof ApiError) ? t("common.unreachable")
        : err.status === 401 ? t("signin.wrong")
        : err.status === 429 ? t("signin.tooMany")
        : err.message || t("signin.failed");
      if (session) session.end(message);
      else showLogin(message);
    } finally {
      el("login-submit").disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  translatePage(t);
  onLanguage(() => translatePage(t));
  languagePicker(el("language"), (lang) => {
    // Kept with the login, so that it follows the user to another device.
    if (session) {
      session.request("/me", {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ locale: lang }),
      }).catch(() => {});
    }
  });
  el("login-form").addEventListener("submit", onLogin);
  el("sign-out").addEventListener("click", () => {
    if (session) session.end("");
  });
  session = Session.restore(api, ended);
  if (session) {
    begin().catch(() => {
      if (session) session.end(t("signin.again"));
    });
  } else {
    showLogin("");
  }
}
