/** The browser-side tar packer produces archives a real tar reader accepts, long names included. */
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { packTar } from './tar';

async function entries(buf: ArrayBuffer): Promise<Array<{ name: string; type: string; mode: number; body: string }>> {
  const out: Array<{ name: string; type: string; mode: number; body: string }> = [];
  await new Promise<void>((resolve, reject) => {
    const ex = extract();
    ex.on('entry', (h, s, next) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: unknown) => chunks.push(c as Buffer));
      s.on('end', () => {
        out.push({ name: h.name, type: h.type ?? '', mode: h.mode ?? 0, body: Buffer.concat(chunks).toString() });
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
    Readable.from([Buffer.from(buf)]).pipe(ex);
  });
  return out;
}

const data = (s: string): ArrayBuffer => new TextEncoder().encode(s).buffer as ArrayBuffer;

describe('packTar', () => {
  it('packs files with their folders and modes', async () => {
    const tar = packTar([
      { path: 'Dockerfile', data: data('FROM busybox\n') },
      { path: 'src/run.sh', data: data('#!/bin/sh\n'), mode: 0o755 },
    ]);
    expect(tar.byteLength % 512).toBe(0);
    expect(await entries(tar)).toEqual([
      { name: 'Dockerfile', type: 'file', mode: 0o644, body: 'FROM busybox\n' },
      { name: 'src/', type: 'directory', mode: 0o755, body: '' },
      { name: 'src/run.sh', type: 'file', mode: 0o755, body: '#!/bin/sh\n' },
    ]);
  });

  it('keeps names longer than 100 bytes (ustar prefix, then PAX)', async () => {
    const mid = `${'d'.repeat(60)}/${'e'.repeat(60)}/file.txt`;
    const huge = `${'x'.repeat(120)}/${'y'.repeat(120)}.txt`;
    const got = await entries(
      packTar([
        { path: mid, data: data('1') },
        { path: huge, data: data('2') },
      ]),
    );
    expect(got.filter((e) => e.type === 'file').map((e) => [e.name, e.body])).toEqual([
      [mid, '1'],
      [huge, '2'],
    ]);
  });

  it('refuses paths that climb out of the context', () => {
    expect(() => packTar([{ path: '../etc/passwd', data: data('x') }])).toThrow(/bad path/);
  });
});
