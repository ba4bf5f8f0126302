/** docker cp's archive code: packing keeps metadata; unpacking never leaves the container root. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { packPath } from '../../runtime-agent/src/containers/archive/pack';
import { goFileMode, pathStat } from '../../runtime-agent/src/containers/archive/path-stat';
import { unpackInto } from '../../runtime-agent/src/containers/archive/unpack';
import { describeRoot } from '../support/env';
import { makeTar } from '../support/tar';

async function listTar(
  stream: NodeJS.ReadableStream,
): Promise<Array<{ name: string; type: string; uid: number; mode: number; linkname?: string | null; body: string }>> {
  const out: Array<{ name: string; type: string; uid: number; mode: number; linkname?: string | null; body: string }> =
    [];
  const x = extract();
  await new Promise<void>((resolve, reject) => {
    x.on('entry', (h, s, next) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: unknown) => chunks.push(c as Buffer));
      s.on('end', () => {
        out.push({
          name: h.name,
          type: h.type ?? 'file',
          uid: h.uid ?? 0,
          mode: h.mode ?? 0,
          linkname: h.linkname,
          body: Buffer.concat(chunks).toString(),
        });
        next();
      });
    });
    x.on('finish', resolve);
    x.on('error', reject);
    stream.pipe(x as unknown as NodeJS.WritableStream);
  });
  return out;
}

describeRoot('container archive (docker cp)', () => {
  let dir: string;
  let root: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-'));
    root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, 'data', 'sub'), { recursive: true });
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'container\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('packs a tree with owners, modes, symlinks and hardlinks', async () => {
    fs.writeFileSync(path.join(root, 'data', 'a.txt'), 'A');
    fs.chownSync(path.join(root, 'data', 'a.txt'), 1000, 1000);
    fs.chmodSync(path.join(root, 'data', 'a.txt'), 0o640);
    fs.linkSync(path.join(root, 'data', 'a.txt'), path.join(root, 'data', 'sub', 'hard'));
    fs.symlinkSync('/etc/passwd', path.join(root, 'data', 'link'));
    const entries = await listTar(packPath(path.join(root, 'data'), 'data') as unknown as NodeJS.ReadableStream);
    const by = Object.fromEntries(entries.map((e) => [e.name, e]));
    expect(by['data/']?.type).toBe('directory');
    expect(by['data/a.txt']).toMatchObject({ type: 'file', uid: 1000, mode: 0o640, body: 'A' });
    expect(by['data/sub/hard']).toMatchObject({ type: 'link', linkname: 'data/a.txt' });
    expect(by['data/link']).toMatchObject({ type: 'symlink', linkname: '/etc/passwd' });
  });

  it('reports the path stat with Go file mode bits', () => {
    const s = pathStat(path.join(root, 'data'), '/data');
    expect(s.name).toBe('data');
    expect(s.mode).toBe(2 ** 31 + 0o755);
    expect(goFileMode(fs.lstatSync(path.join(root, 'etc', 'passwd')))).toBe(0o644);
  });

  it('unpacks with root ownership by default and the archive owners with copyUIDGID', async () => {
    const tar = await makeTar([
      { name: 'new/', type: 'directory', mode: 0o750, uid: 1000, gid: 1000 },
      { name: 'new/f.txt', content: 'hello', mode: 0o600, uid: 1000, gid: 1000 },
    ]);
    await unpackInto(Readable.from([tar]), { root, dest: '/data', copyUIDGID: false, noOverwriteDirNonDir: false });
    expect(fs.readFileSync(path.join(root, 'data/new/f.txt'), 'utf8')).toBe('hello');
    expect(fs.statSync(path.join(root, 'data/new/f.txt')).uid).toBe(0);
    await unpackInto(Readable.from([tar]), { root, dest: '/data', copyUIDGID: true, noOverwriteDirNonDir: false });
    const st = fs.statSync(path.join(root, 'data/new/f.txt'));
    expect([st.uid, st.mode & 0o777]).toEqual([1000, 0o600]);
  });

  it('never writes outside the container root', async () => {
    // The container planted symlinks pointing "out": they must resolve inside its own root.
    fs.symlinkSync('/', path.join(root, 'data', 'toroot'));
    fs.symlinkSync('/etc/passwd', path.join(root, 'data', 'pw'));
    const outside = path.join(dir, 'outside.txt');
    const tar = await makeTar([
      { name: '../../../../outside.txt', content: 'escaped?' },
      { name: 'toroot/etc/passwd', content: 'overwritten-inside\n' },
      { name: 'pw', content: 'replaces the link, not its target' },
    ]);
    await unpackInto(Readable.from([tar]), { root, dest: '/data', copyUIDGID: false, noOverwriteDirNonDir: false });
    expect(fs.existsSync(outside)).toBe(false);
    expect(fs.readFileSync(path.join(root, 'data/outside.txt'), 'utf8')).toBe('escaped?');
    expect(fs.readFileSync(path.join(root, 'etc/passwd'), 'utf8')).toBe('overwritten-inside\n');
    expect(fs.lstatSync(path.join(root, 'data/pw')).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync('/etc/passwd', 'utf8')).not.toMatch(/overwritten|replaces/);
  });

  it('refuses device files and links to missing or directory targets', async () => {
    const dev = await makeTar([{ name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 }]);
    await expect(
      unpackInto(Readable.from([dev]), { root, dest: '/data', copyUIDGID: false, noOverwriteDirNonDir: false }),
    ).rejects.toThrow(/device files are not copied/);
    expect(fs.existsSync(path.join(root, 'data/sda'))).toBe(false);
    const hl = await makeTar([{ name: 'h', type: 'link', linkname: '../../../../etc/shadow' }]);
    await expect(
      unpackInto(Readable.from([hl]), { root, dest: '/data', copyUIDGID: false, noOverwriteDirNonDir: false }),
    ).rejects.toThrow();
    const nodir = await makeTar([{ name: 'sub', content: 'x' }]);
    await expect(
      unpackInto(Readable.from([nodir]), { root, dest: '/data', copyUIDGID: false, noOverwriteDirNonDir: true }),
    ).rejects.toThrow(/cannot overwrite directory/);
  });
});
