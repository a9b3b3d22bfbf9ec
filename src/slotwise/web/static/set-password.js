// The public set-password page: a new (or reset) login chooses its password with the token
// of its one-time link. The token comes in the URL's fragment, which the browser never sends
// to a server; it is taken out of the address bar at once, kept in memory only, and sent in
// the body of one POST. It is never logged, stored or put in a query string.

import { languagePicker, onLanguage, refusalText, translatePage, translator } from "./i18n.js";
import { ApiError, readBody } from "./session.js";
import common from "./strings-common.js";
import strings from "./strings-staff.js";

const API = document.body.dataset.api || "/api/v1";
const MIN_LENGTH = 8; // users/schemas.py: Password
const t = translator(common, strings);
const el = (id) => document.getElementById(id);

function readToken() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get("token");
  if (window.location.hash) {
    // Out of the address bar, the history and any bookmark made from here on.
    window.history.replaceState(null, "", window.location.pathname);
  }
  return token;
}

const token = readToken();

function showError(message) {
  el("set-password-error").textContent = message || "";
  el("set-password-error").hidden = !message;
}

function invalid() {
  el("set-password-form").hidden = true;
  el("set-password-invalid").hidden = false;
}

async function submit(event) {
  event.preventDefault();
  const password = el("new-password").value;
  const again = el("new-password-again").value;
  if (password.length < MIN_LENGTH) {
    showError(t("setPassword.short"));
    el("new-password").focus();
    return;
  }
  if (password !== again) {
    showError(t("setPassword.mismatch"));
    el("new-password-again").focus();
    return;
  }
  showError("");
  const button = el("set-password-submit");
  button.disabled = true;
  try {
    const response = await fetch(`${API}/auth/set-password`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token, password }),
      referrerPolicy: "no-referrer",
      cache: "no-store",
    });
    if (response.ok) {
      el("new-password").value = "";
      el("new-password-again").value = "";
      el("set-password-form").hidden = true;
      el("set-password-done").hidden = false;
      el("set-password-done").querySelector("a").focus();
      return;
    }
    const err = new ApiError(response.status, await readBody(response));
    if (err.code === "password_link_invalid") invalid();
    else showError(refusalText(t, err, t("setPassword.failed")));
  } catch (_) {
    showError(t("common.unreachable"));
  } finally {
    button.disabled = false;
  }
}

translatePage(t);
onLanguage(() => translatePage(t));
languagePicker(el("language"));
el("set-password-form").addEventListener("submit", submit);
if (token) el("new-password").focus();
else invalid();
