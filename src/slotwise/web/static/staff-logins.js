// The firm's staff logins (owners and directors only): invite, change name, role and
// specialist, deactivate and reactivate, and make a new set-password link. The server
// decides who may do what; its refusals are shown in the dialog where they happened.

import { localeTag, onLanguage } from "./i18n.js";
import {
  actionsCell, busy, button, cell, el, json, node, openDialog, refusal, showMessage, specialistName, state,
  status, t,
} from "./staff-dom.js";

const ROLES = ["owner", "director", "manager", "worker"];
let editing = null; // the login of the open dialog; null: an invitation
let confirming = null; // {user, action} of the confirm dialog
let shown = null; // {user, link} of the done view, to re-word it in another language

const nameOf = (user) => user.full_name || user.email;
const isMe = (user) => state.me && user.id === state.me.id;

function stateText(user) {
  if (!user.is_active) return t("logins.inactive");
  return user.has_password ? t("logins.active") : t("logins.noPassword");
}

function row(user) {
  const tr = node("tr", { attrs: { "data-user": user.id } });
  if (!user.is_active) tr.className = "inactive";
  const name = node("th", { attrs: { scope: "row", "data-label": t("logins.name") } }, [
    node("span", { text: user.full_name || "\u2014" }),
  ]);
  if (isMe(user)) name.append(" ", node("span", { className: "hint", text: t("logins.you") }));
  const badge = node("span", {
    className: `badge ${!user.is_active ? "badge-off" : user.has_password ? "badge-on" : "badge-wait"}`,
    text: stateText(user),
  });
  const of = { name: nameOf(user) };
  const actions = node("div", { className: "row-actions" }, [
    button(t("logins.change"), () => openUser(user), { name: t("logins.changeOf", of) }),
    user.is_active
      ? button(t("logins.deactivate"), () => askConfirm(user, "deactivate"),
        { name: t("logins.deactivateOf", of) })
      : button(t("logins.reactivate"), () => askConfirm(user, "reactivate"),
        { name: t("logins.reactivateOf", of) }),
    button(t("logins.reset"), () => askConfirm(user, "reset"), { name: t("logins.resetOf", of) }),
  ]);
  tr.append(
    name,
    cell(t("logins.email"), node("span", { className: "email", text: user.email })),
    cell(t("logins.role"), t(`role.${user.role}`)),
    cell(t("logins.specialist"), user.specialist_id ? specialistName(user.specialist_id) : "\u2014"),
    cell(t("logins.state"), badge),
    actionsCell(actions),
  );
  return tr;
}

export function renderLogins() {
  if (!state.me) return;
  const sorted = [...state.users].sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  el("logins-body").replaceChildren(...sorted.map(row));
}

export async function loadLogins() {
  try {
    state.users = await state.session.requestAll("/users");
    showMessage(el("logins-error"), "");
  } catch (err) {
    showMessage(el("logins-error"), refusal(err, t("logins.readFailed")));
  }
  renderLogins();
}

function keep(user) {
  const at = state.users.findIndex((u) => u.id === user.id);
  if (at >= 0) state.users[at] = user;
  else state.users.push(user);
  renderLogins();
}

// ------------------------------------------------------------ invite / change one login
function fillSelects(role, specialistId) {
  el("user-role").replaceChildren(...ROLES.map((r) => new Option(t(`role.${r}`), r)));
  el("user-role").value = role;
  const specialists = state.specialists.filter((s) => s.is_active || s.id === specialistId);
  el("user-specialist").replaceChildren(new Option(t("logins.noSpecialist"), ""),
    ...specialists.map((s) => new Option(s.name, s.id)));
  el("user-specialist").value = specialistId || "";
  roleHint();
}

function roleHint() {
  el("user-role-hint").textContent = t(`role.${el("user-role").value}.hint`);
}

function userTitle() {
  el("user-dialog-title").textContent = editing
    ? t("logins.changeTitle", { name: nameOf(editing) }) : t("logins.inviteTitle");
  el("user-save").textContent = editing ? t("common.save") : t("logins.inviteButton");
}

function passwordMode() {
  el("user-password-wrap").hidden = !el("user-mode-password").checked;
}

function openUser(user) {
  editing = user;
  shown = null;
  el("user-fields").hidden = false;
  el("user-done").hidden = true;
  userTitle();
  el("user-email").value = user ? user.email : "";
  el("user-email").disabled = Boolean(user);
  el("user-name").value = user ? user.full_name : "";
  fillSelects(user ? user.role : "worker", user ? user.specialist_id : null);
  el("user-password-choice").hidden = Boolean(user);
  el("user-mode-link").checked = true;
  el("user-password").value = "";
  passwordMode();
  showMessage(el("user-error"), "");
  openDialog(el("user-dialog"));
  (user ? el("user-name") : el("user-email")).focus();
}

function linkOf(token) {
  // The token goes in the fragment: browsers never send it to a server, nor in a referrer.
  return `${window.location.origin}/set-password#token=${encodeURIComponent(token)}`;
}

function validity(expiresAt) {
  const left = Date.parse(expiresAt) - Date.now();
  const hours = Math.max(1, Math.round(left / 3600000));
  const span = hours >= 48
    ? t("logins.days", { count: Math.round(hours / 24) }) : t("logins.hours", { count: hours });
  const when = new Intl.DateTimeFormat(localeTag(), { dateStyle: "full", timeStyle: "short" })
    .format(new Date(expiresAt));
  return t("logins.linkValid", { when, span });
}

