// Calls to the dynamic-code routes: list and search, one code, its changes, its scans, a batch's changes.

import { apiFetch, responseError } from "./api.js";

/** The answer's JSON, or an Error carrying the server's message and the HTTP status. */
async function answer(response) {
  if (!response.ok) {
    const error = new Error(await responseError(response));
    error.status = response.status;
    throw error;
  }
  return response.json();
}

async function call(path, options) {
  let response;
  try {
    response = await apiFetch(path, options);
  } catch {
    const error = new Error("the server could not be reached");
    error.status = 0;
    throw error;
  }
  return answer(response);
}

/** One page of the subscription's dynamic codes: {items, next}. */
export function listCodes({ q, bulkId, limit, cursor }) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (q) query.set("q", q);
  if (bulkId) query.set("bulkId", bulkId);
  if (cursor) query.set("cursor", cursor);
  return call(`/api/qr?${query}`);
}

export function getCode(id) {
  return call(`/api/qr/${encodeURIComponent(id)}`);
}

/** Change some of destination, expiry (null: never) and disabled; answers the new record. */
export function patchCode(id, changes) {
  return call(`/api/qr/${encodeURIComponent(id)}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(changes),
  });
}

/** Scans in [fromMs, toMs) by hour or day: {total, series, breakdowns}. */
export function getScans(id, { fromMs, toMs, interval }) {
  const query = new URLSearchParams({ from: String(fromMs), to: String(toMs), interval });
  return call(`/api/qr/${encodeURIComponent(id)}/scans?${query}`);
}

/** Change every code of a batch: {destination?, disabled?, dryRun}; answers the counts. */
export function updateBatch(bulkId, change) {
  return call(`/api/qr/bulk-generate/${encodeURIComponent(bulkId)}/links/update`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(change),
  });
}
