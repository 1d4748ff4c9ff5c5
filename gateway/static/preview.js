// The one-shot download (warned before, explained on 410), the preview grid, and saving.

import { apiFetch, responseError } from "./api.js";
import { dataUriBytes, displayable, extension, sizeText } from "./imagefiles.js";
import { imageFiles, uidOf } from "./names.js";
import { makeZip } from "./zip.js";

const UIDS_KEY = "bulkqr.uids.";

/** Remember the uids of an uploaded CSV, to label its static QRs in the preview. */
export function rememberUids(bulkId, uids) {
  if (!uids) return;
  try {
    sessionStorage.setItem(UIDS_KEY + bulkId, JSON.stringify(uids));
  } catch {
    // storage full: the preview falls back to row numbers
  }
}

function rememberedUids(bulkId, count) {
  try {
    const uids = JSON.parse(sessionStorage.getItem(UIDS_KEY + bulkId) || "null");
    return Array.isArray(uids) && uids.length === count ? uids : null;
  } catch {
    return null;
  }
}

export class Preview {
  constructor({ refresh, onAuthLost }) {
    this.section = document.getElementById("preview");
    this.title = document.getElementById("preview-title");
    this.summary = document.getElementById("preview-summary");
    this.grid = document.getElementById("grid");
    this.alert = document.getElementById("download-status");
    this.refresh = refresh;
    this.onAuthLost = onAuthLost;
    this.files = [];
    this.busy = false;
    document.getElementById("save-zip").addEventListener("click", () => this.saveZip());
    document.getElementById("save-json").addEventListener("click", () => this.saveJson());
  }

  /** The one-shot download: "json" shows the codes here, "zip" saves the server's ZIP,
   *  "pdf" saves a label sheet of the preset `sheet`. */
  async download(bulkId, format = "json", sheet = undefined) {
    if (this.busy || !(await confirmOnce(bulkId, format))) return;
    this.busy = true;
    try {
      await this.fetchResult(bulkId, format, sheet);
    } finally {
      this.busy = false;
    }
  }

  async fetchResult(bulkId, format, sheet) {
    this.say(`Downloading the result of ${bulkId}…`);
    const params = new URLSearchParams(format === "json" ? {} : { format });
    if (sheet) params.set("sheet", sheet);
    const query = params.toString() ? `?${params}` : "";
    let response;
    try {
      response = await apiFetch(`/api/qr/bulk-generate/${encodeURIComponent(bulkId)}/result${query}`);
    } catch {
      return this.say("The server could not be reached. The result was not used up: try again.", true);
    }
    if (response.status === 410) {
      const reason = await responseError(response);
      this.say(/not ready/.test(reason)
        ? `The result of ${bulkId} is not ready yet: ${reason}.`
        : `The result of ${bulkId} cannot be downloaded again: ${reason}. ` +
          "Each result can be downloaded only once.", true);
      return this.refresh();
    }
    if (response.status === 401 || response.status === 403) {
      return this.onAuthLost(await responseError(response));
    }
    if (!response.ok) return this.say(`The download failed: ${await responseError(response)}.`, true);
    await (format === "json" ? this.receive(bulkId, response)
                             : this.receiveFile(bulkId, response, format));
    this.refresh();
  }

  /** A ZIP or PDF made by the server, saved as it came: `{bulkId}.zip` or `.pdf`. */
  async receiveFile(bulkId, response, format) {
    let blob;
    try {
      blob = await response.blob();
    } catch {
      return this.say("The download was cut off before its end. If the order still shows " +
                      "Download, the result was not used up: try again.", true);
    }
    saveBlob(blob, `${bulkId}.${format}`);
    this.say(`The result of ${bulkId} was saved as ${bulkId}.${format}.`);
  }

  async receive(bulkId, response) {
    let archive, entries;
    try {
      archive = JSON.parse(await response.text());
      entries = JSON.parse(archive);
    } catch {
      return this.say("The download was cut off before its end. If the order still shows " +
                      "Download, the result was not used up: try again.", true);
    }
    this.say("");
    this.show(bulkId, entries, archive);
  }

  say(text, isError = false) {
    this.alert.textContent = text;
    this.alert.classList.toggle("error", isError);
  }

