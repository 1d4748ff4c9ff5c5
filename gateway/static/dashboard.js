// The dashboard's entry point: sign in and out, wire the Bulk page's parts, hand over the other pages.

import { credentials, forgetCredentials, listOrders, saveCredentials } from "./api.js";
import { OrdersTable } from "./orders.js";
import { Preview, rememberUids } from "./preview.js";
import { Upload } from "./upload.js";
import { Views } from "./views.js";

const signIn = document.getElementById("sign-in");
const signInForm = document.getElementById("sign-in-form");
const signInError = document.getElementById("sign-in-error");
const bulk = document.getElementById("bulk");

const orders = new OrdersTable({ onDownload: (id, format, sheet) => preview.download(id, format, sheet), onAuthLost: signOut });
const preview = new Preview({ refresh: () => orders.refresh(), onAuthLost: signOut });
const upload = new Upload({
  onQueued: (bulkId, uids) => {
    rememberUids(bulkId, uids);
    orders.refresh();
  },
  onAuthLost: signOut,
});
const views = new Views({ onAuthLost: signOut });

function showBulk() {
  const saved = credentials();
  document.getElementById("who-id").textContent = saved.clientId;
  signIn.hidden = true;
  bulk.hidden = false;
  document.getElementById("nav").hidden = false;
  document.getElementById("who").hidden = false;
  orders.refresh();
  views.start();
}

function signOut(message = "") {
  forgetCredentials();
  orders.stop();
  preview.clear();
  upload.reset();
  views.stop();
  bulk.hidden = true;
  document.getElementById("nav").hidden = true;
  document.getElementById("who").hidden = true;
  signIn.hidden = false;
  signInError.textContent = message ? `You were signed out: ${message}.` : "";
  document.getElementById("client-id").focus();
}

signInForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const clientId = signInForm.elements["client-id"].value.trim();
  const apiKey = signInForm.elements["api-key"].value.trim();
  if (!clientId || !apiKey) {
    signInError.textContent = "Enter both the client id and the API key.";
    return;
  }
  saveCredentials(clientId, apiKey);
  try {
    await listOrders(1);
  } catch (error) {
    forgetCredentials();
    signInError.textContent = error.status === 401 || error.status === 403
      ? `Those credentials were not accepted: ${error.message}.`
      : `Could not sign in: ${error.message}.`;
    return;
  }
  signInError.textContent = "";
  signInForm.reset();
  showBulk();
  views.focusHeading();
});

document.getElementById("sign-out").addEventListener("click", () => signOut());

if (credentials()) showBulk();
