// Credentials (this tab's sessionStorage only) and calls to the bulk API with them.

const KEY = "bulkqr.credentials";

export function credentials() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return saved && saved.clientId && saved.apiKey ? saved : null;
  } catch {
    return null;
  }
}

export function saveCredentials(clientId, apiKey) {
  sessionStorage.setItem(KEY, JSON.stringify({ clientId, apiKey }));
}

export function forgetCredentials() {
  sessionStorage.removeItem(KEY);
}

export function authHeaders() {
  const saved = credentials();
  return saved ? { "client-id": saved.clientId, "api-key": saved.apiKey } : {};
}

/** fetch() against this server with the credentials; never cached. */
export function apiFetch(path, options = {}) {
  return fetch(path, {
    ...options,
    cache: "no-store",
    headers: { ...authHeaders(), ...(options.headers || {}) },
  });
}

/** The server's message for a failed answer (its JSON `error`), or a plain fallback. */
export function errorMessage(status, text) {
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === "string") return body.error;
  } catch {
    // not JSON: fall through
  }
  return status ? `the server answered ${status}` : "the server could not be reached";
}

export async function responseError(response) {
  return errorMessage(response.status, await response.text());
}

/** One page of the caller's orders, newest first: {items, next}. */
export async function listOrders(limit, cursor) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set("cursor", cursor);
  const response = await apiFetch(`/api/qr/bulk-generate?${query}`);
  if (!response.ok) {
    const error = new Error(await responseError(response));
    error.status = response.status;
    throw error;
  }
  return response.json();
}

/** A random Idempotency-Key (works outside secure contexts too). */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "dash-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
