// A QR image's data URI: its format's extension (the server's table), its bytes, whether <img> shows it.

/** Media type -> extension: every format the server renders (shared/formats/registry.py,
 *  which tests/browser/test_image_files.py holds this to), named as its ZIP names them. */
export const EXTENSIONS = Object.freeze({
  "image/png": "png",
  "image/svg+xml": "svg",
  "application/pdf": "pdf",
  "application/postscript": "eps",
});

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
