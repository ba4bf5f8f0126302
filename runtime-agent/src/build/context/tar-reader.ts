/**
 * A streaming tar reader (ustar, GNU long names, PAX) for build contexts. It accepts what the docker
 * CLI sends for `-f` outside the context: an archive that ends right after the last entry's data,
 * without padding or end-of-archive blocks. Anything else that ends early is an error.
 */
import { InvalidArgument } from '../../errdefs';

export type TarEntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarHeader {
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** PAX records of this entry (xattrs are `SCHILY.xattr.*`). */
  pax: Record<string, string>;
}

export interface TarEntry {
  header: TarHeader;
  /** The entry's data, in chunks; must be consumed (or drained) before the next entry. */
  body: AsyncIterable<Buffer>;
}

const BLOCK = 512;
const MAX_META = 1 << 20; // PAX / long-name records larger than this are refused

class ByteSource {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  private readonly it: AsyncIterator<Buffer | string | Uint8Array>;

  constructor(src: AsyncIterable<Buffer | string | Uint8Array>) {
    this.it = src[Symbol.asyncIterator]();
  }

  /** Ensures at least n bytes are buffered unless the source ends first; returns the count buffered. */
  private async fill(n: number): Promise<number> {
    while (this.buffered < n && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      const b = typeof r.value === 'string' ? Buffer.from(r.value) : Buffer.from(r.value as Uint8Array);
      if (b.length === 0) continue;
      this.chunks.push(b);
      this.buffered += b.length;
    }
    return Math.min(this.buffered, n);
  }

  /** Reads up to n bytes (fewer only at the end of the input). */
  async read(n: number): Promise<Buffer> {
    const have = await this.fill(n);
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const out = all.subarray(0, have);
    const rest = all.subarray(have);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** Takes 1..max bytes; throws if the input has ended. */
  async take(max: number, what: string): Promise<Buffer> {
    if (this.buffered === 0) await this.fill(1);
    if (this.buffered === 0) throw new InvalidArgument(`unexpected end of tar archive in ${what}`);
    const first = this.chunks[0] as Buffer;
    const n = Math.min(max, first.length);
    if (n === first.length) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return first.subarray(0, n);
  }

  async cancel(): Promise<void> {
    this.done = true;
    await this.it.return?.();
  }
}

function cstring(buf: Buffer, off: number, len: number): string {
  const slice = buf.subarray(off, off + len);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? slice.length : end).toString('utf8');
}

/** Octal field, or base-256 when the high bit of the first byte is set. */
function numeric(buf: Buffer, off: number, len: number, field: string): number {
  const f = buf.subarray(off, off + len);
  if (f.length > 0 && ((f[0] as number) & 0x80) !== 0) {
    let v = (f[0] as number) & 0x7f;
    for (let i = 1; i < f.length; i++) v = v * 256 + (f[i] as number);
    if (((f[0] as number) & 0x40) !== 0) throw new InvalidArgument(`tar header: negative ${field}`);
    return v;
  }
  const s = f.toString('latin1').replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new InvalidArgument(`tar header: invalid ${field} ${JSON.stringify(s)}`);
  return Number.parseInt(s, 8);
}

