// The setup page: a firm's booking rules, its locations (with weekly hours and holidays), the
// workplaces of each location (with the services they offer) and its services, read and
// written through the public API. Owners and directors change everything, managers all but
// the booking rules; anyone else is told that the page is for the firm's managers.

import { onLanguage, translator } from "./i18n.js";
import { signIn } from "./signin.js";
import common from "./strings-common.js";
import strings from "./strings-setup.js";
import * as holidays from "./setup-holidays.js";
import * as hours from "./setup-hours.js";
import * as locations from "./setup-locations.js";
import * as offers from "./setup-offers.js";
import * as rules from "./setup-rules.js";
import * as services from "./setup-services.js";
import { el, refusal, say } from "./setup-ui.js";
import * as workplaces from "./setup-workplaces.js";

const API = document.body.dataset.api || "/api/v1";
const EDITORS = new Set(["owner", "director", "manager"]);
const RULE_EDITORS = new Set(["owner", "director"]);
const TABS = ["rules", "locations", "workplaces", "services"];

const t = translator(common, strings);

// What the sections share: the session, who is signed in, and the firm's lists as last read.
const ctx = {
  t,
  session: null,
  me: null,
  canEdit: false,
  canEditRules: false,
  firm: null,
  locations: [],
  workplaces: [],
  services: [],
  // A section changed a list: the sections that show it draw again.
  changed(what) {
    if (what === "locations") {
      locations.render();
      workplaces.render();
    } else if (what === "workplaces") {
      workplaces.render();
    } else if (what === "services") {
      services.render();
      workplaces.render();
    }
  },
  openHours: (location) => hours.open(location),
  openHolidays: (location) => holidays.open(location),
  openOffers: (workplace) => offers.open(workplace),
};

const SECTIONS = [rules, locations, hours, holidays, workplaces, offers, services];

// ---------------------------------------------------------------- tabs
function showTab(name, { focus = false } = {}) {
  const chosen = TABS.includes(name) ? name : "rules";
  for (const tab of TABS) {
    const button = el(`tab-${tab}`);
    const selected = tab === chosen;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    el(`panel-${tab}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
  if (location.hash !== `#${chosen}`) history.replaceState(null, "", `#${chosen}`);
}

for (const tab of TABS) {
  const button = el(`tab-${tab}`);
  button.addEventListener("click", () => showTab(tab));
  button.addEventListener("keydown", (event) => {
    const at = TABS.indexOf(tab);
    const to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1,
      Home: 0, End: TABS.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    showTab(TABS[(to + TABS.length) % TABS.length], { focus: true });
  });
}
window.addEventListener("hashchange", () => showTab(location.hash.slice(1)));

// ---------------------------------------------------------------- signed in and out
function zones() {
  const list = el("zones");
  if (list.childElementCount) return;
  const names = typeof Intl.supportedValuesOf === "function"
    ? Intl.supportedValuesOf("timeZone") : [];
  list.replaceChildren(...names.map((name) => new Option(name)));
}

async function start(session, me) {
  ctx.session = session;
  ctx.me = me;
  ctx.canEdit = EDITORS.has(me.role);
  ctx.canEditRules = RULE_EDITORS.has(me.role);
  el("setup-denied").hidden = ctx.canEdit;
  el("setup-body").hidden = !ctx.canEdit;
  say(el("setup-error"), "");
  if (!ctx.canEdit) return;
  zones();
  try {
    const [firm, locationList, workplaceList, serviceList] = await Promise.all([
      session.request("/firm"),
      session.requestAll("/locations"),
      session.requestAll("/workplaces"),
      session.requestAll("/services"),
    ]);
    Object.assign(ctx, {
      firm, locations: locationList, workplaces: workplaceList, services: serviceList,
    });
  } catch (err) {
    say(el("setup-error"), refusal(t, err));
    el("setup-body").hidden = true;
    return;
  }
  for (const section of SECTIONS) section.render();
  showTab(location.hash.slice(1));
}

function stop() {
  for (const section of SECTIONS) section.clear();
  Object.assign(ctx, {
    session: null, me: null, firm: null, locations: [], workplaces: [], services: [],
  });
}

for (const section of SECTIONS) section.init(ctx);
onLanguage(() => {
  if (ctx.canEdit && ctx.firm) for (const section of SECTIONS) section.render();
});
signIn({ api: API, page: "setup", t, start, stop });
