import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeRoot, makeTar, type TestEntry as TarEntry } from './test-helpers';
import { lgetxattr } from '../sys/fsnodes';
import { applyTarFile, type ApplyResult } from './apply';
import { sha256Digest } from './digest';

let tmp: string;
let outside: string;
let dest: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-unpack-'));
  outside = path.join(tmp, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'sentinel'), 'untouched');
  dest = path.join(tmp, 'layer', 'fs');
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function apply(
  entries: TarEntry[] | Buffer,
  compress?: 'gzip' | 'zstd',
  whiteouts: 'overlay' | 'keep' = 'overlay',
): Promise<ApplyResult> {
  let tar = Buffer.isBuffer(entries) ? entries : await makeTar(entries);
  const diff = sha256Digest(tar);
  if (compress === 'gzip') tar = zlib.gzipSync(tar);
  if (compress === 'zstd') tar = execFileSync('zstd', ['-q', '-c'], { input: tar });
  const file = path.join(tmp, `layer-${Math.random()}.tar`);
  fs.writeFileSync(file, tar);
  const r = await applyTarFile({ file, compression: 'auto', dest, options: { whiteouts } });
  expect(r.diffId).toBe(diff);
  return r;
}

/** Everything under outside/ is as the test left it, and nothing appeared elsewhere in tmp. */
function assertOutsideUntouched(): void {
  expect(fs.readdirSync(outside)).toEqual(['sentinel']);
  expect(fs.readFileSync(path.join(outside, 'sentinel'), 'utf8')).toBe('untouched');
  expect(fs.readdirSync(tmp).sort()).toEqual(expect.arrayContaining(['outside']));
  expect(fs.existsSync('/tmp/berth-escaped')).toBe(false);
}

