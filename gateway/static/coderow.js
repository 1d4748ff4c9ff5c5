// One row of the QR codes list: its cells, the inline editor, the disable/enable toggle.

import { count, el, localInputValue, timeOf } from "./dom.js";

/** What stops a code's links from redirecting now ("" when they redirect). */
export function blockedBy(record, nowMs = Date.now()) {
  if (record.disabled) return "Disabled";
  if (record.expiry !== null && record.expiry <= nowMs) return "Expired";
  if (record.maxScans !== null && record.scans.total >= record.maxScans) return "Limit reached";
  return "";
}

/**
 * A <tr> for `record`. `save(record, changes)` and `toggle(record)` return promises that
 * settle once the list has the answer; the row is then drawn again by the list.
 */
export function codeRow(record, { save, toggle }) {
  const tr = el("tr", { "data-id": record.id, "data-uid": String(record.uid) });
  tr.append(...viewCells(record, tr, { save, toggle }));
  return tr;
}

function viewCells(record, tr, handlers) {
  const blocked = blockedBy(record);
  const edit = el("button", { type: "button", class: "quiet small", "data-action": "edit",
    "aria-label": `Edit ${record.uid}` }, "Edit");
  edit.addEventListener("click", () => startEditing(record, tr, handlers));
  const toggleLabel = record.disabled ? "Enable" : "Disable";
  const toggle = el("button", { type: "button", class: "quiet small", "data-action": "toggle",
    "aria-label": `${toggleLabel} ${record.uid}` }, toggleLabel);
  toggle.addEventListener("click", () => busy(toggle, handlers.toggle(record)));
  return [
    cell("Code", codeLink(record), el("span", { class: "sub" }, record.url)),
    cell("Destination", el("span", { class: "destination" }, record.destination)),
    cell("Scans", el("span", { class: "count" }, count(record.scans.total))),
    cell("Expiry", record.expiry === null ? "Never" : timeOf(record.expiry)),
    cell("State", el("span", { class: `badge ${blocked ? "state-off" : "state-on"}` },
      blocked || "Active")),
    cell("Actions", el("div", { class: "row-actions" }, edit, toggle)),
  ];
}

function codeLink(record) {
  return el("a", { href: `#code/${encodeURIComponent(record.id)}`, class: "uid",
    "aria-label": `Scans of ${record.uid}` }, String(record.uid));
}

/** Swap the destination and expiry cells for inputs tied to a form in the actions cell. */
function startEditing(record, tr, handlers) {
  const formId = `edit-${record.id}`;
  const destination = el("input", { type: "url", value: record.destination, required: true,
    form: formId, name: "destination", spellcheck: false,
    "aria-label": `Destination of ${record.uid}` });
  const expiry = el("input", { type: "datetime-local", value: localInputValue(record.expiry),
    form: formId, name: "expiry", "aria-label": `Expiry of ${record.uid} (empty: never)` });
  const form = el("form", { id: formId, class: "row-actions", noValidate: true },
    el("button", { type: "submit", class: "small" }, "Save"),
    el("button", { type: "button", class: "quiet small", "data-action": "cancel" }, "Cancel"));
  const cancel = () => {
    tr.replaceChildren(...viewCells(record, tr, handlers));
    tr.querySelector('[data-action="edit"]').focus();
  };
  form.querySelector('[data-action="cancel"]').addEventListener("click", cancel);
  for (const control of [destination, expiry, form]) {
    control.addEventListener("keydown", (event) => {
      if (event.key === "Escape") cancel();
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const changes = changesOf(record, destination.value.trim(), expiry.value);
    if (Object.keys(changes).length === 0) return cancel();
    busy(form.querySelector("button[type=submit]"), handlers.save(record, changes));
  });
  tr.classList.add("editing");
  tr.querySelector('td[data-label="Destination"]').replaceChildren(destination);
  tr.querySelector('td[data-label="Expiry"]').replaceChildren(expiry,
    el("span", { class: "sub" }, "Empty: never expires"));
  tr.querySelector('td[data-label="Actions"]').replaceChildren(form);
  destination.focus();
}

/** The PATCH body: only what differs from the record (expiry in ms, null for never). */
function changesOf(record, destination, expiryText) {
  const changes = {};
  if (destination !== record.destination) changes.destination = destination;
  const expiry = expiryText ? new Date(expiryText).getTime() : null;
  if (expiry !== record.expiry && localInputValue(record.expiry) !== expiryText) {
    changes.expiry = expiry;
  }
  return changes;
}

async function busy(button, work) {
  button.disabled = true;
  try {
    await work;
  } finally {
    button.disabled = false;
  }
}

function cell(label, ...content) {
  return el("td", { "data-label": label }, ...content);
}
