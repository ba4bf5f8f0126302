import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeRoot } from '../../images/test-helpers';
import type { CopySourceItem, CopyStep } from '../planner/types';
import { rawTar } from '../context/tar-fixtures';
import { writeCopy } from './copy-writer';

let tmp: string;
let root: string;
let ctx: string;
let scratch: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-copy-writer-'));
  root = path.join(tmp, 'root');
  ctx = path.join(tmp, 'ctx');
  scratch = path.join(tmp, 'scratch');
  for (const d of [root, ctx, scratch]) fs.mkdirSync(d);
  fs.mkdirSync(path.join(root, 'etc'));
  fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1500:1600::/home/app:/bin/sh\n');
  fs.writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\nstaff:x:50:\n');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function src(rel: string, extra: Partial<Extract<CopySourceItem, { kind: 'path' }>> = {}): CopySourceItem {
  const hostPath = path.join(ctx, rel);
  const st = fs.statSync(hostPath);
  return {
    kind: 'path',
    path: rel,
    realPath: rel,
    hostPath,
    type: st.isDirectory() ? 'dir' : 'file',
    digest: 'x',
    ...extra,
  };
}

function step(p: Partial<CopyStep>): CopyStep {
  const dest = p.dest ?? '/';
  return {
    op: 'copy',
    from: { kind: 'context' },
    sources: [],
    contents: [],
    dest,
    destIsDir: dest.endsWith('/'),
    link: false,
    excludes: [],
    extractArchives: false,
    preserveOwnership: false,
    ...p,
  } as CopyStep;
}

