// Read the uid column of a CSV the way the server reads rows, to label static QRs
// (whose archive entries carry no uid) in the preview.

/** Records of RFC 4180 CSV text: quoted cells, doubled quotes, CRLF or LF line ends. */
export function parseCsv(text) {
  const records = [];
  let record = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { record.push(cell); cell = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      record.push(cell);
      records.push(record);
      record = [];
      cell = "";
    } else cell += c;
  }
  if (quoted) throw new Error("a quoted cell is never closed");
  if (cell !== "" || record.length) { record.push(cell); records.push(record); }
  return records;
}

/** The uid of each row (null where empty), or null when the CSV has no uid column. */
export function uidsOf(text) {
  const records = parseCsv(text.replace(/^\uFEFF/, "")).filter(
    (cells) => cells.some((cell) => cell.trim() !== ""),
  );
  if (!records.length) return null;
  const column = records[0].map((name) => name.trim()).indexOf("uid");
  if (column < 0) return null;
  return records.slice(1).map((cells) => (cells[column] || "").trim() || null);
}
