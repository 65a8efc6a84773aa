/**
 * The zip container torch.save writes (PyTorch ≥ 1.6): entries
 * `<archive>/data.pkl`, `<archive>/data/<key>` (one per storage),
 * `<archive>/version`, …, all STORED (uncompressed) with the data 64-byte
 * aligned by padding in the local headers' extra fields; zip64 records when
 * the file or an entry passes 4 GiB.
 *
 * Only what that needs is read: the end-of-central-directory record (and its
 * zip64 form), the central directory, each entry's local header. Every offset
 * and size is checked against the file length before it is used, and the
 * entries are views into `bytes` (nothing is copied). Compressed entries are
 * refused: inflating would make loading asynchronous (DecompressionStream) for
 * a case torch never writes.
 */
import { ModelError } from '../errors.js';

export interface ZipEntry {
  name: string;
  /** Offset of the data in the file. */
  offset: number;
  size: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Whether the bytes start like a zip file (a local file header). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === LOCAL;
}

/** Reads the central directory: entry name → where its (stored) data lies. */
export function readZip(bytes: Uint8Array, file: string): Map<string, ZipEntry> {
  const bad = (msg: string): never => {
    throw new ModelError(`${file}: not a readable zip archive: ${msg}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number, what: string) => {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) bad(`${what} ${v} is larger than any file`);
    return Number(v);
  };

  // The end record is the last 22 bytes, or earlier by a comment of up to 65535 bytes.
  let eocd = -1;
  for (let at = n - 22; at >= Math.max(0, n - 22 - 0xffff); at--) {
    if (u32(at) === EOCD && at + 22 + u16(at + 20) === n) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) bad('no end-of-central-directory record');
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  let cdEnd = eocd;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(loc) !== ZIP64_LOCATOR) bad('the end record asks for zip64 but there is no zip64 locator');
    const at = u64(loc + 8, 'zip64 end record offset');
    if (at + 56 > loc || u32(at) !== ZIP64_EOCD) bad(`no zip64 end record at byte ${at}`);
    count = u64(at + 32, 'entry count');
    cdSize = u64(at + 40, 'central directory size');
    cdOffset = u64(at + 48, 'central directory offset');
    cdEnd = at;
  }
  if (cdOffset + cdSize > cdEnd) bad(`the central directory (${cdSize} bytes at ${cdOffset}) runs past its end record at ${cdEnd}`);
  if (count * 46 > cdSize) bad(`${count} entries cannot fit in a ${cdSize}-byte central directory`);

  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || u32(p) !== CENTRAL) bad(`central directory entry ${i} at byte ${p} is malformed`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    let compressed = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    let local = u32(p + 42);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > cdOffset + cdSize) bad(`central directory entry ${i} runs past the directory`);
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    } catch {
      return bad(`entry ${i}'s name is not UTF-8`);
    }
    // zip64 extended information (id 1): the 64-bit values of the fields saturated at 0xffffffff, in this order.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
      const id = u16(e);
      const len = u16(e + 2);
      if (e + 4 + len > p + 46 + nameLen + extraLen) bad(`'${name}': an extra field runs past its entry`);
      if (id === 1) {
        let q = e + 4;
        const take = (what: string) => {
          if (q + 8 > e + 4 + len) bad(`'${name}': the zip64 field is too short for the ${what}`);
          const v = u64(q, `'${name}' ${what}`);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take('size');
        if (compressed === 0xffffffff) compressed = take('compressed size');
        if (local === 0xffffffff) local = take('header offset');
      }
      e += 4 + len;
    }
    if (flags & 1) bad(`'${name}' is encrypted`);
    if (method !== 0) {
      throw new ModelError(
        `${file}: zip entry '${name}' is compressed (method ${method}); torch.save writes stored entries, re-save the checkpoint with torch.save`,
      );
    }
    if (compressed !== size) bad(`'${name}' is stored but its sizes differ (${compressed} and ${size})`);
    if (local + 30 > n || u32(local) !== LOCAL) bad(`'${name}': no local header at byte ${local}`);
    const offset = local + 30 + u16(local + 26) + u16(local + 28);
    if (offset + size > n) bad(`'${name}': ${size} bytes at ${offset} run past the end of the ${n}-byte file`);
    if (entries.has(name)) bad(`'${name}' appears twice`);
    entries.set(name, { name, offset, size });
    p = next;
  }
  return entries;
}