function checksumOk(block: Buffer): boolean {
  const stored = numeric(block, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 32 : (block[i] as number);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

export function parsePax(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < buf.length) {
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number.parseInt(buf.subarray(off, sp).toString('latin1'), 10);
    if (!Number.isFinite(len) || len <= 0 || off + len > buf.length)
      throw new InvalidArgument('tar: invalid PAX record');
    const rec = buf.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
}

async function readMeta(src: ByteSource, size: number, what: string): Promise<Buffer> {
  if (size > MAX_META) throw new InvalidArgument(`tar: ${what} of ${size} bytes is too large`);
  const data = await src.read(size);
  if (data.length < size) throw new InvalidArgument(`unexpected end of tar archive in ${what}`);
  await src.read((BLOCK - (size % BLOCK)) % BLOCK);
  return Buffer.from(data);
}

/** An entry's data: reads exactly `left` bytes; whatever the consumer leaves is drained. */
class EntryBody implements AsyncIterable<Buffer> {
  constructor(
    private readonly src: ByteSource,
    private left: number,
    private readonly what: string,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: async () => {
        if (this.left === 0) return { done: true, value: undefined };
        const chunk = await this.src.take(Math.min(this.left, 1 << 16), this.what);
        this.left -= chunk.length;
        return { done: false, value: chunk };
      },
      return: async () => ({ done: true, value: undefined }),
    };
  }

  async drain(): Promise<void> {
    while (this.left > 0) this.left -= (await this.src.take(Math.min(this.left, 1 << 16), this.what)).length;
  }
}

/** Iterates the entries of a tar stream. */
export async function* readTar(input: AsyncIterable<Buffer | string | Uint8Array>): AsyncGenerator<TarEntry> {
  const src = new ByteSource(input);
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  let globalPax: Record<string, string> = {};
  try {
    for (;;) {
      const block = await src.read(BLOCK);
      if (block.length === 0) return; // end of input on a block boundary: accepted
      if (block.length < BLOCK) throw new InvalidArgument('unexpected end of tar archive in a header');
      if (block.every((b) => b === 0)) return; // end-of-archive marker
      if (!checksumOk(block)) throw new InvalidArgument('tar: invalid header checksum');
      const flag = String.fromCharCode(block[156] as number);
      const size = numeric(block, 124, 12, 'size');
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        const data = await readMeta(src, size, 'a PAX or long-name header');
        if (flag === 'x') pax = { ...globalPax, ...parsePax(data) };
        else if (flag === 'g') globalPax = { ...globalPax, ...parsePax(data) };
        else if (flag === 'L') longName = cstring(data, 0, data.length);
        else longLink = cstring(data, 0, data.length);
        continue;
      }
      const type = TYPES[flag];
      const ustar = block.subarray(257, 263).toString('latin1') === 'ustar\0';
      let name = cstring(block, 0, 100);
      const prefix = ustar ? cstring(block, 345, 155) : '';
      if (prefix) name = `${prefix}/${name}`;
      const header: TarHeader = {
        name: pax.path ?? longName ?? name,
        type: type ?? 'file',
        mode: numeric(block, 100, 8, 'mode') & 0o7777,
        uid: pax.uid !== undefined ? Number(pax.uid) : numeric(block, 108, 8, 'uid'),
        gid: pax.gid !== undefined ? Number(pax.gid) : numeric(block, 116, 8, 'gid'),
        size: pax.size !== undefined ? Number(pax.size) : size,
        mtime: new Date((pax.mtime !== undefined ? Number(pax.mtime) : numeric(block, 136, 12, 'mtime')) * 1000),
        linkname: pax.linkpath ?? longLink ?? cstring(block, 157, 100),
        uname: pax.uname ?? cstring(block, 265, 32),
        gname: pax.gname ?? cstring(block, 297, 32),
        devmajor: numeric(block, 329, 8, 'devmajor'),
        devminor: numeric(block, 337, 8, 'devminor'),
        pax,
      };
      longName = undefined;
      longLink = undefined;
      pax = {};
      if (type === undefined) throw new InvalidArgument(`tar: unsupported entry type '${flag}' for ${header.name}`);
      if (!Number.isSafeInteger(header.size) || header.size < 0)
        throw new InvalidArgument(`tar: invalid size for ${header.name}`);
      const dataSize = type === 'file' ? header.size : 0;
      const body = new EntryBody(src, dataSize, header.name);
      yield { header, body };
      await body.drain();
      // Padding: missing padding after the last entry is what the CLI's truncated tar looks like.
      await src.read((BLOCK - (dataSize % BLOCK)) % BLOCK);
    }
  } finally {
    await src.cancel();
  }
}
