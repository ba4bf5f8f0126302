/**
 * Layer decompression: gzip (zlib, in libuv's thread pool), zstd (fzstd, pure JS: Node 20's zlib
 * has no zstd) and plain tar. Compression is taken from the media type or sniffed from the magic
 * bytes (archives and imports carry no media type).
 */
import { Decompress } from 'fzstd';
import { InvalidArgument } from '../errdefs';
import { lazyZlib } from './lazy';
import type { Compression } from './manifest';

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];
const XZ = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const BZIP2 = [0x42, 0x5a, 0x68];

function startsWith(b: Buffer, magic: number[]): boolean {
  return b.length >= magic.length && magic.every((m, i) => b[i] === m);
}

export function sniffCompression(head: Buffer): Compression {
  if (startsWith(head, GZIP)) return 'gzip';
  if (startsWith(head, ZSTD)) return 'zstd';
  if (startsWith(head, XZ)) throw new InvalidArgument('xz-compressed archives are not supported: use gzip or zstd');
  if (startsWith(head, BZIP2))
    throw new InvalidArgument('bzip2-compressed archives are not supported: use gzip or zstd');
  return 'none';
}

async function* gunzip(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const z = lazyZlib().createGunzip({ chunkSize: 256 * 1024 });
  // Resolves on 'drain', or on 'close' when the consumer gave up (never waits for ever).
  const drained = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        z.off('drain', done);
        z.off('close', done);
        resolve();
      };
      z.once('drain', done);
      z.once('close', done);
    });
  const feed = (async () => {
    try {
      for await (const c of src) {
        if (z.destroyed) break;
        if (!z.write(c)) await drained();
      }
      if (!z.destroyed) z.end();
    } catch (err) {
      z.destroy(err as Error);
    }
  })();
  try {
    for await (const c of z as AsyncIterable<Buffer>) yield c;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code?.startsWith('Z_')) throw new InvalidArgument(`invalid gzip data: ${e.message}`, { cause: err });
    throw err;
  } finally {
    z.destroy();
    await feed;
  }
}

async function* unzstd(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let out: Buffer[] = [];
  const d = new Decompress((chunk) => {
    out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });
  const drain = function* (): Generator<Buffer> {
    const o = out;
    out = [];
    yield* o;
  };
  try {
    for await (const c of src) {
      d.push(c);
      yield* drain();
    }
    d.push(new Uint8Array(0), true);
    yield* drain();
  } catch (err) {
    if (err instanceof InvalidArgument) throw err;
    throw new InvalidArgument(`invalid zstd data: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The uncompressed bytes of `src`. With 'auto' the first bytes decide. The source is consumed
 * lazily, so backpressure reaches the file or network stream it came from.
 */
export async function* decompress(
  src: AsyncIterable<Buffer>,
  compression: Compression | 'auto',
): AsyncGenerator<Buffer> {
  const it = src[Symbol.asyncIterator]();
  let first: Buffer | undefined;
  let kind: Compression = compression === 'auto' ? 'none' : compression;
  if (compression === 'auto') {
    const chunks: Buffer[] = [];
    let len = 0;
    while (len < 6) {
      const r = await it.next();
      if (r.done) break;
      chunks.push(r.value);
      len += r.value.length;
    }
    first = Buffer.concat(chunks);
    kind = sniffCompression(first);
  }
  const rest: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: () => {
      let pending = first;
      return {
        next: async () => {
          if (pending && pending.length) {
            const v = pending;
            pending = undefined;
            return { value: v, done: false };
          }
          return it.next();
        },
        return: async () => {
          await it.return?.();
          return { value: undefined, done: true };
        },
      };
    },
  };
  if (kind === 'gzip') yield* gunzip(rest);
  else if (kind === 'zstd') yield* unzstd(rest);
  else yield* rest;
}
