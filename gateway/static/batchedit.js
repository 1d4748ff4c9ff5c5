// Change every code of the chosen batch at once: preview what would change, then apply it.

import { authLost, count, el } from "./dom.js";
import { updateBatch } from "./qrapi.js";

const FIELD_NAMES = { expiryMs: "expiry" }; // stored names the page words otherwise

export class BatchEdit {
  constructor({ onAuthLost, onChanged }) {
    this.onAuthLost = onAuthLost;
    this.onChanged = onChanged;
    this.box = document.getElementById("batch-edit");
    this.form = document.getElementById("batch-form");
    this.apply = document.getElementById("batch-apply");
    this.status = document.getElementById("batch-status");
    this.error = document.getElementById("batch-error");
    this.sample = document.getElementById("batch-sample");
    this.bulkId = "";
    this.previewed = null; // the change the last preview answered for (JSON)
    this.previewCounts = { changed: 0, matched: 0 }; // what that preview found
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send(true);
    });
    this.form.addEventListener("input", () => this.forgetPreview());
    this.apply.addEventListener("click", () => this.send(false));
  }

  /** Offer the panel for `bulkId` ("": no batch chosen, no panel). */
  show(bulkId) {
    if (bulkId === this.bulkId) return;
    this.bulkId = bulkId;
    this.box.hidden = !bulkId;
    this.box.open = false;
    this.form.reset();
    this.forgetPreview();
    this.error.textContent = "";
  }

  forgetPreview() {
    this.previewed = null;
    this.apply.disabled = true;
    this.status.textContent = "";
    this.sample.replaceChildren();
  }

  change() {
    const change = {};
    const destination = this.form.elements.destination.value.trim();
    if (destination) change.destination = destination;
    const state = this.form.elements.state.value;
    if (state !== "keep") change.disabled = state === "disable";
    return change;
  }

  async send(dryRun) {
    const change = this.change();
    if (Object.keys(change).length === 0) {
      this.error.textContent = "Enter a new destination or choose to disable or enable the codes.";
      return;
    }
    if (!dryRun && JSON.stringify(change) !== this.previewed) return;
    const bulkId = this.bulkId;
    this.apply.disabled = true;
    try {
      const answer = await updateBatch(bulkId, { ...change, dryRun });
      if (bulkId !== this.bulkId) return;
      this.error.textContent = "";
      if (dryRun) return this.showPreview(answer, change);
      this.previewed = null;
      // The change itself compares nothing (one write for the whole batch): the counts are
      // those of the preview it was applied from.
      const { changed, matched } = this.previewCounts;
      this.status.textContent = `Changed ${count(changed)} of ${count(matched)} codes.`;
      this.sample.replaceChildren();
      this.onChanged();
    } catch (error) {
      if (authLost(error)) return this.onAuthLost(error.message);
      this.error.textContent = `Could not ${dryRun ? "preview" : "apply"} the change: ${error.message}.`;
    }
  }

  showPreview(answer, change) {
    this.previewed = JSON.stringify(change);
    this.previewCounts = { changed: answer.changed, matched: answer.matched };
    this.apply.disabled = answer.changed === 0;
    this.status.textContent = `${count(answer.changed)} of ${count(answer.matched)} codes would `
      + `change${answer.changed > answer.sample.length ? `; the first ${answer.sample.length}:` : "."}`;
    this.sample.replaceChildren(...answer.sample.map((entry) => el("li", {},
      el("strong", {}, String(entry.uid)), ": ",
      Object.entries(entry.changes).map(describe).join("; "))));
  }
}

/** "destination https://a → https://b", "state active → disabled". */
function describe([field, { from, to }]) {
  if (field === "disabled") return `state ${from ? "disabled" : "active"} → ${to ? "disabled" : "active"}`;
  const shown = (value) => (value === null || value === undefined ? "none" : String(value));
  return `${FIELD_NAMES[field] || field} ${shown(from)} → ${shown(to)}`;
}
