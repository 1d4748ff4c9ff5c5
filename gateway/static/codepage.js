// A code's page: what it is, its scans over time as a chart, and breakdowns per trait.

import { breakdownTable, TRAITS } from "./breakdown.js";
import { scansChart, slotLabel } from "./chart.js";
import { blockedBy } from "./coderow.js";
import { authLost, count, el, timeOf } from "./dom.js";
import { getCode, getScans } from "./qrapi.js";

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 7;

/** "YYYY-MM-DD" of the UTC day holding `ms`, as a date input wants it. */
function utcDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

export class CodePage {
  constructor({ onAuthLost }) {
    this.onAuthLost = onAuthLost;
    this.title = document.getElementById("code-title");
    this.error = document.getElementById("code-error");
    this.facts = document.getElementById("code-facts");
    this.form = document.getElementById("scans-form");
    this.total = document.getElementById("scans-total");
    this.figure = document.getElementById("chart");
    this.table = document.getElementById("chart-table");
    this.breakdowns = document.getElementById("breakdowns");
    this.id = null;
    this.generation = 0; // answers for an older range are dropped
    this.session = 0; // answers for another code, or from before a sign-out, are dropped
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.loadScans();
    });
    for (const radio of this.form.elements.interval) {
      radio.addEventListener("change", () => this.loadScans());
    }
  }

  /** Shown for `id`: a new code starts on the last 7 days by the hour. */
  open(id) {
    if (id !== this.id) {
      this.clear();
      this.id = id;
      const today = Date.now();
      this.form.elements.from.value = utcDay(today - (DEFAULT_DAYS - 1) * DAY_MS);
      this.form.elements.to.value = utcDay(today);
      this.form.elements.interval.value = "hour";
    }
    this.loadRecord();
    this.loadScans();
  }

  clear() {
    this.generation++;
    this.session++;
    this.id = null;
    this.title.textContent = "QR code";
    this.error.textContent = "";
    this.total.textContent = "";
    this.facts.replaceChildren();
    this.figure.replaceChildren();
    this.table.replaceChildren();
    this.breakdowns.replaceChildren();
  }

  async loadRecord() {
    const session = this.session;
    try {
      const record = await getCode(this.id);
      if (session === this.session) this.showRecord(record);
    } catch (error) {
      if (session === this.session) this.failed("Could not load this code", error);
    }
  }

  /** The range of the form: [start of the From day, end of the To day), UTC. */
  range() {
    const fromMs = Date.parse(`${this.form.elements.from.value}T00:00:00Z`);
    const toMs = Date.parse(`${this.form.elements.to.value}T00:00:00Z`) + DAY_MS;
    return { fromMs, toMs, interval: this.form.elements.interval.value };
  }

  async loadScans() {
    const generation = ++this.generation;
    const range = this.range();
    if (Number.isNaN(range.fromMs) || Number.isNaN(range.toMs)) {
      this.error.textContent = "Enter both dates of the range.";
      return;
    }
    if (range.fromMs >= range.toMs) {
      this.error.textContent = "The first day must not be after the last day.";
      return;
    }
    this.total.textContent = "Loading…";
    try {
      const scans = await getScans(this.id, range);
      if (generation !== this.generation) return;
      this.error.textContent = "";
      this.showScans(scans, range);
    } catch (error) {
      if (generation === this.generation) this.failed("Could not load the scans", error);
    }
  }

  showRecord(record) {
    this.title.textContent = `QR code ${record.uid}`;
    document.title = `${record.uid} · QR codes · bulkqr dashboard`;
    const link = el("a", { href: record.url, rel: "noreferrer" }, record.url);
    const facts = [
      ["Short link", link],
      ["Destination", el("span", { class: "destination" }, record.destination)],
      ["Batch", el("code", {}, record.bulkId)],
      ["Scans, all time", `${count(record.scans.total)} (${count(record.scans.direct)} direct)`],
      ["Expiry", record.expiry === null ? "Never" : timeOf(record.expiry)],
      ["State", blockedBy(record) || "Active"],
      ["Sources", record.sources.map((s) => `${s.source} (${count(s.scans)})`).join(", ") || "None"],
    ];
    this.facts.replaceChildren(...facts.flatMap(([term, value]) =>
      [el("dt", {}, term), el("dd", {}, value)]));
  }

  showScans(scans, range) {
    const unit = range.interval === "day" ? "day" : "hour";
    this.total.textContent = `${count(scans.total)} scans from ${slotLabel(range.fromMs, "day")}`
      + ` to ${slotLabel(range.toMs - DAY_MS, "day")}, by the ${unit} (UTC).`;
    this.figure.replaceChildren(
      el("h3", { id: "chart-title", class: "visually-hidden" }, `Scans per ${unit}`),
      scansChart({ ...range, series: scans.series, widthPx: this.figure.clientWidth,
        titleId: "chart-title", descId: "scans-total" }));
    this.table.replaceChildren(
      el("summary", {}, "The chart as a table"),
      el("table", { class: "breakdown" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, unit === "day" ? "Day" : "Hour"),
          el("th", { scope: "col" }, "Scans"))),
        el("tbody", {}, ...scans.series.map((point) => el("tr", {},
          el("th", { scope: "row" }, slotLabel(point.t, range.interval)),
          el("td", { class: "count" }, count(point.scans)))))));
    this.breakdowns.replaceChildren(...TRAITS.map(([trait, title]) =>
      breakdownTable(trait, title, scans.breakdowns[trait] || {})));
  }

  failed(what, error) {
    if (authLost(error)) return this.onAuthLost(error.message);
    this.total.textContent = "";
    this.error.textContent = `${what}: ${error.message}.`;
  }
}