describeRoot('layer unpacking', () => {
  it('preserves ownership, modes, mtimes, xattrs, hard links, symlinks and fifos', async () => {
    const mtime = new Date('2020-02-02T02:02:02Z');
    const r = await apply(
      [
        { name: 'd/', type: 'directory', mode: 0o750, uid: 1000, gid: 1001, mtime },
        { name: 'd/suid', content: 'x', mode: 0o4755, uid: 7, gid: 8, mtime },
        { name: 'd/cap', content: 'c', xattrs: { 'user.berth': 'yes' } },
        { name: 'd/hard', type: 'link', linkname: 'd/suid' },
        { name: 'd/abs-link', type: 'symlink', linkname: '/etc/passwd', uid: 5, gid: 5 },
        { name: 'd/fifo', type: 'fifo', mode: 0o640 },
        { name: 'implicit/parent/file', content: 'p' },
      ],
      'gzip',
    );
    expect(r.entries).toBe(7);
    expect(r.fileBytes).toBe(3);
    const d = fs.statSync(path.join(dest, 'd'));
    expect(d.mode & 0o7777).toBe(0o750);
    expect([d.uid, d.gid]).toEqual([1000, 1001]);
    expect(d.mtime.getTime()).toBe(mtime.getTime());
    const s = fs.statSync(path.join(dest, 'd/suid'));
    expect(s.mode & 0o7777).toBe(0o4755);
    expect([s.uid, s.gid]).toEqual([7, 8]);
    expect(s.mtime.getTime()).toBe(mtime.getTime());
    expect(fs.statSync(path.join(dest, 'd/hard')).ino).toBe(s.ino);
    expect(fs.readlinkSync(path.join(dest, 'd/abs-link'))).toBe('/etc/passwd');
    expect(fs.lstatSync(path.join(dest, 'd/abs-link')).uid).toBe(5);
    expect(fs.lstatSync(path.join(dest, 'd/fifo')).isFIFO()).toBe(true);
    expect(lgetxattr(path.join(dest, 'd/cap'), 'user.berth')?.toString()).toBe('yes');
    expect(fs.readFileSync(path.join(dest, 'implicit/parent/file'), 'utf8')).toBe('p');
  });

  it('turns whiteouts into overlayfs whiteouts and opaque dirs into the xattr', async () => {
    await apply([
      { name: 'a/', type: 'directory' },
      { name: 'a/.wh.gone', content: '' },
      { name: 'b/', type: 'directory' },
      { name: 'b/.wh..wh..opq', content: '' },
      { name: 'b/new', content: 'n' },
      { name: 'c/.wh..wh..opq', content: '' },
      { name: '.wh..wh.plnk/123', content: '' },
    ]);
    const wh = fs.lstatSync(path.join(dest, 'a/gone'));
    expect(wh.isCharacterDevice()).toBe(true);
    expect(wh.rdev).toBe(0);
    expect(fs.existsSync(path.join(dest, 'a/.wh.gone'))).toBe(false);
    expect(lgetxattr(path.join(dest, 'b'), 'trusted.overlay.opaque')?.toString()).toBe('y');
    expect(lgetxattr(path.join(dest, 'c'), 'trusted.overlay.opaque')?.toString()).toBe('y');
    expect(fs.readdirSync(path.join(dest, 'b'))).toEqual(['new']);
  });

  it("lets a layer's own file win over its whiteout, in either order", async () => {
    await apply([
      { name: 'f1', content: 'kept' },
      { name: '.wh.f1', content: '' },
      { name: '.wh.f2', content: '' },
      { name: 'f2', content: 'kept too' },
    ]);
    expect(fs.readFileSync(path.join(dest, 'f1'), 'utf8')).toBe('kept');
    expect(fs.readFileSync(path.join(dest, 'f2'), 'utf8')).toBe('kept too');
  });

  it('keeps whiteout files as plain files when asked (archive extraction)', async () => {
    await apply([{ name: '.wh.x', content: '' }], undefined, 'keep');
    expect(fs.lstatSync(path.join(dest, '.wh.x')).isFile()).toBe(true);
  });

  it('replaces entries as later tar entries say (file → dir → symlink)', async () => {
    await apply([
      { name: 'x', content: 'file' },
      { name: 'x/', type: 'directory' },
      { name: 'x/inner', content: 'i' },
      { name: 'x', type: 'symlink', linkname: 'elsewhere' },
    ]);
    expect(fs.readlinkSync(path.join(dest, 'x'))).toBe('elsewhere');
  });

  const hostile: Array<[string, TarEntry[], RegExp]> = [
    ['dot-dot', [{ name: '../outside/evil', content: 'x' }], /"\.\." in its path/],
    ['dot-dot deep', [{ name: 'a/../../outside/evil', content: 'x' }], /"\.\." in its path/],
    ['absolute path', [{ name: '/tmp/berth-escaped', content: 'x' }], /absolute path/],
    [
      'symlink then file through it',
      [
        { name: 'esc', type: 'symlink', linkname: '../../outside' },
        { name: 'esc/evil', content: 'x' },
      ],
      /parent "esc" is a symlink/,
    ],
    [
      'symlink then directory through it',
      [
        { name: 'esc', type: 'symlink', linkname: '/tmp' },
        { name: 'esc/berth-escaped/', type: 'directory' },
      ],
      /parent "esc" is a symlink/,
    ],
    [
      'symlink then whiteout through it',
      [
        { name: 'esc', type: 'symlink', linkname: '/tmp' },
        { name: 'esc/.wh.berth-escaped', content: '' },
      ],
      /parent "esc" is a symlink/,
    ],
    [
      'symlink then opaque marker through it',
      [
        { name: 'esc', type: 'symlink', linkname: '/tmp' },
        { name: 'esc/.wh..wh..opq', content: '' },
      ],
      /parent "esc" is a symlink/,
    ],
    ['hard link to outside (..)', [{ name: 'h', type: 'link', linkname: '../outside/sentinel' }], /outside the layer/],
    ['hard link to an absolute path', [{ name: 'h', type: 'link', linkname: '/etc/passwd' }], /outside the layer/],
    [
      'hard link to a path not in the layer',
      [{ name: 'h', type: 'link', linkname: 'etc/shadow' }],
      /not in this layer/,
    ],
    [
      'hard link through a symlink',
      [
        { name: 's', type: 'symlink', linkname: '/etc' },
        { name: 'h', type: 'link', linkname: 's/passwd' },
      ],
      /not in this layer/,
    ],
    ['block device', [{ name: 'sda', type: 'block', devmajor: 8, devminor: 0 }], /device node/],
    ['char device', [{ name: 'mem', type: 'char', devmajor: 1, devminor: 1 }], /device node/],
    [
      'overlay xattr smuggled in',
      [{ name: 'd/', type: 'directory', xattrs: { 'trusted.overlay.redirect': '/etc' } }],
      /overlayfs xattr/,
    ],
    ['symlink with an empty target', [{ name: 's', type: 'symlink', linkname: '' }], /empty target/],
    [
      'file under a file',
      [
        { name: 'f', content: 'x' },
        { name: 'f/g', content: 'y' },
      ],
      /not a directory/,
    ],
  ];
  it.each(hostile)('rejects %s and writes nothing outside', async (_name, entries, msg) => {
    fs.symlinkSync(outside, path.join(tmp, 'link-to-outside'));
    await expect(apply(entries)).rejects.toThrow(msg);
    assertOutsideUntouched();
  });

  it('rejects a huge PAX header without reading it into memory', async () => {
    const big = await makeTar([{ name: 'x', content: 'y', xattrs: { 'user.big': 'z'.repeat(2 * 1024 * 1024) } }]);
    await expect(apply(big)).rejects.toThrow(/exceeds the 1048576-byte limit/);
    assertOutsideUntouched();
  });

  it('rejects a name longer than PATH_MAX', async () => {
    const big = await makeTar([{ name: 'a/'.repeat(2100) + 'f', content: 'y' }]);
    await expect(apply(big)).rejects.toThrow(/longer than 4096 bytes/);
  });

  it('rejects data that is not a tar and corrupt gzip', async () => {
    await expect(apply(Buffer.from('this is not a tar archive at all, just some words'.repeat(20)))).rejects.toThrow(
      /checksum/,
    );
    const gz = zlib.gzipSync(await makeTar([{ name: 'f', content: 'x'.repeat(10000) }]));
    gz[gz.length - 6] ^= 0xff;
    const file = path.join(tmp, 'bad.tgz');
    fs.writeFileSync(file, gz);
    await expect(applyTarFile({ file, compression: 'gzip', dest, options: { whiteouts: 'overlay' } })).rejects.toThrow(
      /gzip/,
    );
  });

  it('verifies the expected diff ID', async () => {
    const tar = await makeTar([{ name: 'f', content: 'x' }]);
    const file = path.join(tmp, 'l.tar');
    fs.writeFileSync(file, tar);
    await expect(
      applyTarFile({
        file,
        compression: 'none',
        dest,
        options: { whiteouts: 'overlay' },
        expectDiffId: sha256Digest('something else'),
      }),
    ).rejects.toThrow(/does not match the image config/);
  });
});

describeRoot('zstd layers', () => {
  it('unpacks a zstd-compressed layer', async () => {
    const content = Buffer.alloc(300_000, 'abc');
    await apply([{ name: 'big', content }], 'zstd');
    expect(fs.readFileSync(path.join(dest, 'big')).equals(content)).toBe(true);
  });
});
