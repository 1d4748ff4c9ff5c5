// A small ZIP writer: stored (uncompressed) entries with CRC-32, UTF-8 names, no ZIP64.
// PNG images are already compressed, so storing them loses almost nothing.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (the ZIP and PNG polynomial) of a Uint8Array. */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function dosDateTime(date) {
  const year = Math.max(1980, Math.min(2107, date.getFullYear()));
  const time = (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1);
  const day = ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
  return [time, day];
}

const UTF8_NAMES = 0x0800; // general purpose flag bit 11: names are UTF-8
const VERSION = 20; // 2.0: what a stored entry needs

function localHeader(entry, time, day) {
  const view = new DataView(new ArrayBuffer(30));
  view.setUint32(0, 0x04034b50, true);
  view.setUint16(4, VERSION, true);
  view.setUint16(6, UTF8_NAMES, true);
  view.setUint16(8, 0, true); // method 0: stored
  view.setUint16(10, time, true);
  view.setUint16(12, day, true);
  view.setUint32(14, entry.crc, true);
  view.setUint32(18, entry.data.length, true);
  view.setUint32(22, entry.data.length, true);
  view.setUint16(26, entry.name.length, true);
  view.setUint16(28, 0, true);
  return new Uint8Array(view.buffer);
}

function centralHeader(entry, time, day) {
  const view = new DataView(new ArrayBuffer(46));
  view.setUint32(0, 0x02014b50, true);
  view.setUint16(4, VERSION, true);
  view.setUint16(6, VERSION, true);
  view.setUint16(8, UTF8_NAMES, true);
  view.setUint16(10, 0, true);
  view.setUint16(12, time, true);
  view.setUint16(14, day, true);
  view.setUint32(16, entry.crc, true);
  view.setUint32(20, entry.data.length, true);
  view.setUint32(24, entry.data.length, true);
  view.setUint16(28, entry.name.length, true);
  // extra length, comment length, disk number, internal and external attributes: zero
  view.setUint32(42, entry.offset, true);
  return new Uint8Array(view.buffer);
}

function endRecord(count, size, offset) {
  const view = new DataView(new ArrayBuffer(22));
  view.setUint32(0, 0x06054b50, true);
  view.setUint16(8, count, true);
  view.setUint16(10, count, true);
  view.setUint32(12, size, true);
  view.setUint32(16, offset, true);
  return new Uint8Array(view.buffer);
}

/**
 * A ZIP archive (Blob) of `files`: [{name: string, data: Uint8Array}], stored as given.
 */
export function makeZip(files, date = new Date()) {
  if (files.length > 0xffff) throw new Error("too many files for a ZIP without ZIP64");
  const encoder = new TextEncoder();
  const [time, day] = dosDateTime(date);
  const parts = [];
  const entries = [];
  let offset = 0;
  for (const file of files) {
    const entry = { name: encoder.encode(file.name), data: file.data, crc: crc32(file.data), offset };
    parts.push(localHeader(entry, time, day), entry.name, entry.data);
    offset += 30 + entry.name.length + entry.data.length;
    entries.push(entry);
  }
  if (offset > 0xffffffff) throw new Error("the files are too large for a ZIP without ZIP64");
  let size = 0;
  for (const entry of entries) {
    const header = centralHeader(entry, time, day);
    parts.push(header, entry.name);
    size += header.length + entry.name.length;
  }
  parts.push(endRecord(entries.length, size, offset));
  return new Blob(parts, { type: "application/zip" });
}
