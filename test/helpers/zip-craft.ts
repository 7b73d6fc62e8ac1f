// Writes ZIP archives byte by byte, so tests can make the malformed and
// malicious ones no well-behaved tool would (traversal names, symlinks,
// duplicate names, wrong CRCs, bombs).
import { deflateRawSync } from 'node:zlib';

/** One entry of a crafted archive. */
export interface CraftEntry {
  name: string | Buffer;
  data?: Buffer | string;
  /** 0 stored (default), 8 deflated. */
  method?: 0 | 8;
  /** A CRC-32 to write instead of the right one. */
  crc?: number;
  /** Unix mode to put in the external attributes (e.g. 0o120777 for a symlink). */
  unixMode?: number;
  /** An uncompressed size to declare instead of the true one. */
  declaredSize?: number;
  /** Sizes and CRC in a data descriptor after the data (flag bit 3), zeros in the local header. */
  descriptor?: boolean;
  /** MS-DOS attributes (made by MS-DOS, e.g. 0x20 "archive"), as Windows tools write them. */
  dosAttributes?: number;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The standard CRC-32 (zlib's). */
export function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A ZIP archive holding `entries`, in order. */
export function craftZip(entries: CraftEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.isBuffer(e.name) ? e.name : Buffer.from(e.name);
    const raw = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '');
    const method = e.method ?? 0;
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const crc = e.crc ?? crc32(raw);
    const flags = 0x0800 | (e.descriptor ? 0x0008 : 0); // UTF-8 names; data descriptor
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    if (!e.descriptor) {
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(e.declaredSize ?? raw.length, 22);
    }
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    let descriptorLength = 0;
    if (e.descriptor) {
      const dd = Buffer.alloc(16);
      dd.writeUInt32LE(0x08074b50, 0);
      dd.writeUInt32LE(crc, 4);
      dd.writeUInt32LE(body.length, 8);
      dd.writeUInt32LE(e.declaredSize ?? raw.length, 12);
      locals.push(dd);
      descriptorLength = dd.length;
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.unixMode !== undefined ? (3 << 8) | 20 : 20, 4); // made by Unix when a mode is given
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.declaredSize ?? raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(e.unixMode !== undefined ? (e.unixMode << 16) >>> 0 : (e.dosAttributes ?? 0), 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length + descriptorLength;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
