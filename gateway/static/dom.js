// Small helpers the QR codes pages share: build elements, format times and counts.

/** An element with attributes (`class`, `data-*`, properties such as `type`) and children. */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (name === "class") element.className = value;
    else if (name.startsWith("data-") || name.startsWith("aria-") || name === "role"
             || name === "for" || name === "form") element.setAttribute(name, value);
    else element[name] = value;
  }
  element.append(...children);
  return element;
}

const LOCAL = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A <time> for an instant in ms, shown in the reader's time zone. */
export function timeOf(ms) {
  const date = new Date(ms);
  return el("time", { dateTime: date.toISOString(), title: date.toISOString() },
    LOCAL.format(date));
}

export function count(n) {
  return n.toLocaleString("en-US");
}

/** The value a datetime-local input shows for an instant (local time, to the minute). */
export function localInputValue(ms) {
  if (ms === null || ms === undefined) return "";
  const date = new Date(ms);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
    + `T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** True for an authentication failure, after which the dashboard signs out. */
export function authLost(error) {
  return error.status === 401 || error.status === 403;
}