function doneText() {
  const { user, link, reset } = shown;
  const name = nameOf(user);
  el("user-done-text").textContent = reset ? t("logins.resetDone", { name })
    : link ? t("logins.invitedLink", { name }) : t("logins.invitedPassword", { name });
  el("user-dialog-title").textContent = reset
    ? t("logins.resetTitle", { name }) : t("logins.invitedTitle");
  if (link) el("user-link-valid").textContent = validity(link.expires_at);
}

// The done view of the dialog: who it was, and the link to hand over with its validity.
function showDone(user, link, reset = false) {
  shown = { user, link, reset };
  el("user-fields").hidden = true;
  el("user-done").hidden = false;
  el("user-link-part").hidden = !link;
  el("user-link").value = link ? linkOf(link.set_password_token) : "";
  el("user-link-copied").textContent = "";
  doneText();
  openDialog(el("user-dialog"));
  (link ? el("user-link-copy") : el("user-done-close")).focus();
}

function checkInvite() {
  const email = el("user-email");
  email.value = email.value.trim();
  if (!email.value || !email.checkValidity()) return { field: email, text: t("logins.badEmail") };
  if (el("user-mode-password").checked && el("user-password").value.length < 8) {
    return { field: el("user-password"), text: t("logins.shortPassword") };
  }
  return null;
}

async function saveUser(event) {
  event.preventDefault();
  const problem = editing ? null : checkInvite();
  if (problem) {
    showMessage(el("user-error"), problem.text);
    problem.field.focus();
    return;
  }
  const specialistId = el("user-specialist").value || null;
  const role = el("user-role").value;
  const name = el("user-name").value.trim();
  await busy(el("user-save"), async () => {
    try {
      if (editing) {
        const changes = {};
        if (name !== editing.full_name) changes.full_name = name;
        if (role !== editing.role) changes.role = role;
        if (specialistId !== editing.specialist_id) changes.specialist_id = specialistId;
        const saved = await state.session.request(`/users/${editing.id}`, json("PATCH", changes));
        keep(saved);
        el("user-dialog").close();
        status(t("logins.saved", { name: nameOf(saved) }));
        return;
      }
      const body = { email: el("user-email").value, full_name: name, role };
      if (specialistId) body.specialist_id = specialistId;
      if (el("user-mode-password").checked) body.password = el("user-password").value;
      const created = await state.session.request("/users", json("POST", body));
      el("user-password").value = "";
      const { password_link: link, ...user } = created;
      keep(user);
      showDone(user, link);
    } catch (err) {
      showMessage(el("user-error"), refusal(err));
    }
  });
}

async function copyLink() {
  const input = el("user-link");
  try {
    await navigator.clipboard.writeText(input.value);
    el("user-link-copied").textContent = t("logins.copied");
  } catch (_) {
    input.focus();
    input.select();
    el("user-link-copied").textContent = t("logins.copyByHand");
  }
}

// ------------------------------------------------------------ deactivate, reactivate, reset
function confirmWords() {
  const { user, action } = confirming;
  const name = nameOf(user);
  el("confirm-dialog-title").textContent = t(`logins.${action}Title`, { name });
  el("confirm-text").textContent = t(`logins.${action}Text`, { name });
  el("confirm-yes").textContent = t(`logins.${action}Yes`);
}

function askConfirm(user, action) {
  confirming = { user, action };
  confirmWords();
  el("confirm-yes").className = action === "deactivate" ? "danger" : "primary";
  showMessage(el("confirm-error"), "");
  openDialog(el("confirm-dialog"));
  el("confirm-no").focus();
}

async function confirmed(event) {
  event.preventDefault();
  const { user, action } = confirming;
  await busy(el("confirm-yes"), async () => {
    try {
      if (action === "reset") {
        const link = await state.session.request(`/users/${user.id}/password-reset`,
          { method: "POST" });
        el("confirm-dialog").close();
        editing = user;
        showDone(user, link, true);
        return;
      }
      const saved = await state.session.request(`/users/${user.id}`,
        json("PATCH", { is_active: action === "reactivate" }));
      keep(saved);
      el("confirm-dialog").close();
      status(t(`logins.${action}d`, { name: nameOf(saved) }));
    } catch (err) {
      showMessage(el("confirm-error"), refusal(err));
    }
  });
}

export function closeLogins() {
  editing = confirming = shown = null;
}

el("login-invite").addEventListener("click", () => openUser(null));
el("user-form").addEventListener("submit", saveUser);
el("user-cancel").addEventListener("click", () => el("user-dialog").close());
el("user-done-close").addEventListener("click", () => el("user-dialog").close());
el("user-role").addEventListener("change", roleHint);
el("user-mode-link").addEventListener("change", passwordMode);
el("user-mode-password").addEventListener("change", passwordMode);
el("user-link-copy").addEventListener("click", copyLink);
el("user-dialog").addEventListener("close", () => {
  el("user-link").value = ""; // the link is not left in the page once handed over
  shown = null;
});
el("confirm-form").addEventListener("submit", confirmed);
el("confirm-no").addEventListener("click", () => el("confirm-dialog").close());
onLanguage(() => {
  if (el("user-dialog").open) {
    if (shown) {
      doneText();
    } else {
      userTitle();
      const role = el("user-role").value;
      const specialist = el("user-specialist").value;
      fillSelects(role, specialist);
    }
  }
  if (el("confirm-dialog").open && confirming) confirmWords();
});
