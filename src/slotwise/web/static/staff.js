// The staff page: the firm's specialists (their services, weekly hours and breaks) for
// owners, directors and managers, and the staff logins for owners and directors. Everything
// is read and written through the public API; a refusal is shown in words where it happened.

import { onLanguage } from "./i18n.js";
import { signIn } from "./signin.js";
import { closeLogins, loadLogins, renderLogins } from "./staff-logins.js";
import { closeSpecialists, renderSpecialists } from "./staff-specialists.js";
import { el, showMessage, state, t, refusal } from "./staff-dom.js";

const API = document.body.dataset.api || "/api/v1";
const ADMINS = new Set(["owner", "director", "manager"]);
const OPERATORS = new Set(["owner", "director"]);

async function loadLinks() {
  // The services column: one small read per specialist, side by side.
  await Promise.all(state.specialists.map(async (s) => {
    try {
      state.links.set(s.id, await state.session.request(`/specialists/${s.id}/services`));
    } catch (_) {
      state.links.delete(s.id);
    }
  }));
  renderSpecialists();
}

async function start(session, me) {
  state.session = session;
  state.me = me;
  const admin = ADMINS.has(me.role);
  el("staff-denied").hidden = admin;
  el("specialists").hidden = !admin;
  el("logins").hidden = !admin;
  if (!admin) return;
  const operator = OPERATORS.has(me.role);
  el("logins-part").hidden = !operator;
  el("login-invite").hidden = !operator;
  el("logins-denied").hidden = operator;
  try {
    [state.specialists, state.services, state.locations, state.workplaces] = await Promise.all([
      session.requestAll("/specialists"),
      session.requestAll("/services"),
      session.requestAll("/locations"),
      session.requestAll("/workplaces"),
    ]);
    showMessage(el("specialists-error"), "");
  } catch (err) {
    showMessage(el("specialists-error"), refusal(err, t("specialists.readFailed")));
  }
  renderSpecialists();
  loadLinks();
  if (operator) await loadLogins();
}

function stop() {
  closeSpecialists();
  closeLogins();
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  Object.assign(state, {
    session: null, me: null, specialists: [], services: [], locations: [], workplaces: [],
    links: new Map(), users: [],
  });
  el("specialists-body").replaceChildren();
  el("logins-body").replaceChildren();
  el("staff-status").textContent = "";
}

onLanguage(() => {
  if (!state.me) return;
  renderSpecialists();
  renderLogins();
});

signIn({ api: API, page: "staff", t, start, stop });
