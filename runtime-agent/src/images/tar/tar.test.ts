import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pack } from 'tar-stream';

/** Written by tar-stream (an independent writer), to cross-check the reader. */
async function makeTar(
  entries: Array<{
    name: string;
    type?: string;
    content?: string;
    mode?: number;
    uid?: number;
    gid?: number;
    linkname?: string;
    xattrs?: Record<string, string>;
  }>,
): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    p.on('data', (c: unknown) => chunks.push(c as Buffer));
    p.on('end', () => resolve(Buffer.concat(chunks)));
    p.on('error', reject);
  });
  for (const e of entries) {
    const type = (e.type ?? 'file') as 'file';
    const content = e.content === undefined ? undefined : Buffer.from(e.content);
    const pax = e.xattrs
      ? Object.fromEntries(Object.entries(e.xattrs).map(([k, v]) => [`SCHILY.xattr.${k}`, v]))
      : undefined;
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? 0o644,
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      size: content?.length ?? 0,
      mtime: new Date(0),
      ...(e.linkname ? { linkname: e.linkname } : {}),
      ...(pax ? { pax } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (type === 'file') p.entry(header, content ?? Buffer.alloc(0), cb);
      else p.entry(header, cb);
    });
  }
  p.finalize();
  return done;
}
import { TarFormatError, TarReader, type TarHeader } from './reader';
import { encodeHeader, packEntries, type TarWriteEntry } from './writer';

interface Got {
  h: TarHeader;
  data: Buffer;
}

function read(buf: Buffer, chunk = 7): Got[] {
  const out: Got[] = [];
  let cur: Buffer[] = [];
  const r = new TarReader({
    entry: (h) => {
      cur = [];
      out.push({ h, data: Buffer.alloc(0) });
    },
    data: (c) => cur.push(Buffer.from(c)),
    entryEnd: () => {
      out[out.length - 1]!.data = Buffer.concat(cur);
    },
  });
  for (let i = 0; i < buf.length; i += chunk) r.push(buf.subarray(i, i + chunk));
  r.end();
  return out;
}

async function collect(entries: TarWriteEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of packEntries(entries)) parts.push(c);
  return Buffer.concat(parts);
}

describe('tar reader', () => {
  it('reads what tar-stream writes, in odd-sized chunks', async () => {
    const long = 'd/' + 'x'.repeat(150) + '/file';
    const buf = await makeTar([
      { name: 'a/', type: 'directory', mode: 0o750, uid: 1, gid: 2 },
      { name: 'a/f', content: 'hello', mode: 0o4755 },
      { name: 'a/l', type: 'symlink', linkname: '../etc/passwd' },
      { name: 'a/h', type: 'link', linkname: 'a/f' },
      { name: long, content: 'long' },
      { name: 'x', content: 'y', xattrs: { 'user.test': 'v1' } },
    ]);
    const got = read(buf);
    expect(got.map((g) => [g.h.name, g.h.type])).toEqual([
      ['a/', 'directory'],
      ['a/f', 'file'],
      ['a/l', 'symlink'],
      ['a/h', 'link'],
      [long, 'file'],
      ['x', 'file'],
    ]);
    expect(got[0]!.h.mode).toBe(0o750);
    expect(got[0]!.h.uid).toBe(1);
    expect(got[1]!.h.mode).toBe(0o4755);
    expect(got[1]!.data.toString()).toBe('hello');
    expect(got[2]!.h.linkname).toBe('../etc/passwd');
    expect(got[4]!.data.toString()).toBe('long');
    expect(got[5]!.h.xattrs.get('user.test')?.toString()).toBe('v1');
  });

  it('reads GNU tar output (long names, base-256)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tar-'));
    try {
      const long = 'n'.repeat(200);
      fs.writeFileSync(path.join(dir, long), 'gnu');
      const buf = execFileSync('tar', ['--format=gnu', '-C', dir, '-cf', '-', long]);
      const got = read(buf, 100);
      expect(got[0]!.h.name).toBe(long);
      expect(got[0]!.data.toString()).toBe('gnu');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts an archive that ends right after the last entry', async () => {
    const buf = await makeTar([{ name: 'f', content: 'abc' }]);
    const truncated = buf.subarray(0, 512 + 3);
    expect(read(truncated).map((g) => g.data.toString())).toEqual(['abc']);
  });

  it('rejects truncation inside an entry, bad checksums and huge metadata', async () => {
    const buf = await makeTar([{ name: 'f', content: 'abcdef' }]);
    expect(() => read(buf.subarray(0, 512 + 2))).toThrow(/truncated/);
    const bad = Buffer.from(buf);
    bad[0] = 0x41;
    expect(() => read(bad)).toThrow(TarFormatError);
    const huge = encodeHeader({ name: '././@PaxHeader', type: 'file', size: 50 * 1024 * 1024 });
    huge[156] = 'x'.charCodeAt(0);
    let sum = 0;
    huge.fill(0x20, 148, 156);
    for (const b of huge) sum += b;
    huge.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
    expect(() => read(huge)).toThrow(/exceeds the 1048576-byte limit/);
  });

  it('round-trips the writer: long names, xattrs, big uids, links', async () => {
    const name = 'p/' + 'q'.repeat(120) + '/é-file';
    const buf = await collect([
      { header: { name: 'p', type: 'directory', mode: 0o700, mtime: 1700000000 } },
      {
        header: {
          name,
          type: 'file',
          size: 3,
          uid: 3_000_000,
          xattrs: new Map([['security.capability', Buffer.from([1, 2])]]),
        },
        body: Buffer.from('abc'),
      },
      { header: { name: 'p/s', type: 'symlink', linkname: 'z'.repeat(300) } },
    ]);
    const got = read(buf, 1000);
    expect(got[0]!.h).toMatchObject({ name: 'p/', type: 'directory', mode: 0o700, mtime: 1700000000 });
    expect(got[1]!.h).toMatchObject({ name, uid: 3_000_000 });
    expect(got[1]!.h.xattrs.get('security.capability')).toEqual(Buffer.from([1, 2]));
    expect(got[1]!.data.toString()).toBe('abc');
    expect(got[2]!.h.linkname).toBe('z'.repeat(300));
    // GNU tar agrees.
    const list = execFileSync('tar', ['-tvf', '-'], { input: buf }).toString();
    expect(list).toContain('é-file');
  });

  it('refuses a body that does not match its size', async () => {
    await expect(collect([{ header: { name: 'f', type: 'file', size: 5 }, body: Buffer.from('abc') }])).rejects.toThrow(
      /changed while being archived/,
    );
  });
});