function put(rel: string, text: string, mode = 0o644): void {
  const p = path.join(ctx, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  fs.chmodSync(p, mode);
}

const statOf = (rel: string): fs.Stats => fs.lstatSync(path.join(root, rel));
const modeOf = (rel: string): string => (statOf(rel).mode & 0o7777).toString(8);

describeRoot('copy writer', () => {
  it('copies a file into a new directory with --chown and --chmod; parents are 0755 root', async () => {
    put('a.txt', 'a\n', 0o600);
    await writeCopy(
      root,
      step({ sources: [src('a.txt')], dest: '/opt/app/', chown: 'app:staff', chmod: 0o640 }),
      scratch,
    );
    expect(fs.readFileSync(path.join(root, 'opt/app/a.txt'), 'utf8')).toBe('a\n');
    expect([statOf('opt/app/a.txt').uid, statOf('opt/app/a.txt').gid]).toEqual([1500, 50]);
    expect(modeOf('opt/app/a.txt')).toBe('640');
    expect(modeOf('opt')).toBe('755');
    expect(statOf('opt').uid).toBe(0);
  });

  it('a file to a path without a trailing slash is that file; an existing directory takes it by name', async () => {
    put('a.txt', 'a\n');
    await writeCopy(root, step({ sources: [src('a.txt')], dest: '/renamed.txt' }), scratch);
    expect(fs.readFileSync(path.join(root, 'renamed.txt'), 'utf8')).toBe('a\n');
    await writeCopy(root, step({ sources: [src('a.txt')], dest: '/etc' }), scratch);
    expect(fs.readFileSync(path.join(root, 'etc/a.txt'), 'utf8')).toBe('a\n');
    expect(modeOf('renamed.txt')).toBe('644');
  });

  it('merges directories, keeps modes and mtimes, skips excluded entries, owner 0:0 by default', async () => {
    put('dir/keep.txt', 'k\n', 0o755);
    put('dir/sub/deep.txt', 'd\n');
    put('dir/skip.log', 's\n');
    const when = new Date('2020-01-02T03:04:05Z');
    fs.utimesSync(path.join(ctx, 'dir/keep.txt'), when, when);
    execFileSync('chown', ['-R', '1234:1234', path.join(ctx, 'dir')]);
    const filter = { excluded: (rel: string) => rel.endsWith('.log'), hasExceptions: false };
    await writeCopy(root, step({ sources: [src('dir', { filter })], dest: '/data' }), scratch);
    expect(fs.readdirSync(path.join(root, 'data')).sort()).toEqual(['keep.txt', 'sub']);
    expect(modeOf('data/keep.txt')).toBe('755');
    expect(statOf('data/keep.txt').mtime.getTime()).toBe(when.getTime());
    expect(statOf('data/sub/deep.txt').uid).toBe(0);
  });

  it('COPY --from keeps the source ownership', async () => {
    put('owned.txt', 'o\n');
    fs.chownSync(path.join(ctx, 'owned.txt'), 4321, 8765);
    await writeCopy(root, step({ sources: [src('owned.txt')], dest: '/o.txt', preserveOwnership: true }), scratch);
    expect([statOf('o.txt').uid, statOf('o.txt').gid]).toEqual([4321, 8765]);
  });

  it('resolves symlinks in the destination inside the image and never writes through a final one', async () => {
    fs.mkdirSync(path.join(root, 'run'));
    fs.mkdirSync(path.join(root, 'var'));
    fs.symlinkSync('/run', path.join(root, 'var', 'run'));
    const outside = path.join(tmp, 'outside.txt');
    fs.writeFileSync(outside, 'host\n');
    fs.symlinkSync(outside, path.join(root, 'trap.txt'));
    put('a.txt', 'a\n');
    await writeCopy(root, step({ sources: [src('a.txt')], dest: '/var/run/' }), scratch);
    expect(fs.readFileSync(path.join(root, 'run/a.txt'), 'utf8')).toBe('a\n');
    await writeCopy(root, step({ sources: [src('a.txt')], dest: '/trap.txt' }), scratch);
    expect(fs.readFileSync(outside, 'utf8')).toBe('host\n');
    expect(statOf('trap.txt').isFile()).toBe(true);
  });

  it('ADD extracts a gzip archive into the destination; heredoc files are 0644', async () => {
    put('t/inner/x.txt', 'x\n');
    execFileSync('tar', ['-czf', path.join(ctx, 'b.tgz'), '-C', path.join(ctx, 't'), 'inner']);
    const archive = src('b.tgz', { archive: { compression: 'gzip' } });
    await writeCopy(
      root,
      step({
        op: 'add',
        sources: [archive],
        contents: [{ name: 'note.txt', data: 'note\n' }],
        dest: '/unpacked/',
        extractArchives: true,
      }),
      scratch,
    );
    expect(fs.readFileSync(path.join(root, 'unpacked/inner/x.txt'), 'utf8')).toBe('x\n');
    expect(fs.readFileSync(path.join(root, 'unpacked/note.txt'), 'utf8')).toBe('note\n');
    expect(modeOf('unpacked/note.txt')).toBe('644');
    expect(fs.readdirSync(scratch)).toEqual([]);
  });

  it('an excluded directory with kept exceptions replaces a symlink in the image instead of writing through it', async () => {
    const hostDir = path.join(tmp, 'host-etc');
    fs.mkdirSync(hostDir);
    fs.mkdirSync(path.join(root, 'app'));
    fs.symlinkSync(hostDir, path.join(root, 'app', 'conf'));
    fs.symlinkSync(hostDir, path.join(root, 'app', 'deep'));
    put('src/conf/evil', 'e\n');
    put('src/conf/other', 'o\n');
    put('src/deep/sub/evil', 'd\n');
    const kept = new Set(['src/conf/evil', 'src/deep/sub/evil']);
    const filter = {
      excluded: (rel: string) => /^src\/(conf|deep)(\/|$)/.test(rel) && !kept.has(rel),
      hasExceptions: true,
    };
    await writeCopy(root, step({ sources: [src('src', { filter })], dest: '/app/' }), scratch);
    expect(fs.readdirSync(hostDir)).toEqual([]);
    expect(statOf('app/conf').isDirectory()).toBe(true);
    expect(fs.readdirSync(path.join(root, 'app/conf'))).toEqual(['evil']);
    expect(fs.readFileSync(path.join(root, 'app/deep/sub/evil'), 'utf8')).toBe('d\n');
    expect(statOf('app/deep').isDirectory()).toBe(true);
  });

  it('ADD of an archive that fails to extract closes the archive', async () => {
    fs.writeFileSync(path.join(ctx, 'bad.tar'), rawTar([{ name: '../escape', data: 'x' }]));
    const archive = src('bad.tar', { archive: { compression: 'none' } });
    const fdsTo = (p: string): number =>
      fs.readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return fs.readlinkSync(`/proc/self/fd/${fd}`) === p;
        } catch {
          return false;
        }
      }).length;
    await expect(
      writeCopy(root, step({ op: 'add', sources: [archive], dest: '/x/', extractArchives: true }), scratch),
    ).rejects.toThrow(/escapes/);
    await new Promise((r) => setTimeout(r, 50));
    expect(fdsTo(path.join(ctx, 'bad.tar'))).toBe(0);
  });

  it('an unknown --chown user is an error naming it', async () => {
    put('a.txt', 'a\n');
    await expect(
      writeCopy(root, step({ sources: [src('a.txt')], dest: '/a', chown: 'ghost' }), scratch),
    ).rejects.toThrow(/no such user: ghost/);
  });
});
