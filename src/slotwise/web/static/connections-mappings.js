// The mapping tab: each external staff member and service, and the specialist or service it
// is here. A suggestion (matched by name) comes preselected and is confirmed by saving; "Not
// mapped" is a choice that shows as such. Only what changed, and the suggestions seen, are
// sent; what was chosen and not saved yet survives a refresh and a change of language.

import { localeTag } from "./i18n.js";
import {
  badge, busy, byName, el, json, locationOf, node, refusal, showMessage, specialistsAt, state, t,
} from "./connections-dom.js";

let chosen = new Map(); // "<kind>:<external id>" → the chosen target id, "" for none

const keyOf = (mapping) => `${mapping.kind}:${mapping.external_id}`;
const stored = (mapping) => mapping.target_id || "";
const valueOf = (mapping) => (chosen.has(keyOf(mapping)) ? chosen.get(keyOf(mapping)) : stored(mapping));

export function resetMappings() {
  chosen = new Map();
  showMessage(el("mapping-error"), "");
  el("mapping-done").textContent = "";
}

const current = () => state.connections.find((c) => c.id === state.selected) || null;

// What may be chosen: the active specialists of the connection's location, or the active
// services; a target set before that no longer fits stays choosable, marked.
function choices(mapping, connection) {
  const staff = mapping.kind === "staff";
  const list = staff
    ? specialistsAt(connection.location_id)
    : state.services.filter((s) => s.is_active).sort(byName);
  const options = [new Option(t("mapping.none"), "")];
  for (const item of list) options.push(new Option(item.name, item.id));
  const target = stored(mapping);
  if (target && !list.some((item) => item.id === target)) {
    const all = staff ? state.specialists : state.services;
    const found = all.find((item) => item.id === target);
    const name = found ? found.name : t("connections.unknown");
    options.push(new Option(t(staff ? "mapping.notHere" : "mapping.inactive", { name }), target));
  }
  return options;
}

function stateBadge(mapping) {
  const value = valueOf(mapping);
  if (value !== stored(mapping)) return badge(t("mapping.changed"), "wait");
  if (!value) return badge(t("mapping.unmapped"), "failing");
  if (mapping.suggested) return badge(t("mapping.suggested"), "wait");
  return badge(t("mapping.mapped"), "ok");
}

function row(mapping, connection) {
  const name = mapping.external_name.trim() || t("mapping.noName");
  const select = node("select", {
    attrs: { "aria-label": t("mapping.targetOf", { name }), "data-key": keyOf(mapping) },
  });
  select.append(...choices(mapping, connection));
  select.value = valueOf(mapping);
  const stateCell = node("td", { className: "mapping-state", attrs: { "data-label": t("mapping.state") } },
    [stateBadge(mapping)]);
  const tr = node("tr", { className: valueOf(mapping) ? "" : "unmapped" }, [
    node("th", { attrs: { scope: "row", "data-label": t("mapping.external") } }, [
      node("span", { text: name }),
      node("span", { className: "hint block", text: t("record.id", { id: mapping.external_id }) }),
    ]),
    node("td", { attrs: { "data-label": t(mapping.kind === "staff" ? "mapping.targetStaff" : "mapping.targetService") } },
      [select]),
    stateCell,
  ]);
  select.addEventListener("change", () => {
    chosen.set(keyOf(mapping), select.value);
    tr.className = select.value ? "" : "unmapped";
    stateCell.replaceChildren(stateBadge(mapping));
    el("mapping-done").textContent = "";
  });
  return tr;
}

export function renderMappings() {
  const connection = current();
  const mappings = state.detail && state.detail.mappings;
  if (!connection || !mappings) return;
  // Drawn again (a refresh, another language) under the keyboard's focus: it stays put.
  const focused = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.key : null;
  for (const kind of ["staff", "service"]) {
    const rows = mappings.filter((m) => m.kind === kind)
      .sort((a, b) => a.external_name.localeCompare(b.external_name, localeTag(), { sensitivity: "base" }));
    el(`mapping-${kind}`).replaceChildren(...rows.map((m) => row(m, connection)));
    el(`mapping-${kind}-table`).hidden = rows.length === 0;
    el(`mapping-${kind}-empty`).hidden = rows.length > 0;
  }
  const place = locationOf(connection);
  el("mapping-staff-hint").textContent = t("mapping.staffHint", { location: place ? place.name : "" });
  el("mapping-actions").hidden = mappings.length === 0;
  if (focused) {
    const again = el("mapping-form").querySelector(`select[data-key="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

async function save(event) {
  event.preventDefault();
  const connection = current();
  const mappings = state.detail && state.detail.mappings;
  if (!connection || !mappings) return;
  // A suggestion kept as it was is confirmed: the person has seen it and saved.
  const body = mappings
    .filter((m) => valueOf(m) !== stored(m) || (m.suggested && valueOf(m)))
    .map((m) => ({ kind: m.kind, external_id: m.external_id, target_id: valueOf(m) || null }));
  showMessage(el("mapping-error"), "");
  if (body.length === 0) {
    el("mapping-done").textContent = t("mapping.nothing");
    return;
  }
  await busy(el("mapping-save"), async () => {
    try {
      const answer = await state.session.request(`/connections/${connection.id}/mappings`, json("PUT", body));
      if (state.selected !== connection.id) return;
      state.detail.mappings = answer;
      chosen = new Map();
      renderMappings();
      const unmapped = answer.filter((m) => !m.target_id).length;
      const held = state.detail.status ? state.detail.status.held.needs_mapping : 0;
      el("mapping-done").textContent = [
        t("mapping.saved"),
        unmapped ? t("mapping.stillUnmapped", { count: unmapped }) : "",
        held ? t("mapping.heldNext") : "",
      ].filter(Boolean).join(" ");
      const box = el("count-mapping");
      box.hidden = !unmapped;
      box.textContent = unmapped ? String(unmapped) : "";
    } catch (err) {
      showMessage(el("mapping-error"), refusal(err));
    }
  });
}

el("mapping-form").addEventListener("submit", save);
el("mapping-reset").addEventListener("click", () => {
  resetMappings();
  renderMappings();
});
