// One specialist's breaks on dates, from today on: add, change (the form below the list
// takes the break's values) and delete (asked in the row first).

import { onLanguage } from "./i18n.js";
import {
  actionsCell, busy, button, cell, el, formatDate, hhmm, json, node, openDialog, refusal, showMessage, state,
  status, t, todayIn,
} from "./staff-dom.js";

let current = null; // {specialist, breaks, editing}

const order = (a, b) => (a.date + a.start_time).localeCompare(b.date + b.start_time);

function title() {
  el("breaks-dialog-title").textContent = t("breaks.title", { name: current.specialist.name });
}

function row(item) {
  const when = `${hhmm(item.start_time)}\u2013${hhmm(item.end_time)}`;
  const date = formatDate(item.date);
  const tr = node("tr", { attrs: { "data-break": item.id } });
  const actions = node("div", { className: "row-actions" });
  const of = { date, time: when };
  const plain = () => actions.replaceChildren(
    button(t("breaks.edit"), () => edit(item), { name: t("breaks.editOf", of) }),
    button(t("breaks.delete"), ask, { name: t("breaks.deleteOf", of), className: "danger-text" }),
  );
  function ask() {
    const yes = button(t("breaks.deleteYes"), () => remove(item, yes), { className: "danger" });
    const no = button(t("breaks.deleteNo"), () => { plain(); actions.firstChild.focus(); });
    actions.replaceChildren(node("span", { text: t("breaks.deleteQuestion") }), yes, no);
    no.focus();
  }
  plain();
  tr.append(
    node("th", { text: date, attrs: { scope: "row", "data-label": t("breaks.date") } }),
    cell(t("breaks.time"), when),
    cell(t("breaks.reason"), item.reason || "\u2014"),
    actionsCell(actions),
  );
  return tr;
}

function render() {
  current.breaks.sort(order);
  el("breaks-body").replaceChildren(...current.breaks.map(row));
  el("breaks-empty").hidden = current.breaks.length > 0;
}

function resetForm() {
  current.editing = null;
  el("break-form-title").textContent = t("breaks.add");
  el("break-save").textContent = t("breaks.addButton");
  el("break-edit-cancel").hidden = true;
  el("break-date").value = el("break-date").value || todayIn(state.me.firm.time_zone);
  el("break-start").value = "";
  el("break-end").value = "";
  el("break-reason").value = "";
  showMessage(el("break-error"), "");
}

function edit(item) {
  current.editing = item;
  el("break-form-title").textContent = t("breaks.editTitle", { date: formatDate(item.date) });
  el("break-save").textContent = t("breaks.saveChanges");
  el("break-edit-cancel").hidden = false;
  el("break-date").value = item.date;
  el("break-start").value = hhmm(item.start_time);
  el("break-end").value = hhmm(item.end_time);
  el("break-reason").value = item.reason;
  showMessage(el("break-error"), "");
  el("break-date").focus();
}

export async function openBreaks(specialist) {
  current = { specialist, breaks: [], editing: null };
  title();
  el("breaks-body").replaceChildren();
  el("breaks-empty").hidden = true;
  showMessage(el("breaks-list-error"), "");
  el("break-date").value = "";
  resetForm();
  openDialog(el("breaks-dialog"));
  el("break-date").focus();
  try {
    const from = todayIn(state.me.firm.time_zone);
    current.breaks = await state.session.request(
      `/specialists/${specialist.id}/breaks?from=${from}`,
    );
    render();
  } catch (err) {
    showMessage(el("breaks-list-error"), refusal(err));
  }
}

async function remove(item, target) {
  await busy(target, async () => {
    try {
      await state.session.request(`/specialists/${current.specialist.id}/breaks/${item.id}`,
        { method: "DELETE" });
      current.breaks = current.breaks.filter((b) => b.id !== item.id);
      if (current.editing && current.editing.id === item.id) resetForm();
      render();
      showMessage(el("breaks-list-error"), "");
      status(t("breaks.deleted"));
      el("break-date").focus();
    } catch (err) {
      showMessage(el("breaks-list-error"), refusal(err));
    }
  });
}

async function save(event) {
  event.preventDefault();
  const body = {
    date: el("break-date").value,
    start_time: el("break-start").value,
    end_time: el("break-end").value,
    reason: el("break-reason").value.trim(),
  };
  if (!body.date || !body.start_time || !body.end_time) {
    showMessage(el("break-error"), t("breaks.missing"));
    return;
  }
  if (body.end_time <= body.start_time) {
    showMessage(el("break-error"), t("breaks.endBeforeStart"));
    el("break-end").focus();
    return;
  }
  const base = `/specialists/${current.specialist.id}/breaks`;
  const editing = current.editing;
  await busy(el("break-save"), async () => {
    try {
      const saved = editing
        ? await state.session.request(`${base}/${editing.id}`, json("PATCH", body))
        : await state.session.request(base, json("POST", body));
      current.breaks = current.breaks.filter((b) => b.id !== saved.id);
      current.breaks.push(saved);
      render();
      const date = el("break-date").value;
      resetForm();
      el("break-date").value = date;
      status(t(editing ? "breaks.changed" : "breaks.added", { date: formatDate(saved.date) }));
      el("break-start").focus();
    } catch (err) {
      showMessage(el("break-error"), refusal(err));
    }
  });
}

el("break-form").addEventListener("submit", save);
el("break-edit-cancel").addEventListener("click", () => {
  resetForm();
  el("break-date").focus();
});
el("breaks-close").addEventListener("click", () => el("breaks-dialog").close());
onLanguage(() => {
  if (!el("breaks-dialog").open || !current) return;
  title();
  render();
  if (current.editing) {
    el("break-form-title").textContent = t("breaks.editTitle", { date: formatDate(current.editing.date) });
    el("break-save").textContent = t("breaks.saveChanges");
  } else {
    el("break-form-title").textContent = t("breaks.add");
    el("break-save").textContent = t("breaks.addButton");
  }
});
