/**
 * A tar writer (POSIX ustar, with PAX records for long names, large numbers and xattrs), used for
 * save, export, commit diffs and generated layers. `packTar` turns a stream of entries into a
 * stream of bytes with backpressure (pull-based async generator).
 */
import { Readable } from 'node:stream';
import type { EntryType } from './reader';

export interface TarWriteHeader {
  name: string;
  type: EntryType;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer> | undefined;
}

export interface TarWriteEntry {
  header: TarWriteHeader;
  /** Content of a regular file: exactly header.size bytes. */
  body?: Buffer | AsyncIterable<Buffer> | (() => AsyncIterable<Buffer>) | undefined;
}

const BLOCK = 512;
const TYPEFLAG: Record<EntryType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  char: '3',
  block: '4',
  directory: '5',
  fifo: '6',
};
const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);

export function paddingFor(size: number): Buffer {
  const p = (BLOCK - (size % BLOCK)) % BLOCK;
  return p ? Buffer.alloc(p) : Buffer.alloc(0);
}

function writeStr(b: Buffer, off: number, len: number, s: string): boolean {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length > len) return false;
  bytes.copy(b, off);
  return true;
}

function writeOctal(b: Buffer, off: number, len: number, v: number): void {
  b.write(v.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

/** Split a long name into ustar prefix + name, or undefined when it does not fit. */
function splitUstar(name: string): [string, string] | undefined {
  const bytes = Buffer.byteLength(name);
  if (bytes <= 100) return ['', name];
  if (bytes > 256) return undefined;
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return [prefix, rest];
  }
  return undefined;
}

function rawHeader(h: TarWriteHeader, name: string, prefix: string, linkname: string, typeflag: string): Buffer {
  const b = Buffer.alloc(BLOCK);
  writeStr(b, 0, 100, name);
  writeOctal(b, 100, 8, (h.mode ?? (h.type === 'directory' ? 0o755 : 0o644)) & 0o7777);
  writeOctal(b, 108, 8, Math.min(h.uid ?? 0, MAX_OCTAL_8));
  writeOctal(b, 116, 8, Math.min(h.gid ?? 0, MAX_OCTAL_8));
  writeOctal(b, 124, 12, Math.min(h.size ?? 0, MAX_OCTAL_12));
  writeOctal(b, 136, 12, Math.min(Math.max(0, Math.floor(h.mtime ?? 0)), MAX_OCTAL_12));
  b.fill(0x20, 148, 156);
  b.write(typeflag, 156, 1, 'latin1');
  writeStr(b, 157, 100, linkname);
  b.write('ustar\0', 257, 6, 'latin1');
  b.write('00', 263, 2, 'latin1');
  writeStr(b, 265, 32, h.uname ?? '');
  writeStr(b, 297, 32, h.gname ?? '');
  writeOctal(b, 329, 8, h.devmajor ?? 0);
  writeOctal(b, 337, 8, h.devminor ?? 0);
  writeStr(b, 345, 155, prefix);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

/** The header block(s) for an entry: a PAX extended header first when ustar cannot hold it. */
export function encodeHeader(h: TarWriteHeader): Buffer {
  const records: Buffer[] = [];
  const typeflag = TYPEFLAG[h.type];
  const name = h.type === 'directory' && !h.name.endsWith('/') ? `${h.name}/` : h.name;
  let split = splitUstar(name);
  if (!split || /[^\x20-\x7e]/.test(name)) {
    records.push(paxRecord('path', Buffer.from(name)));
    split = [
      '',
      Buffer.from(name)
        .subarray(0, 100)
        .toString('latin1')
        .replace(/[^\x20-\x7e]/g, '_'),
    ];
  }
  let linkname = h.linkname ?? '';
  if (Buffer.byteLength(linkname) > 100 || /[^\x20-\x7e]/.test(linkname)) {
    records.push(paxRecord('linkpath', Buffer.from(linkname)));
    linkname = '';
  }
  if ((h.size ?? 0) > MAX_OCTAL_12) records.push(paxRecord('size', Buffer.from(String(h.size))));
  if ((h.uid ?? 0) > MAX_OCTAL_8) records.push(paxRecord('uid', Buffer.from(String(h.uid))));
  if ((h.gid ?? 0) > MAX_OCTAL_8) records.push(paxRecord('gid', Buffer.from(String(h.gid))));
  if (h.xattrs) {
    for (const [k, v] of [...h.xattrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      records.push(paxRecord(`SCHILY.xattr.${k}`, v));
    }
  }
  const main = rawHeader(h, split[1], split[0], linkname, typeflag);
  if (records.length === 0) return main;
  const pax = Buffer.concat(records);
  const paxName = `PaxHeaders/${split[1]}`.slice(0, 99);
  const paxHeader = rawHeader(
    { name: paxName, type: 'file', size: pax.length, mtime: h.mtime ?? 0 },
    paxName,
    '',
    '',
    'x',
  );
  return Buffer.concat([paxHeader, pax, paddingFor(pax.length), main]);
}

async function* bodyChunks(body: NonNullable<TarWriteEntry['body']>): AsyncIterable<Buffer> {
  if (Buffer.isBuffer(body)) {
    yield body;
    return;
  }
  const it = typeof body === 'function' ? body() : body;
  for await (const c of it) yield c;
}

/** Bytes of a tar archive from a sequence of entries. A body shorter or longer than its size fails. */
export async function* packEntries(
  entries: AsyncIterable<TarWriteEntry> | Iterable<TarWriteEntry>,
): AsyncGenerator<Buffer> {
  for await (const e of entries) {
    yield encodeHeader(e.header);
    const size = e.header.type === 'file' ? (e.header.size ?? 0) : 0;
    let n = 0;
    if (e.body && size > 0) {
      for await (const c of bodyChunks(e.body)) {
        n += c.length;
        if (n > size) throw new Error(`tar: ${e.header.name} grew while being archived (more than ${size} bytes)`);
        yield c;
      }
    }
    if (n !== size) throw new Error(`tar: ${e.header.name} changed while being archived (${n} of ${size} bytes)`);
    const pad = paddingFor(size);
    if (pad.length) yield pad;
  }
  yield END_OF_ARCHIVE;
}

export function packTar(entries: AsyncIterable<TarWriteEntry> | Iterable<TarWriteEntry>): Readable {
  return Readable.from(packEntries(entries), { objectMode: false });
}
