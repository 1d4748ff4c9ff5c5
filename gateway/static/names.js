// Safe, unique file names from uids: shared/formats/names.py's rules, as the server's ZIP uses them.

import {
  FOLDS, MAX_STEM_BYTES, PLAIN_STEM, RISKY_STARTS, UNSAFE_CHARS, UNSAFE_RANGES, WHITESPACE,
  WINDOWS_DEVICES,
} from "./nametables.js";
import { extension } from "./imagefiles.js";

// The characters and the Unicode facts come from names.py and Python's unicodedata
// (nametables.js), not from this browser's Unicode version, which names other characters.
const PLAIN = new RegExp(`^(?:${PLAIN_STEM})$`);
const DEVICES = new Set(WINDOWS_DEVICES);
const SEPARATORS = new Set(UNSAFE_CHARS);
const SPACES = new Set(WHITESPACE.map((cp) => String.fromCodePoint(cp)));

/** Python's str(): what names.py makes of a uid or a source before it judges it. */
function pyText(raw) {
  if (raw === null || raw === undefined) return "None";
  if (typeof raw === "boolean") return raw ? "True" : "False";
  return String(raw);
}

function unsafeCategory(cp) {
  let low = 0;
  let high = UNSAFE_RANGES.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [first, last] = UNSAFE_RANGES[middle];
    if (cp < first) high = middle - 1;
    else if (cp > last) low = middle + 1;
    else return true;
  }
  return false;
}

/** `text` with each character of an unsafe category (and, if `separators`, each of
 *  UNSAFE_CHARS) replaced by "_". A lone surrogate is a character of its own, as in Python. */
function replaceUnsafe(text, separators) {
  let out = "";
  for (const char of text) {
    out += unsafeCategory(char.codePointAt(0)) || (separators && SEPARATORS.has(char)) ? "_" : char;
  }
  return out;
}

function stripStart(text, chars) {
  const points = [...text];
  let i = 0;
  while (i < points.length && chars.has(points[i])) i++;
  return points.slice(i).join("");
}

function stripEnd(text, chars) {
  const points = [...text];
  let end = points.length;
  while (end > 0 && chars.has(points[end - 1])) end--;
  return points.slice(0, end).join("");
}

const DOT_SPACE = new Set(". ");

/** The longest prefix of whole characters within `maxBytes` of UTF-8. */
function truncateUtf8(text, maxBytes) {
  let bytes = 0;
  let out = "";
  for (const char of text) {
    const cp = char.codePointAt(0);
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes > maxBytes) break;
    out += char;
  }
  return out;
}

function isDevice(stem) {
  return DEVICES.has(stem.split(".")[0].toUpperCase());
}

/** names.py's safe_stem: a file name stem from `raw` (any uid), `fallback` when nothing of
 *  it is left. NFKC first, unsafe characters to "_", no leading dots, no trailing dots or
 *  spaces, at most MAX_STEM_BYTES of UTF-8; "_" before a risky start or a device name. */
export function safeStem(raw, fallback) {
  const text = raw === null || raw === undefined ? "" : pyText(raw);
  if (PLAIN.test(text)) return isDevice(text) ? `_${text}` : text;
  // Characters of the unsafe categories normalise to themselves and compose with nothing,
  // so replacing them before NFKC changes nothing else, and keeps this browser's newer
  // Unicode (characters Python 3.11 has not assigned) out of the normalisation.
  const normal = replaceUnsafe(text, false).normalize("NFKC");
  const cleaned = replaceUnsafe(normal, true);
  const trimmed = stripStart(stripStart(stripEnd(cleaned, SPACES), SPACES), DOT_SPACE);
  const stem = stripEnd(truncateUtf8(trimmed, MAX_STEM_BYTES), DOT_SPACE);
  if (!stem) return fallback;
  if (RISKY_STARTS.some((start) => stem.startsWith(start)) || isDevice(stem)) return `_${stem}`;
  return stem;
}

/** Python's casefold() of a name, character by character. */
export function foldCase(text) {
  let out = "";
  for (const char of text) out += FOLDS[char.codePointAt(0)] ?? char.toLowerCase();
  return out;
}

/** What two names one file system would take for the same name share (names.py's _key). */
export function nameKey(name) {
  if (/^[\x00-\x7f]*$/.test(name)) return name.toLowerCase();
  return foldCase(name.normalize("NFC"));
}

/** Unique names in one folder: `a.png`, then `a-2.png`, `a-3.png`, compared as macOS and
 *  Windows compare them (case-insensitively). */
export class NameRegistry {
  constructor(taken = []) {
    this.taken = new Set([...taken].map(nameKey));
  }

  /** A name for `stem` and `extension` (with its dot) no earlier claim holds. */
  claim(stem, extension) {
    let name = `${stem}${extension}`;
    for (let n = 2; this.taken.has(nameKey(name)); n++) name = `${stem}-${n}${extension}`;
    this.taken.add(nameKey(name));
    return name;
  }
}

/** The uid that names entry `index` of an archive, as the server reads it: a static
 *  success (a bare data URI) has its row's uid, an object its own `uid` when it has one. */
export function uidOf(entry, rowUid) {
  return isObject(entry) && Object.hasOwn(entry, "uid") ? entry.uid : rowUid ?? null;
}

/** A JSON object (what Python reads as a dict). */
function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Each entry's images as the server's ZIP names them (without its `images/` folder):
 *  [{name, uri, source}] per entry, the code first, then one per source; [] for a failed
 *  row. `uids` are the rows' uids, for static rows (null when unknown). */
export function imageFiles(entries, uids) {
  const names = new NameRegistry();
  return entries.map((entry, index) => {
    const uid = uidOf(entry, uids?.[index]);
    if (typeof entry === "string") return rowFiles(names, [{ uri: entry, source: null }], uid, index);
    if (!isObject(entry) || entry.status === "failed" || !Object.hasOwn(entry, "QRs")) return [];
    return rowFiles(names, imagesOf(entry), uid, index);
  });
}

function imagesOf(entry) {
  const images = [{ uri: pyText(entry.QRs), source: null }];
  for (const source of Array.isArray(entry.sources) ? entry.sources : []) {
    if (isObject(source) && Object.hasOwn(source, "QRs")) {
      const name = Object.hasOwn(source, "source") ? pyText(source.source) : "";
      images.push({ uri: pyText(source.QRs), source: name });
    }
  }
  return images;
}

function rowFiles(names, images, uid, index) {
  const stem = safeStem(uid, `row-${index + 1}`);
  return images.map(({ uri, source }) => {
    const fileStem = source === null ? stem : `${stem}--${safeStem(source, "source")}`;
    return { name: names.claim(fileStem, `.${extension(uri)}`), uri, source };
  });
}
