// Draw a scans-over-time series as an inline SVG bar chart: one bar per interval with scans.

const SVG = "http://www.w3.org/2000/svg";
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const SLOT_MS = { hour: HOUR_MS, day: DAY_MS };
const MIN_WIDTH = 300;
const HEIGHT = 260;
const PAD = { left: 48, right: 12, top: 12, bottom: 34 };
const TICK_SPACING = 90; // room for one time label, in px
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

/** Where things go: the plot's box, the slot and count scales, the steps of both axes. */
function layout({ series, fromMs, toMs, interval, widthPx }) {
  const width = Math.max(MIN_WIDTH, Math.round(widthPx));
  const slotMs = SLOT_MS[interval];
  const originMs = Math.floor(fromMs / slotMs) * slotMs;
  const plot = { left: PAD.left, right: width - PAD.right, top: PAD.top, bottom: HEIGHT - PAD.bottom };
  const slotW = (plot.right - plot.left) / Math.max(1, Math.ceil((toMs - originMs) / slotMs));
  const most = Math.max(1, ...series.map((p) => p.scans));
  const yStep = niceStep(most / 4);
  const yMax = yStep * Math.ceil(most / yStep);
  const maxTicks = Math.max(2, Math.floor((plot.right - plot.left) / TICK_SPACING));
  const tickMs = TICK_STEPS_MS.find((step) => (toMs - originMs) / step <= maxTicks)
    ?? TICK_STEPS_MS.at(-1);
  return {
    width, plot, slotW, yStep, yMax, tickMs, originMs, toMs,
    x: (ms) => plot.left + ((ms - originMs) / slotMs) * slotW,
    y: (n) => plot.bottom - (n / yMax) * (plot.bottom - plot.top),
  };
}

function axes(at) {
  const { plot, x, y } = at;
  const group = node("g", { class: "axes", "aria-hidden": "true" });
  for (let n = 0; n <= at.yMax; n += at.yStep) {
    group.append(node("line", { class: "grid", x1: plot.left, x2: plot.right, y1: y(n), y2: y(n) }),
      node("text", { class: "tick y", x: plot.left - 6, y: y(n) + 4 }, n.toLocaleString("en-US")));
  }
  for (let t = Math.ceil(at.originMs / at.tickMs) * at.tickMs; t < at.toMs; t += at.tickMs) {
    const label = at.tickMs < DAY_MS ? slotLabel(t, "hour").replace(" UTC", "") : slotLabel(t, "day");
    group.append(node("line", { class: "tick-mark", x1: x(t), x2: x(t), y1: plot.bottom, y2: plot.bottom + 5 }),
      node("text", { class: "tick x", x: x(t), y: HEIGHT - 10 }, label));
  }
  group.append(node("line", { class: "axis", x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom }));
  return group;
}

function bars(at, series, interval) {
  const group = node("g", { class: "bars" });
  const barW = Math.max(1, at.slotW * 0.8);
  for (const point of series) {
    const top = at.y(point.scans);
    const bar = node("rect", { class: "slot", "data-t": point.t, "data-scans": point.scans,
      x: at.x(point.t) + (at.slotW - barW) / 2, y: top, width: barW,
      height: Math.max(1, at.plot.bottom - top) });
    bar.append(node("title", {}, `${slotLabel(point.t, interval)}: ${point.scans.toLocaleString("en-US")} scans`));
    group.append(bar);
  }
  return group;
}

/**
 * An <svg> of `series` ([{t, scans}], only intervals with scans) over [fromMs, toMs): the
 * time axis has a slot per interval, bars stand only in slots with scans. Times are UTC.
 * `widthPx` is the room it has, so that its text keeps its size on a phone.
 */
export function scansChart({ series, interval, titleId, descId, ...range }) {
  const at = layout({ series, interval, ...range });
  const svg = node("svg", { viewBox: `0 0 ${at.width} ${HEIGHT}`, class: "chart", role: "img",
    "aria-labelledby": titleId, "aria-describedby": descId });
  svg.append(axes(at), bars(at, series, interval));
  if (series.length === 0) {
    svg.append(node("text", { class: "empty", x: (at.plot.left + at.plot.right) / 2,
      y: (at.plot.top + at.plot.bottom) / 2 }, "No scans in this range"));
  }
  return svg;
}
