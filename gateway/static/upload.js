// The CSV upload: XMLHttpRequest for its upload progress, one Idempotency-Key per chosen file.

import { authHeaders, errorMessage, newIdempotencyKey } from "./api.js";
import { uidsOf } from "./csv.js";

const ENDPOINT = "/api/qr/workspace-bulk-generate";

export class Upload {
  constructor({ onQueued, onAuthLost }) {
    this.form = document.getElementById("upload-form");
    this.input = document.getElementById("csv-file");
    this.button = document.getElementById("upload-button");
    this.box = document.getElementById("upload-progress");
    this.bar = document.getElementById("upload-bar");
    this.percent = document.getElementById("upload-percent");
    this.status = document.getElementById("upload-status");
    this.onQueued = onQueued;
    this.onAuthLost = onAuthLost;
    this.key = null;
    // A retry of the same chosen file reuses its key, so a lost answer cannot queue twice.
    this.input.addEventListener("change", () => { this.key = newIdempotencyKey(); });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
  }

  async send() {
    const file = this.input.files[0];
    if (!file) {
      this.say("Choose a CSV file first.", true);
      this.input.focus();
      return;
    }
    this.key = this.key || newIdempotencyKey();
    const uids = await readUids(file);
    this.button.disabled = true;
    this.progress(0);
    this.box.hidden = false;
    this.say(`Uploading ${file.name}…`);
    const answer = await post(file, this.key, (fraction) => this.progress(fraction));
    this.button.disabled = false;
    this.finish(answer, file, uids);
  }

  finish(answer, file, uids) {
    if (answer.status === 200) {
      const bulkId = JSON.parse(answer.text);
      this.progress(1);
      this.say(`Queued ${file.name} as order ${bulkId}. It appears in the list below.`);
      this.form.reset();
      this.key = null;
      this.onQueued(bulkId, uids);
      return;
    }
    const message = errorMessage(answer.status, answer.text);
    if (answer.status === 401 || answer.status === 403) return this.onAuthLost(message);
    if (answer.status === 429) {
      const wait = answer.retryAfter ? ` Try again in ${answer.retryAfter} s.` : "";
      return this.say(`Too many uploads: ${message}.${wait}`, true);
    }
    this.say(`The upload was refused: ${message}.`, true);
  }

  progress(fraction) {
    const value = Math.round(fraction * 100);
    this.bar.value = value;
    this.bar.textContent = `${value}%`;
    this.percent.textContent = `${value}%`;
  }

  say(text, isError = false) {
    this.status.textContent = text;
    this.status.classList.toggle("error", isError);
  }

  reset() {
    this.form.reset();
    this.box.hidden = true;
    this.say("");
  }
}

async function readUids(file) {
  try {
    return uidsOf(await file.text());
  } catch {
    return null; // the server will say what is wrong with the file
  }
}

/** POST the file as multipart `file`; resolves to {status, text, retryAfter}. */
function post(file, key, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", ENDPOINT);
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader("Idempotency-Key", key);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => resolve({
      status: xhr.status, text: xhr.responseText, retryAfter: xhr.getResponseHeader("Retry-After"),
    }));
    xhr.addEventListener("error", () => resolve({ status: 0, text: "" }));
    xhr.addEventListener("timeout", () => resolve({ status: 0, text: "" }));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}
