// A QR image's data URI: its format's extension (the server's table), its bytes, whether <img> shows it.

const BUILT_IN = {
  "image/png": "png",
  "image/svg+xml": "svg",
  "application/pdf": "pdf",
  "application/postscript": "eps",
};

/** The table the dashboard's page carries (gateway/dashboardpage.py), or null. */
function served() {
  const block = globalThis.document?.getElementById("image-formats");
  try {
    const table = block ? JSON.parse(block.textContent) : null;
    return table && typeof table === "object" && !Array.isArray(table) ? table : null;
  } catch {
    return null;
  }
}

/** Media type -> extension: every format the server renders (shared/formats/registry.py),
 *  named as its ZIP names them. The page carries the registry's table, formats a
 *  deployment adds included; BUILT_IN (held to the registry by
 *  tests/browser/test_image_files.py) is for a page without it. */
export const EXTENSIONS = Object.freeze(served() ?? BUILT_IN);

/** The media type of a data URI, read as the server reads it (what precedes the first ";"
 *  of the header, trimmed, in lower case); "" when `uri` is no data URI. */
export function mediaType(uri) {
  const text = String(uri);
  const comma = text.indexOf(",");
  if (!text.startsWith("data:") || comma < 0) return "";
  return text.slice("data:".length, comma).split(";")[0].trim().toLowerCase();
}

/** "png", "svg", "pdf" or "eps" for a data URI of that format; "bin" for anything else. */
export function extension(uri) {
  const media = mediaType(uri);
  return Object.hasOwn(EXTENSIONS, media) ? EXTENSIONS[media] : "bin";
}

// What an <img> shows; any other format (PDF, EPS) gets a placeholder with a download link.
const SHOWN = new Set(["image/png", "image/svg+xml", "image/jpeg", "image/gif", "image/webp",
                       "image/avif"]);

/** Whether a browser shows the data URI's image in an <img>. */
export function displayable(uri) {
  return SHOWN.has(mediaType(uri));
}

/** The bytes of a data URI (base64 or percent-encoded). */
export function dataUriBytes(uri) {
  const comma = uri.indexOf(",");
  const meta = uri.slice(0, comma);
  const payload = uri.slice(comma + 1);
  if (!meta.endsWith(";base64")) return new TextEncoder().encode(decodeURIComponent(payload));
  const binary = atob(payload);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** "812 B", "12.3 kB", "1.4 MB". */
export function sizeText(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