  show(bulkId, entries, archive) {
    const uids = rememberedUids(bulkId, entries.length);
    const files = imageFiles(entries, uids);
    const cards = entries.map((entry, index) =>
      card(entry, index, uidOf(entry, uids?.[index]), files[index]));
    this.bulkId = bulkId;
    this.archive = archive;
    this.files = cards.flatMap((c) => c.files);
    const failed = entries.filter((e) => e && e.status === "failed").length;
    this.title.textContent = `Result of ${bulkId}`;
    this.summary.textContent = `${entries.length} rows: ${entries.length - failed} QR codes, ` +
                               `${failed} failed.`;
    this.grid.replaceChildren(...cards.map((c) => c.element));
    this.section.hidden = false;
    this.title.focus();
  }

  clear() {
    this.section.hidden = true;
    this.grid.replaceChildren();
    this.files = [];
    this.say("");
  }

  saveZip() {
    const encoder = new TextEncoder();
    const files = this.files.map((f) => ({ name: f.name, data: dataUriBytes(f.uri) }));
    files.push({ name: "archive.json", data: encoder.encode(this.archive) });
    saveBlob(makeZip(files), `${this.bulkId}.zip`);
  }

  saveJson() {
    saveBlob(new Blob([this.archive], { type: "application/json" }), `${this.bulkId}.json`);
  }
}

const AFTER_DOWNLOAD = {
  json: "The images will show on this page: save them as a ZIP or one by one before you " +
        "leave or reload it.",
  zip: "Your browser saves it as a ZIP file: the images named by uid, manifest.csv and " +
       "result.json.",
  pdf: "Your browser saves it as a PDF print sheet: one label per row, the code with its " +
       "label or uid. The images and manifest are not part of it.",
};

function confirmOnce(bulkId, format) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-id").textContent = bulkId;
  document.getElementById("confirm-after").textContent = AFTER_DOWNLOAD[format];
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "download"),
                            { once: true });
    dialog.showModal();
  });
}

/** One grid card: {element, files: [{name, uri}]} for a row's archive entry and the files
 *  its images are saved as (none: a failed row). */
function card(entry, index, label, files) {
  const li = element("li", "card");
  const row = `Row ${index + 1}`;
  const name = label === null ? row : String(label);
  li.append(element("p", "uid", name));
  if (files.length === 0) {
    const failed = entry && typeof entry === "object" ? entry : {};
    li.classList.add("failed");
    li.append(element("p", "kind", `${row} · failed${failed.code ? ` (${failed.code})` : ""}`),
              element("p", "reason", failed.message ?? "unrecognised archive entry"));
    return { element: li, files: [] };
  }
  const [code, ...sources] = files;
  const dynamic = typeof entry === "object";
  li.prepend(picture(code, `QR code of ${name}`, "qr"));
  li.append(element("p", "kind", `${row} · ${dynamic ? "dynamic" : "static"}`));
  if (dynamic) li.append(element("p", "link", entry.url));
  for (const file of sources) li.append(sourceLine(file, name));
  li.append(saveLink(code, `Save ${extension(code.uri).toUpperCase()}`,
                     `Save the QR code of ${name}`));
  return { element: li, files };
}

function sourceLine(file, name) {
  const p = element("p", "source");
  p.append(picture(file, `QR code of ${name} for source ${file.source}`, "qr-source"),
           element("span", "", file.source),
           saveLink(file, "Save", `Save the QR code of ${name} for source ${file.source}`));
  return p;
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The image, or for a format an <img> cannot show (PDF, EPS) a placeholder naming its
 *  format and size, with a link that downloads it (a source's line has its own). */
function picture(file, alt, className) {
  if (displayable(file.uri)) return image(file.uri, alt, className);
  const format = extension(file.uri).toUpperCase();
  const size = sizeText(dataUriBytes(file.uri).length);
  const box = element("div", `${className} placeholder`);
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", `${alt}: a ${format} file of ${size}, not shown here`);
  box.append(element("span", "format", format), element("span", "size", size));
  if (className === "qr") {
    box.append(element("span", "note", "No preview in a browser"),
               saveLink(file, `Download ${format}`, `Download ${file.name}, the ${alt}`));
  }
  return box;
}

function image(uri, alt, className) {
  const img = element("img", className);
  img.src = uri;
  img.alt = alt;
  return img;
}

function saveLink(file, text, label) {
  const a = element("a", "save", text);
  a.href = file.uri;
  a.download = file.name;
  a.setAttribute("aria-label", label);
  return a;
}

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = element("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
