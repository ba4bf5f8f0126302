import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { decompressStream } from './decompress';
import { chunked, rawTar } from './tar-fixtures';
import { readTar, type TarHeader } from './tar-reader';

async function readAll(src: AsyncIterable<Buffer>): Promise<{ header: TarHeader; data: string }[]> {
  const out: { header: TarHeader; data: string }[] = [];
  for await (const e of readTar(src)) {
    const parts: Buffer[] = [];
    for await (const c of e.body) parts.push(c);
    out.push({ header: e.header, data: Buffer.concat(parts).toString() });
  }
  return out;
}

function tarStream(
  entries: { name: string; data?: string; type?: 'directory' | 'symlink'; linkname?: string }[],
): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  for (const e of entries) {
    if (e.type) p.entry({ name: e.name, type: e.type, ...(e.linkname ? { linkname: e.linkname } : {}) });
    else p.entry({ name: e.name }, e.data ?? '');
  }
  p.finalize();
  return new Promise((resolve) => p.on('end', () => resolve(Buffer.concat(chunks))));
}

describe('readTar', () => {
  it('reads a complete archive in small chunks', async () => {
    const tar = rawTar([
      { name: 'dir/', type: '5' },
      { name: 'dir/a.txt', data: 'hello' },
      { name: 'link', type: '2', linkname: 'dir/a.txt' },
      { name: 'big', data: Buffer.alloc(1500, 0x61) },
    ]);
    const entries = await readAll(chunked(tar, 13));
    expect(entries.map((e) => [e.header.name, e.header.type, e.header.size, e.header.mode.toString(8)])).toEqual([
      ['dir/', 'dir', 0, '755'],
      ['dir/a.txt', 'file', 5, '644'],
      ['link', 'symlink', 0, '644'],
      ['big', 'file', 1500, '644'],
    ]);
    expect(entries[1]?.data).toBe('hello');
    expect(entries[2]?.header.linkname).toBe('dir/a.txt');
    expect(entries[3]?.data).toBe('a'.repeat(1500));
    expect(entries[0]?.header.mtime.toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });

  it('accepts the CLI truncated archive: no padding after the last entry, no end blocks', async () => {
    const tar = rawTar(
      [
        { name: '.dockerignore', data: 'x\n.dockerfile.abc\n' },
        { name: '.dockerfile.abc', data: 'FROM busybox\n', mode: 0o600 },
      ],
      { truncateLast: true },
    );
    expect(tar.length % 512).not.toBe(0);
    const entries = await readAll(chunked(tar, 100));
    expect(entries.map((e) => [e.header.name, e.data])).toEqual([
      ['.dockerignore', 'x\n.dockerfile.abc\n'],
      ['.dockerfile.abc', 'FROM busybox\n'],
    ]);
  });

  it('accepts an archive that ends on a block boundary without end blocks', async () => {
    const tar = rawTar([{ name: 'a', data: 'x'.repeat(512) }], { truncateLast: true });
    expect((await readAll(chunked(tar, 512))).map((e) => e.data.length)).toEqual([512]);
  });

  it('refuses an archive cut inside an entry or a header', async () => {
    const tar = rawTar([{ name: 'a', data: 'x'.repeat(1000) }], { truncateLast: true });
    await expect(readAll(chunked(tar.subarray(0, 800)))).rejects.toThrow(/unexpected end of tar archive in a/);
    await expect(readAll(chunked(tar.subarray(0, 300)))).rejects.toThrow(/unexpected end of tar archive in a header/);
  });

  it('refuses bad checksums and unknown entry types', async () => {
    await expect(readAll(chunked(rawTar([{ name: 'a', data: 'x', badChecksum: true }])))).rejects.toThrow(/checksum/);
    await expect(readAll(chunked(rawTar([{ name: 'vol', type: 'V' }])))).rejects.toThrow(/unsupported entry type 'V'/);
  });

  it('refuses PAX records larger than 1 MiB', async () => {
    const tar = rawTar([{ name: 'pax', type: 'x', size: 2 << 20 }]);
    await expect(readAll(chunked(tar, 4096))).rejects.toThrow(/too large/);
  });

  it('drains entries the consumer does not read', async () => {
    const tar = rawTar([
      { name: 'skipped', data: 'y'.repeat(3000) },
      { name: 'read', data: 'ok' },
    ]);
    const names: string[] = [];
    let last = '';
    for await (const e of readTar(chunked(tar, 333))) {
      names.push(e.header.name);
      if (e.header.name === 'read') for await (const c of e.body) last += c.toString();
      else for await (const _ of e.body) break; // read one chunk and stop
    }
    expect(names).toEqual(['skipped', 'read']);
    expect(last).toBe('ok');
  });

  it('reads PAX and GNU long names as tar-stream writes them', async () => {
    const long = 'd/'.repeat(80) + 'file-with-a-long-name.txt';
    const tar = await tarStream([
      { name: long, data: 'deep' },
      { name: 'l', type: 'symlink', linkname: 'x'.repeat(150) },
    ]);
    const entries = await readAll(chunked(tar, 64));
    expect(entries[0]?.header.name).toBe(long);
    expect(entries[0]?.data).toBe('deep');
    expect(entries[1]?.header.linkname).toBe('x'.repeat(150));
  });

  it('sniffs gzip and passes plain data through', async () => {
    const tar = rawTar([{ name: 'a', data: 'gz' }]);
    const gz = await decompressStream(chunked(gzipSync(tar), 5));
    expect(gz.compression).toBe('gzip');
    expect((await readAll(gz.stream)).map((e) => e.data)).toEqual(['gz']);
    const plain = await decompressStream(chunked(tar, 3));
    expect(plain.compression).toBe('none');
    expect((await readAll(plain.stream)).map((e) => e.data)).toEqual(['gz']);
  });

  it('refuses compressions it cannot decode, with a clear message', async () => {
    const xz = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]);
    await expect(decompressStream(chunked(xz))).rejects.toThrow(/xz-compressed archives are not supported/);
    const bz = Buffer.from('BZh91AY&SY');
    await expect(decompressStream(chunked(bz))).rejects.toThrow(/bzip2-compressed/);
  });
});
