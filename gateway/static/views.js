// Which page of the signed-in dashboard shows, from the address's #fragment.

import { CodePage } from "./codepage.js";
import { CodesList } from "./codes.js";

// fragment → [element id, title]; "#code/<id>" is a code's page
const PAGES = {
  bulk: ["bulk", "Bulk orders"],
  codes: ["codes", "QR codes"],
  code: ["code", "QR code"],
};

function pageOf(hash) {
  const [name, ...rest] = hash.replace(/^#/, "").split("/");
  if (name === "code" && rest.length) return { name, id: decodeURIComponent(rest.join("/")) };
  return { name: name in PAGES && name !== "code" ? name : "bulk" };
}

export class Views {
  constructor({ onAuthLost }) {
    this.codes = new CodesList({ onAuthLost });
    this.codePage = new CodePage({ onAuthLost });
    this.active = false;
    window.addEventListener("hashchange", () => this.route(true));
  }

  /** Signed in: show the page the address names. */
  start() {
    this.active = true;
    this.route(false);
  }

  /** Signed out: hide the pages and forget what they showed. */
  stop() {
    this.active = false;
    this.codes.reset();
    this.codePage.clear();
    for (const [elementId] of Object.values(PAGES)) {
      if (elementId !== "bulk") document.getElementById(elementId).hidden = true;
    }
  }

  route(moveFocus) {
    if (!this.active) return;
    const page = pageOf(location.hash);
    for (const [name, [elementId]] of Object.entries(PAGES)) {
      document.getElementById(elementId).hidden = name !== page.name;
    }
    for (const link of document.querySelectorAll("#nav a")) {
      const current = link.getAttribute("href") === `#${page.name === "code" ? "codes" : page.name}`;
      if (current) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.title = `${PAGES[page.name][1]} · bulkqr dashboard`;
    if (page.name === "codes") this.codes.open();
    if (page.name === "code") this.codePage.open(page.id);
    if (moveFocus) this.focusHeading();
  }

  focusHeading() {
    document.querySelector("main > div:not([hidden]) h1")?.focus();
  }
}
