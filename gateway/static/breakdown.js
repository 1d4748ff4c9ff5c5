// The breakdown tables of a code's scans: one per trait, a row and a bar per value.

import { count, el } from "./dom.js";

export const TRAITS = [
  ["source", "Source"],
  ["device", "Device"],
  ["os", "Operating system"],
  ["browser", "Browser"],
  ["country", "Country"],
  ["referrer", "Referrer"],
];

let regions = null;
try {
  regions = new Intl.DisplayNames(["en"], { type: "region" });
} catch {
  // no region names in this browser: codes are shown as they are
}

const WORDS = { direct: "Direct", unknown: "Unknown", mobile: "Mobile", tablet: "Tablet",
  desktop: "Desktop", bot: "Bot" };

function labelOf(trait, value) {
  if (trait === "country" && regions && /^[A-Z]{2}$/.test(value)) {
    const name = regions.of(value);
    return name && name !== value ? `${name} (${value})` : value;
  }
  if (trait === "source" || trait === "referrer") return value === "direct" ? "Direct" : value;
  return WORDS[value] ?? value;
}

/** A <section> holding a table of `counts` ({value: scans}, largest first) with bars. */
export function breakdownTable(trait, title, counts) {
  const entries = Object.entries(counts);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  const most = Math.max(1, ...entries.map(([, n]) => n));
  const headingId = `breakdown-${trait}-title`;
  const rows = entries.map(([value, n]) => {
    const fill = el("span", { class: "fill" });
    fill.style.width = `${(100 * n) / most}%`; // CSSOM, which the page's CSP allows
    const share = total ? Math.round((100 * n) / total) : 0;
    return el("tr", { "data-value": value },
      el("th", { scope: "row" }, labelOf(trait, value)),
      el("td", { class: "count" }, count(n)),
      el("td", { class: "share" }, el("span", { class: "meter", "aria-hidden": "true" }, fill),
        el("span", { class: "percent" }, `${share}%`)));
  });
  const table = el("table", { class: "breakdown", id: `breakdown-${trait}` },
    el("caption", { class: "visually-hidden" }, `Scans by ${title.toLowerCase()}`),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, title), el("th", { scope: "col" }, "Scans"),
      el("th", { scope: "col" }, "Share"))),
    el("tbody", {}, ...rows));
  return el("section", { class: "trait", "aria-labelledby": headingId },
    el("h3", { id: headingId }, title),
    entries.length ? table : el("p", { class: "hint" }, "No scans in this range."));
}
