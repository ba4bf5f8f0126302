/**
 * A push-based tar reader: ustar, GNU (long names, base-256 numbers) and PAX (local and global
 * headers, xattrs). It is synchronous so the unpacker can write each piece as it arrives without
 * buffering whole files. Hostile input is bounded: metadata records (PAX, GNU long names) have a
 * size limit, names a length limit, and checksums are verified. An archive that ends right after
 * an entry's data (no end-of-archive blocks) is accepted, as Docker's readers do.
 */
import { InvalidArgument } from '../../errdefs';

export type EntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

export interface TarHeader {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (may be fractional with PAX). */
  mtime: number;
  atime?: number | undefined;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from PAX SCHILY.xattr.* records. */
  xattrs: Map<string, Buffer>;
}

export interface TarSink {
  entry(h: TarHeader): void;
  data(chunk: Buffer): void;
  entryEnd(): void;
}

export interface TarLimits {
  /** Largest PAX or GNU long-name record. */
  maxMetaBytes: number;
  /** Longest entry or link name. */
  maxNameBytes: number;
}

export const DEFAULT_LIMITS: TarLimits = { maxMetaBytes: 1024 * 1024, maxNameBytes: 4096 };

export class TarFormatError extends InvalidArgument {}

const BLOCK = 512;

function cstr(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end >= 0 && end < off + len ? end : off + len);
}

function num(b: Buffer, off: number, len: number, what: string): number {
  if (b[off]! & 0x80) {
    // GNU base-256: big-endian two's complement in the remaining bits.
    if (b[off] === 0xff) throw new TarFormatError(`tar: negative ${what}`);
    let v = b[off]! & 0x7f;
    for (let i = 1; i < len; i++) {
      v = v * 256 + b[off + i]!;
      if (!Number.isSafeInteger(v)) throw new TarFormatError(`tar: ${what} too large`);
    }
    return v;
  }
  const s = b
    .toString('latin1', off, off + len)
    .replace(/\0.*$/s, '')
    .trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`tar: invalid ${what} field "${s}"`);
  const v = Number.parseInt(s, 8);
  if (!Number.isSafeInteger(v)) throw new TarFormatError(`tar: ${what} too large`);
  return v;
}

