// Draw a scans-over-time series as an inline SVG bar chart: one bar per interval with scans.

const SVG = "http://www.w3.org/2000/svg";
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const SLOT_MS = { hour: HOUR_MS, day: DAY_MS };
const WIDTH = 720;
const HEIGHT = 260;
const PAD = { left: 48, right: 12, top: 12, bottom: 34 };
const MAX_X_TICKS = 8;
const TICK_STEPS_MS = [1, 3, 6, 12, 24, 48, 96, 168, 336, 720, 2160].map((h) => h * HOUR_MS);
const UTC_DAY = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "short" });
const UTC_HOUR = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", hour: "2-digit", minute: "2-digit" });

/** "3 Dec 14:00 UTC" for an hour, "3 Dec" for a day. */
export function slotLabel(ms, interval) {
  return interval === "day" ? UTC_DAY.format(ms) : `${UTC_DAY.format(ms)} ${UTC_HOUR.format(ms)} UTC`;
}

function node(tag, attributes = {}, text = "") {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text) element.textContent = text;
  return element;
}

/** The smallest of 1, 2 or 5 times a power of ten that is at least `value`. */
function niceStep(value) {
  const power = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= value);
}

/**
 * An <svg> of `series` ([{t, scans}], only intervals with scans) over [fromMs, toMs): the
 * time axis has a slot per interval, bars stand only in slots with scans. Times are UTC.
 */
export function scansChart({ series, fromMs, toMs, interval, titleId, descId }) {
  const slotMs = SLOT_MS[interval];
  const originMs = Math.floor(fromMs / slotMs) * slotMs;
  const slots = Math.max(1, Math.ceil((toMs - originMs) / slotMs));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slotW = plotW / slots;
  const yStep = niceStep(Math.max(1, ...series.map((p) => p.scans)) / 4);
  const yMax = yStep * Math.max(1, Math.ceil(Math.max(1, ...series.map((p) => p.scans)) / yStep));
  const x = (ms) => PAD.left + ((ms - originMs) / slotMs) * slotW;
  const y = (n) => PAD.top + plotH - (n / yMax) * plotH;

  const svg = node("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart", role: "img",
    "aria-labelledby": titleId, "aria-describedby": descId });
  const axes = node("g", { class: "axes", "aria-hidden": "true" });
  for (let n = 0; n <= yMax; n += yStep) {
    axes.append(node("line", { class: "grid", x1: PAD.left, x2: WIDTH - PAD.right, y1: y(n), y2: y(n) }),
      node("text", { class: "tick y", x: PAD.left - 6, y: y(n) + 4 }, n.toLocaleString("en-US")));
  }
  const tickMs = TICK_STEPS_MS.find((step) => (toMs - originMs) / step <= MAX_X_TICKS)
    ?? TICK_STEPS_MS.at(-1);
  for (let t = Math.ceil(originMs / tickMs) * tickMs; t < toMs; t += tickMs) {
    const label = tickMs < DAY_MS ? slotLabel(t, "hour").replace(" UTC", "") : slotLabel(t, "day");
    axes.append(node("line", { class: "tick-mark", x1: x(t), x2: x(t), y1: PAD.top + plotH, y2: PAD.top + plotH + 5 }),
      node("text", { class: "tick x", x: x(t), y: HEIGHT - 10 }, label));
  }
  axes.append(node("line", { class: "axis", x1: PAD.left, x2: WIDTH - PAD.right,
    y1: PAD.top + plotH, y2: PAD.top + plotH }));
  svg.append(axes);

  const bars = node("g", { class: "bars" });
  const barW = Math.max(1, slotW * 0.8);
  for (const point of series) {
    const bar = node("rect", { class: "slot", "data-t": point.t, "data-scans": point.scans,
      x: x(point.t) + (slotW - barW) / 2, y: y(point.scans), width: barW,
      height: Math.max(1, PAD.top + plotH - y(point.scans)) });
    bar.append(node("title", {}, `${slotLabel(point.t, interval)}: ${point.scans.toLocaleString("en-US")} scans`));
    bars.append(bar);
  }
  svg.append(bars);
  if (series.length === 0) {
    svg.append(node("text", { class: "empty", x: PAD.left + plotW / 2, y: PAD.top + plotH / 2 },
      "No scans in this range"));
  }
  return svg;
}
