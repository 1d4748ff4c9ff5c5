// A QR image's file extension from its data URI, by the table the server's ZIP names files with.

/** Media type -> extension: every format the server renders (shared/formats/registry.py,
 *  which tests/browser/test_image_files.py holds this to), named as its ZIP names them. */
export const EXTENSIONS = Object.freeze({
  "image/png": "png",
  "image/svg+xml": "svg",
  "application/pdf": "pdf",
  "application/postscript": "eps",
});

/** "png", "svg", "pdf" or "eps" for a data URI of that format, read as the server reads it
 *  (the media type is what precedes the first ";" of the header, in any case); "bin" for
 *  anything else. */
export function extension(uri) {
  const text = String(uri);
  const comma = text.indexOf(",");
  if (!text.startsWith("data:") || comma < 0) return "bin";
  const media = text.slice("data:".length, comma).split(";")[0].trim().toLowerCase();
  return Object.hasOwn(EXTENSIONS, media) ? EXTENSIONS[media] : "bin";
}