function checksumOk(b: Buffer): boolean {
  const want = num(b, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return want === unsigned || want === signed;
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** PAX records: "<len> <key>=<value>\n". */
export function parsePax(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let i = 0;
  while (i < buf.length) {
    if (buf[i] === 0) break;
    const sp = buf.indexOf(0x20, i);
    if (sp < 0) throw new TarFormatError('tar: malformed PAX record');
    const len = Number.parseInt(buf.toString('latin1', i, sp), 10);
    if (!Number.isSafeInteger(len) || len <= sp - i + 1 || i + len > buf.length) {
      throw new TarFormatError('tar: malformed PAX record length');
    }
    const rec = buf.subarray(sp + 1, i + len - 1);
    if (buf[i + len - 1] !== 0x0a) throw new TarFormatError('tar: PAX record without newline');
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new TarFormatError('tar: PAX record without "="');
    out.set(rec.toString('utf8', 0, eq), rec.subarray(eq + 1));
    i += len;
  }
  return out;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  D: 'directory',
  '6': 'fifo',
};

type State = 'header' | 'data' | 'meta' | 'padding' | 'end';

export class TarReader {
  private state: State = 'header';
  private hbuf = Buffer.alloc(BLOCK);
  private hlen = 0;
  private remaining = 0;
  private padding = 0;
  private metaKind = '';
  private meta: Buffer[] = [];
  private metaLen = 0;
  private pax = new Map<string, Buffer>();
  private globalPax = new Map<string, Buffer>();
  private longName: string | undefined;
  private longLink: string | undefined;
  private inEntry = false;
  private zeroBlocks = 0;
  private entries = 0;

  constructor(
    private readonly sink: TarSink,
    private readonly limits: TarLimits = DEFAULT_LIMITS,
  ) {}

  get entryCount(): number {
    return this.entries;
  }

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      switch (this.state) {
        case 'end':
          return; // trailing data after the end blocks (padding to a record size) is ignored
        case 'header': {
          const take = Math.min(BLOCK - this.hlen, chunk.length - off);
          chunk.copy(this.hbuf, this.hlen, off, off + take);
          this.hlen += take;
          off += take;
          if (this.hlen === BLOCK) {
            this.hlen = 0;
            this.onHeader(this.hbuf);
          }
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, chunk.length - off);
          this.sink.data(chunk.subarray(off, off + take));
          this.remaining -= take;
          off += take;
          if (this.remaining === 0) this.finishData();
          break;
        }
        case 'meta': {
          const take = Math.min(this.remaining, chunk.length - off);
          this.meta.push(Buffer.from(chunk.subarray(off, off + take)));
          this.remaining -= take;
          off += take;
          if (this.remaining === 0) this.finishMeta();
          break;
        }
        case 'padding': {
          const take = Math.min(this.padding, chunk.length - off);
          this.padding -= take;
          off += take;
          if (this.padding === 0) this.state = 'header';
          break;
        }
      }
    }
  }

  /** The input ended: fine after an entry or the end blocks, an error mid-entry or mid-header. */
  end(): void {
    if (this.state === 'end') return;
    const pending = this.pax.size > 0 || this.longName !== undefined || this.longLink !== undefined;
    if (this.state === 'padding' && !this.inEntry && !pending) {
      this.state = 'end';
      return;
    }
    if (this.state === 'header' && this.hlen === 0 && !pending && !this.inEntry) {
      this.state = 'end';
      return;
    }
    throw new TarFormatError('tar: unexpected end of archive (truncated)');
  }

  private onHeader(b: Buffer): void {
    if (isZero(b)) {
      this.zeroBlocks++;
      if (this.zeroBlocks >= 2) this.state = 'end';
      return;
    }
    if (this.zeroBlocks > 0) this.zeroBlocks = 0;
    if (!checksumOk(b)) throw new TarFormatError('tar: invalid header checksum (not a tar archive or corrupt)');
    const flag = String.fromCharCode(b[156]!);
    const size = num(b, 124, 12, 'size');
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > this.limits.maxMetaBytes) {
        throw new TarFormatError(
          `tar: ${flag === 'x' || flag === 'g' ? 'PAX' : 'long name'} header of ${size} bytes exceeds the ${this.limits.maxMetaBytes}-byte limit`,
        );
      }
      this.metaKind = flag;
      this.meta = [];
      this.metaLen = size;
      this.remaining = size;
      this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
      if (size === 0) this.finishMeta();
      else this.state = 'meta';
      return;
    }
    if (flag === 'S' || flag === 'M')
      throw new TarFormatError('tar: sparse and multi-volume entries are not supported');
    if (flag === 'V') {
      this.skip(size);
      return;
    }
    const type = TYPES[flag];
    if (!type) throw new TarFormatError(`tar: unsupported entry type "${flag.replace(/[^\x20-\x7e]/g, '?')}"`);
    this.emitEntry(b, type, size);
  }

  private emitEntry(b: Buffer, type: EntryType, rawSize: number): void {
    const magic = b.toString('latin1', 257, 263);
    let name = cstr(b, 0, 100);
    if (magic === 'ustar\0') {
      const prefix = cstr(b, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    let linkname = cstr(b, 157, 100);
    const pax = new Map([...this.globalPax, ...this.pax]);
    if (this.longName !== undefined) name = this.longName;
    if (this.longLink !== undefined) linkname = this.longLink;
    const str = (k: string): string | undefined => pax.get(k)?.toString('utf8');
    const paxNum = (k: string, dflt: number): number => {
      const v = str(k);
      if (v === undefined) return dflt;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new TarFormatError(`tar: invalid PAX ${k} "${v}"`);
      return n;
    };
    if (str('path') !== undefined) name = str('path')!;
    if (str('linkpath') !== undefined) linkname = str('linkpath')!;
    for (const k of pax.keys()) {
      if (k.startsWith('GNU.sparse.')) throw new TarFormatError('tar: sparse files are not supported');
    }
    const size = type === 'file' ? paxNum('size', rawSize) : 0;
    if (!Number.isSafeInteger(size)) throw new TarFormatError('tar: invalid size');
    if (Buffer.byteLength(name) > this.limits.maxNameBytes || Buffer.byteLength(linkname) > this.limits.maxNameBytes) {
      throw new TarFormatError(`tar: entry name longer than ${this.limits.maxNameBytes} bytes`);
    }
    if (name.includes('\0') || linkname.includes('\0')) throw new TarFormatError('tar: NUL byte in a name');
    const xattrs = new Map<string, Buffer>();
    for (const [k, v] of pax) {
      if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice('SCHILY.xattr.'.length), v);
    }
    const h: TarHeader = {
      name,
      type,
      mode: num(b, 100, 8, 'mode') & 0o7777,
      uid: paxNum('uid', num(b, 108, 8, 'uid')),
      gid: paxNum('gid', num(b, 116, 8, 'gid')),
      size,
      mtime: paxNum('mtime', num(b, 136, 12, 'mtime')),
      atime: pax.has('atime') ? paxNum('atime', 0) : undefined,
      linkname,
      uname: str('uname') ?? cstr(b, 265, 32),
      gname: str('gname') ?? cstr(b, 297, 32),
      devmajor: type === 'char' || type === 'block' ? num(b, 329, 8, 'devmajor') : 0,
      devminor: type === 'char' || type === 'block' ? num(b, 337, 8, 'devminor') : 0,
      xattrs,
    };
    this.pax = new Map();
    this.longName = undefined;
    this.longLink = undefined;
    this.entries++;
    this.inEntry = true;
    this.sink.entry(h);
    // Header-only types carry no data whatever their size field says (as Go's archive/tar reads them).
    const dataSize = type === 'file' ? size : 0;
    this.remaining = dataSize;
    this.padding = (BLOCK - (dataSize % BLOCK)) % BLOCK;
    if (dataSize === 0) this.finishData();
    else this.state = 'data';
  }

  private finishData(): void {
    this.inEntry = false;
    this.sink.entryEnd();
    this.state = this.padding > 0 ? 'padding' : 'header';
  }

  private finishMeta(): void {
    const buf = Buffer.concat(this.meta, this.metaLen);
    const kind = this.metaKind;
    this.metaKind = '';
    this.meta = [];
    if (kind === 'x') for (const [k, v] of parsePax(buf)) this.pax.set(k, v);
    else if (kind === 'g') for (const [k, v] of parsePax(buf)) this.globalPax.set(k, v);
    else if (kind === 'L') this.longName = cstr(buf, 0, buf.length);
    else if (kind === 'K') this.longLink = cstr(buf, 0, buf.length);
    this.state = this.padding > 0 ? 'padding' : 'header';
  }

  private skip(size: number): void {
    this.padding = size + ((BLOCK - (size % BLOCK)) % BLOCK);
    this.state = this.padding > 0 ? 'padding' : 'header';
  }
}
