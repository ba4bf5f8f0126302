/**
 * Compression sniffing for build contexts (and ADD archives): plain, gzip (`docker build
 * --compress`) and zstd are decompressed; bzip2 and xz are recognised and refused with a clear
 * message, because Node has no decoder for them and Berth ships none.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { InvalidArgument } from '../../errdefs';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

export function detectCompression(head: Uint8Array): Compression {
  const b = (i: number): number | undefined => head[i];
  if (b(0) === 0x1f && b(1) === 0x8b && b(2) === 0x08) return 'gzip';
  if (b(0) === 0x42 && b(1) === 0x5a && b(2) === 0x68) return 'bzip2';
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a && b(5) === 0x00) return 'xz';
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'zstd';
  return 'none';
}

async function* prepend(head: Buffer, rest: AsyncIterator<Buffer | Uint8Array | string>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield typeof r.value === 'string' ? Buffer.from(r.value) : Buffer.from(r.value);
  }
}

async function* gunzip(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const gz = createGunzip();
  const input = Readable.from(src);
  input.on('error', (err) => gz.destroy(err));
  input.pipe(gz);
  try {
    for await (const chunk of gz) yield chunk as Buffer;
  } catch (err) {
    throw new InvalidArgument(`invalid gzip data: ${(err as Error).message}`, { cause: err });
  } finally {
    input.destroy();
    gz.destroy();
  }
}

async function* unzstd(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  const d = new ZstdDecompress((data) => {
    out.push(Buffer.from(data));
  });
  try {
    for await (const chunk of src) {
      d.push(chunk);
      while (out.length > 0) yield out.shift() as Buffer;
    }
    d.push(new Uint8Array(0), true);
    while (out.length > 0) yield out.shift() as Buffer;
  } catch (err) {
    if (err instanceof InvalidArgument) throw err;
    throw new InvalidArgument(`invalid zstd data: ${(err as Error).message}`, { cause: err });
  }
}

/** The decompressed bytes of `input`, whatever (supported) compression it uses. */
export type ByteSource = AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>;

async function* toAsync(src: Iterable<Buffer | Uint8Array | string>): AsyncGenerator<Buffer | Uint8Array | string> {
  yield* src;
}

export async function decompressStream(
  input: ByteSource,
): Promise<{ compression: Compression; stream: AsyncIterable<Buffer> }> {
  const it = (Symbol.asyncIterator in input ? input : toAsync(input))[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 6) {
    const r = await it.next();
    if (r.done) break;
    const b = typeof r.value === 'string' ? Buffer.from(r.value) : Buffer.from(r.value);
    head = Buffer.concat([head, b]);
  }
  const compression = detectCompression(head);
  const raw = prepend(head, it);
  switch (compression) {
    case 'none':
      return { compression, stream: raw };
    case 'gzip':
      return { compression, stream: gunzip(raw) };
    case 'zstd':
      return { compression, stream: unzstd(raw) };
    default:
      await it.return?.();
      throw new InvalidArgument(
        `${compression}-compressed archives are not supported by Berth (use gzip, zstd or none)`,
      );
  }
}
