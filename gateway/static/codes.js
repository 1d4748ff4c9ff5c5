// The QR codes page: search and filter the dynamic codes, page through them, change them.

import { listOrders } from "./api.js";
import { BatchEdit } from "./batchedit.js";
import { codeRow } from "./coderow.js";
import { authLost, el } from "./dom.js";
import { listCodes, patchCode } from "./qrapi.js";

const PAGE = 25;
const BATCHES = 100; // the newest orders offered in the batch filter
const TYPING_PAUSE_MS = 300;
const SHORT_DATE = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

export class CodesList {
  constructor({ onAuthLost }) {
    this.onAuthLost = onAuthLost;
    this.form = document.getElementById("codes-form");
    this.batch = document.getElementById("codes-batch");
    this.body = document.querySelector("#codes-table tbody");
    this.empty = document.getElementById("codes-empty");
    this.more = document.getElementById("codes-more");
    this.status = document.getElementById("codes-status");
    this.error = document.getElementById("codes-error");
    this.items = [];
    this.next = null;
    this.generation = 0; // answers to an older search, or from before a sign-out, are dropped
    this.session = 0; // answers from before a sign-out are dropped
    this.typing = null;
    this.batchEdit = new BatchEdit({ onAuthLost, onChanged: () => this.search() });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.search();
    });
    this.form.elements.q.addEventListener("input", () => {
      clearTimeout(this.typing);
      this.typing = setTimeout(() => this.search(), TYPING_PAUSE_MS);
    });
    this.batch.addEventListener("change", () => {
      this.batchEdit.show(this.batch.value);
      this.search();
    });
    this.more.addEventListener("click", () => this.loadMore());
  }

  /** Shown: offer the current batches and (re)load the first page for the filters. */
  open() {
    this.loadBatches();
    this.search();
  }

  reset() {
    clearTimeout(this.typing);
    this.generation++;
    this.session++;
    this.form.reset();
    this.batch.replaceChildren(el("option", { value: "" }, "All batches"));
    this.batchEdit.show("");
    this.items = [];
    this.next = null;
    this.body.replaceChildren();
    this.say("", "");
  }

  filters() {
    return { q: this.form.elements.q.value.trim(), bulkId: this.batch.value };
  }

  async search() {
    clearTimeout(this.typing);
    const generation = ++this.generation;
    this.say("Loading…", "");
    try {
      const page = await listCodes({ ...this.filters(), limit: PAGE });
      if (generation !== this.generation) return;
      this.items = page.items;
      this.next = page.next;
      this.render();
    } catch (error) {
      if (generation === this.generation) this.failed("Could not load the codes", error);
    }
  }

  async loadMore() {
    if (!this.next) return;
    const generation = this.generation;
    const first = this.items.length;
    this.more.disabled = true;
    try {
      const page = await listCodes({ ...this.filters(), limit: PAGE, cursor: this.next });
      if (generation !== this.generation) return;
      this.items = this.items.concat(page.items);
      this.next = page.next;
      this.render();
      (this.body.rows[first]?.querySelector("a") ?? this.more).focus();
    } catch (error) {
      if (generation === this.generation) this.failed("Could not load more codes", error);
    } finally {
      this.more.disabled = false;
    }
  }

  async loadBatches() {
    const session = this.session;
    try {
      const page = await listOrders(BATCHES);
      if (session !== this.session) return;
      const chosen = this.batch.value;
      this.batch.replaceChildren(el("option", { value: "" }, "All batches"),
        ...page.items.map((order) => el("option", { value: order.bulkId },
          `${order.bulkId} (${order.count} rows, ${SHORT_DATE.format(order.createdAt)})`)));
      this.batch.value = page.items.some((o) => o.bulkId === chosen) ? chosen : "";
      this.batchEdit.show(this.batch.value);
    } catch (error) {
      if (session === this.session) this.failed("Could not load the batches", error);
    }
  }

  render() {
    this.body.replaceChildren(...this.items.map((record) => this.row(record)));
    this.empty.hidden = this.items.length > 0;
    this.more.hidden = !this.next;
    const shown = `${this.items.length} ${this.items.length === 1 ? "code" : "codes"} shown`;
    this.say(this.next ? `${shown}; more can be loaded.` : `${shown}.`, "");
  }

  row(record) {
    return codeRow(record, {
      save: (old, changes) => this.change(old, changes, "edit"),
      toggle: (old) => this.change(old, { disabled: !old.disabled }, "toggle"),
    });
  }

  /** PATCH one code; on success its row is drawn again and keeps the focus. */
  async change(record, changes, focusAction) {
    const session = this.session;
    try {
      const updated = await patchCode(record.id, changes);
      if (session !== this.session) return;
      const index = this.items.findIndex((item) => item.id === record.id);
      if (index < 0) return; // a new search has replaced the list meanwhile
      this.items[index] = updated;
      const tr = this.row(updated);
      this.body.rows[index].replaceWith(tr);
      tr.querySelector(`[data-action="${focusAction}"]`).focus();
      this.say(`Saved ${updated.uid}.`, "");
    } catch (error) {
      if (session === this.session) this.failed(`Could not save ${record.uid}`, error);
    }
  }

  failed(what, error) {
    if (authLost(error)) return this.onAuthLost(error.message);
    this.say("", `${what}: ${error.message}.`);
  }

  say(status, error) {
    this.status.textContent = status;
    this.error.textContent = error;
  }
}
