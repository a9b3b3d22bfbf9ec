// The specialists' table and the dialog of one specialist: name, specialization, whether
// they can be booked, and deleting them (refused while they have appointments or a login:
// then the dialog offers to deactivate them instead).

import { onLanguage } from "./i18n.js";
import {
  actionsCell, busy, button, byName, cell, el, json, node, openDialog, refusal, showMessage, state, status, t,
} from "./staff-dom.js";
import { renderLogins } from "./staff-logins.js";
import { openBreaks } from "./staff-breaks.js";
import { openServices } from "./staff-services.js";
import { openWeek } from "./staff-week.js";

let editing = null; // the specialist of the open dialog; null: a new one

function servicesText(specialist) {
  const links = state.links.get(specialist.id);
  if (!links) return "\u2026";
  const names = links.filter((l) => l.is_active)
    .map((l) => (state.services.find((s) => s.id === l.service_id) || {}).name)
    .filter(Boolean);
  return names.length ? names.join(", ") : t("specialists.noServices");
}

function row(specialist) {
  const tr = node("tr", { attrs: { "data-specialist": specialist.id } });
  if (!specialist.is_active) tr.className = "inactive";
  const name = node("th", { attrs: { scope: "row", "data-label": t("specialists.name") } }, [
    node("span", { text: specialist.name }),
  ]);
  const badge = node("span", {
    className: `badge ${specialist.is_active ? "badge-on" : "badge-off"}`,
    text: t(specialist.is_active ? "specialists.active" : "specialists.inactive"),
  });
  const of = { name: specialist.name };
  tr.append(
    name,
    cell(t("specialists.specialization"), specialist.specialization || "\u2014"),
    cell(t("specialists.status"), badge),
    cell(t("specialists.services"), servicesText(specialist)),
    actionsCell(node("div", { className: "row-actions" }, [
      button(t("specialists.edit"), () => openSpecialist(specialist),
        { name: t("specialists.editOf", of) }),
      button(t("specialists.servicesButton"), () => openServices(specialist),
        { name: t("specialists.servicesOf", of) }),
      button(t("specialists.week"), () => openWeek(specialist),
        { name: t("specialists.weekOf", of) }),
      button(t("specialists.breaks"), () => openBreaks(specialist),
        { name: t("specialists.breaksOf", of) }),
    ])),
  );
  return tr;
}

export function renderSpecialists() {
  state.specialists.sort(byName);
  el("specialists-body").replaceChildren(...state.specialists.map(row));
  const none = state.specialists.length === 0;
  el("specialists-empty").hidden = !none;
  el("specialists-table").hidden = none;
}

// A specialist as the API answered, into the page's list (and the tables that name them).
export function keepSpecialist(specialist) {
  const at = state.specialists.findIndex((s) => s.id === specialist.id);
  if (at >= 0) state.specialists[at] = specialist;
  else state.specialists.push(specialist);
  renderSpecialists();
  renderLogins();
}

function dialogTitle() {
  el("specialist-dialog-title").textContent = editing
    ? t("specialists.editTitle", { name: editing.name }) : t("specialists.addTitle");
}

function openSpecialist(specialist) {
  editing = specialist;
  dialogTitle();
  el("specialist-name").value = specialist ? specialist.name : "";
  el("specialist-specialization").value = specialist ? specialist.specialization : "";
  el("specialist-active").checked = specialist ? specialist.is_active : true;
  el("specialist-delete").hidden = !specialist;
  el("specialist-confirm").hidden = true;
  el("specialist-retire").hidden = true;
  showMessage(el("specialist-error"), "");
  el("specialist-name").removeAttribute("aria-invalid");
  openDialog(el("specialist-dialog"));
  el("specialist-name").focus();
}

async function save(event) {
  event.preventDefault();
  const name = el("specialist-name").value.trim();
  if (!name) {
    el("specialist-name").setAttribute("aria-invalid", "true");
    showMessage(el("specialist-error"), t("specialists.nameMissing"));
    el("specialist-name").focus();
    return;
  }
  el("specialist-name").removeAttribute("aria-invalid");
  const body = {
    name,
    specialization: el("specialist-specialization").value.trim(),
    is_active: el("specialist-active").checked,
  };
  await busy(el("specialist-save"), async () => {
    try {
      const saved = editing
        ? await state.session.request(`/specialists/${editing.id}`, json("PATCH", body))
        : await state.session.request("/specialists", json("POST", body));
      if (!editing) state.links.set(saved.id, []);
      keepSpecialist(saved);
      el("specialist-dialog").close();
      status(t("specialists.saved", { name: saved.name }));
    } catch (err) {
      showMessage(el("specialist-error"), refusal(err));
    }
  });
}

function askDelete() {
  el("specialist-confirm-text").textContent = t("specialists.deleteQuestion", { name: editing.name });
  el("specialist-confirm").hidden = false;
  el("specialist-retire").hidden = true;
  el("specialist-delete-no").focus();
}

async function remove() {
  const specialist = editing;
  await busy(el("specialist-delete-yes"), async () => {
    try {
      await state.session.request(`/specialists/${specialist.id}`, { method: "DELETE" });
      state.specialists = state.specialists.filter((s) => s.id !== specialist.id);
      state.links.delete(specialist.id);
      renderSpecialists();
      el("specialist-dialog").close();
      status(t("specialists.deleted", { name: specialist.name }));
    } catch (err) {
      el("specialist-confirm").hidden = true;
      showMessage(el("specialist-error"), refusal(err));
      // Kept by their history or their login: retiring them is what is left.
      const kept = err.code === "specialist_in_use" || err.code === "specialist_linked_to_user";
      el("specialist-retire").hidden = !(kept && specialist.is_active);
      if (!el("specialist-retire").hidden) el("specialist-retire-yes").focus();
    }
  });
}

async function retire() {
  const specialist = editing;
  await busy(el("specialist-retire-yes"), async () => {
    try {
      const saved = await state.session.request(
        `/specialists/${specialist.id}`, json("PATCH", { is_active: false }),
      );
      keepSpecialist(saved);
      el("specialist-dialog").close();
      status(t("specialists.retired", { name: saved.name }));
    } catch (err) {
      showMessage(el("specialist-error"), refusal(err));
    }
  });
}

export function closeSpecialists() {
  editing = null;
}

el("specialist-add").addEventListener("click", () => openSpecialist(null));
el("specialist-form").addEventListener("submit", save);
el("specialist-cancel").addEventListener("click", () => el("specialist-dialog").close());
el("specialist-delete").addEventListener("click", askDelete);
el("specialist-delete-no").addEventListener("click", () => {
  el("specialist-confirm").hidden = true;
  el("specialist-delete").focus();
});
el("specialist-delete-yes").addEventListener("click", remove);
el("specialist-retire-yes").addEventListener("click", retire);
onLanguage(() => {
  if (el("specialist-dialog").open) dialogTitle();
  if (!el("specialist-confirm").hidden && editing) {
    el("specialist-confirm-text").textContent = t("specialists.deleteQuestion", { name: editing.name });
  }
});
