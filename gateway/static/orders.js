// The Orders table: list the caller's orders, refresh while any is processing.

import { listOrders } from "./api.js";

const PAGE = 20;
const MAX_LIMIT = 100;
const POLL_MS = 2000;

const STATUS_TEXT = {
  processing: "Processing",
  completed: "Completed",
  resultDownloaded: "Downloaded",
};

// The label sheets offered here (docs/print.md has them all, and the API takes `custom`).
const SHEETS = [
  ["a4-3x8", "A4, 3x8 labels"],
  ["letter-3x10", "Letter, 3x10 (Avery 5160)"],
  ["a4-2x5", "A4, 2x5 business cards"],
];

export class OrdersTable {
  constructor({ onDownload, onAuthLost }) {
    this.body = document.querySelector("#orders tbody");
    this.empty = document.getElementById("orders-empty");
    this.status = document.getElementById("orders-status");
    this.more = document.getElementById("more");
    this.onDownload = onDownload;
    this.onAuthLost = onAuthLost;
    this.orders = [];
    this.next = null;
    this.timer = null;
    this.generation = 0; // answers of an older refresh, or from before a sign-out, are dropped
    this.more.addEventListener("click", () => this.loadMore());
    document.getElementById("refresh").addEventListener("click", () => this.refresh());
  }

  /** Reload the orders shown so far (at least one page), newest first. */
  async refresh() {
    clearTimeout(this.timer);
    const generation = ++this.generation;
    const limit = Math.min(MAX_LIMIT, Math.max(PAGE, this.orders.length));
    try {
      const page = await listOrders(limit);
      if (generation !== this.generation) return;
      this.orders = page.items;
      this.next = page.next;
      this.status.textContent = "";
      this.render();
    } catch (error) {
      if (generation !== this.generation) return;
      if (error.status === 401 || error.status === 403) return this.onAuthLost(error.message);
      this.status.textContent = `Could not load the orders: ${error.message}.`;
    }
    this.schedule();
  }

  async loadMore() {
    if (!this.next) return;
    const generation = this.generation;
    try {
      const page = await listOrders(PAGE, this.next);
      if (generation !== this.generation) return;
      this.orders = this.orders.concat(page.items);
      this.next = page.next;
      this.render();
    } catch (error) {
      this.status.textContent = `Could not load older orders: ${error.message}.`;
    }
  }

  schedule() {
    if (this.orders.some((order) => order.status === "processing")) {
      this.timer = setTimeout(() => this.refresh(), POLL_MS);
    }
  }

  stop() {
    clearTimeout(this.timer);
    this.generation++;
    this.orders = [];
    this.next = null;
    this.body.replaceChildren();
  }

  find(bulkId) {
    return this.orders.find((order) => order.bulkId === bulkId);
  }

  render() {
    const focused = document.activeElement?.dataset?.bulkId;
    this.body.replaceChildren(...this.orders.map((order) => this.row(order)));
    this.empty.hidden = this.orders.length > 0;
    this.more.hidden = !this.next;
    if (focused) this.body.querySelector(`button[data-bulk-id="${CSS.escape(focused)}"]`)?.focus();
  }

  row(order) {
    const tr = document.createElement("tr");
    tr.dataset.bulkId = order.bulkId;
    tr.append(
      cell("Order", code(order.bulkId)),
      cell("Status", badge(order.status), progress(order)),
      cell("Rows", String(order.count)),
      cell("Failed (dyn · sec · src)", failed(order)),
      cell("Created", when(order.createdAt)),
      cell("Updated", when(order.updatedAt)),
      cell("Result", this.action(order)),
    );
    return tr;
  }

  action(order) {
    if (order.status === "completed") {
      const wrap = document.createElement("span");
      wrap.className = "downloads";
      wrap.append(
        this.downloadButton(order.bulkId, "json", "Download", ""),
        this.downloadButton(order.bulkId, "zip", "Download ZIP", " as a ZIP"),
        this.sheetPicker(order.bulkId),
      );
      return wrap;
    }
    return order.status === "processing" ? "Not ready yet" : "Already downloaded";
  }

  downloadButton(bulkId, format, text, as, sheet = () => undefined) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = text;
    button.dataset.bulkId = bulkId;
    button.dataset.format = format;
    button.setAttribute("aria-label", `Download the result of ${bulkId}${as} (once only)`);
    button.addEventListener("click", () => this.onDownload(bulkId, format, sheet()));
    return button;
  }

  /** A label-sheet preset and "Download print sheet": the result as a PDF of labels. */
  sheetPicker(bulkId) {
    const select = document.createElement("select");
    select.className = "sheet";
    select.setAttribute("aria-label", `Label sheet for ${bulkId}`);
    for (const [value, text] of SHEETS) select.append(new Option(text, value));
    const button = this.downloadButton(bulkId, "pdf", "Download print sheet",
                                       " as a print sheet", () => select.value);
    const group = document.createElement("span");
    group.className = "sheet-picker";
    group.append(select, button);
    return group;
  }
}

function cell(label, ...content) {
  const td = document.createElement("td");
  td.dataset.label = label;
  td.append(...content);
  return td;
}

function code(text) {
  const element = document.createElement("code");
  element.textContent = text;
  return element;
}

function badge(status) {
  const span = document.createElement("span");
  span.className = `badge status-${status}`;
  span.textContent = STATUS_TEXT[status] || status;
  return span;
}

// Rows finished so far, while the order is processing (nothing otherwise).
function progress(order) {
  if (order.status !== "processing" || typeof order.processed !== "number") return "";
  const bar = document.createElement("progress");
  bar.max = Math.max(order.count, 1);
  bar.value = Math.min(order.processed, order.count);
  const percent = Math.floor((100 * bar.value) / bar.max);
  bar.textContent = `${percent} %`;
  bar.title = `${order.processed} of ${order.count} rows done`;
  bar.setAttribute("aria-label", bar.title);
  return bar;
}

function failed(order) {
  if (order.status === "processing") return "—";
  const f = order.failedFeatures || {};
  const counts = [f.dynamicQr ?? 0, f.securedQr ?? 0, f.sourceQr ?? 0];
  const span = document.createElement("span");
  span.textContent = counts.join(" · ");
  span.title = `failed rows: ${counts[0]} dynamic, ${counts[1]} secured, ${counts[2]} with sources`;
  span.setAttribute("aria-label", span.title);
  return span;
}

function when(ms) {
  const time = document.createElement("time");
  const date = new Date(ms);
  time.dateTime = date.toISOString();
  time.title = date.toLocaleString();
  time.textContent = date.toLocaleString(undefined, {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
  return time;
}
