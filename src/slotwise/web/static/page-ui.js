// What the staff pages' modules (staff, connections, setup) all need alike: a message beside
// a form, a button busy while its request runs, a JSON request body, a page's short status
// line and refusals in the user's words. Each page binds its own element id and string keys.

import { refusalText } from "./i18n.js";
import { ApiError } from "./session.js";

export function showMessage(box, message) {
  box.textContent = message || "";
  box.hidden = !message;
}

// Runs `work` with `target` disabled and marked busy; a second click meanwhile does nothing.
export async function busy(target, work) {
  if (target.disabled) return undefined;
  target.disabled = true;
  target.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    target.disabled = false;
    target.removeAttribute("aria-busy");
  }
}

export const json = (method, body, headers = {}) => ({
  method,
  headers: { "Content-Type": "application/json", ...headers },
  body: JSON.stringify(body),
});

// A short note for the whole page ("Saved."), read out by screen readers, in the element
// `id`; it is cleared after `ms` unless a newer note replaced it.
export function statusLine(id, ms) {
  let timer;
  return (message) => {
    const line = document.getElementById(id);
    line.textContent = message;
    clearTimeout(timer);
    timer = setTimeout(() => { line.textContent = ""; }, ms);
  };
}

// An API refusal (or a network failure) in the user's words: the page's text for the code,
// else `fallback` (the page's own "refused" words by default).
export function refusalIn(t, { refused, unreachable }) {
  return (err, fallback = t(refused)) => {
    if (!(err instanceof ApiError)) return t(unreachable);
    return refusalText(t, err, fallback);
  };
}
