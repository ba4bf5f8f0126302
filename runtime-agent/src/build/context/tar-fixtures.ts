/**
 * Test helpers: tar archives written byte by byte (so tests can produce exactly what the docker CLI
 * sends, truncated archives included, and hostile entries no well-behaved writer would emit).
 */

export interface RawEntry {
  name: string;
  type?: '0' | '1' | '2' | '3' | '5' | '6' | 'x' | 'L' | 'V';
  data?: Buffer | string;
  mode?: number;
  linkname?: string;
  mtime?: number;
  /** Write a wrong checksum. */
  badChecksum?: boolean;
  /** Override the size field (for lying headers). */
  size?: number;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

export function tarHeader(e: RawEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(e.name, 0, 100, 'utf8');
  h.write(octal(e.mode ?? (e.type === '5' ? 0o755 : 0o644), 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  h.write(octal(e.size ?? size, 12), 124, 'latin1');
  h.write(octal(e.mtime ?? 1700000000, 12), 136, 'latin1');
  h.write(e.type ?? '0', 156, 'latin1');
  if (e.linkname) h.write(e.linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  if (e.badChecksum) sum += 1;
  h.write(octal(sum, 7) + ' ', 148, 'latin1');
  return h;
}

/** A tar archive; `truncateLast` leaves out the last entry's padding and the end blocks, as the CLI does. */
export function rawTar(entries: RawEntry[], opts: { truncateLast?: boolean; endBlocks?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((e, i) => {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
    parts.push(tarHeader(e, data.length), data);
    const last = i === entries.length - 1;
    if (!(last && opts.truncateLast)) parts.push(Buffer.alloc((512 - (data.length % 512)) % 512));
  });
  if (!opts.truncateLast) parts.push(Buffer.alloc(512 * (opts.endBlocks ?? 2)));
  return Buffer.concat(parts);
}

/** Yields `buf` in chunks of `size` bytes (to exercise the reader's buffering). */
export async function* chunked(buf: Buffer, size = 7): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}
