import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildContext } from './build-context';
import { chunked, rawTar, type RawEntry } from './tar-fixtures';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ctx-test-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const open = (entries: RawEntry[], opts: Parameters<typeof BuildContext.fromTar>[1] = {}, tarOpts = {}) =>
  BuildContext.fromTar(chunked(rawTar(entries, tarOpts), 200), { tmpDir: tmp, ...opts });

const files = (root: string): string[] => {
  const out: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const rel = prefix + name;
      const st = fs.lstatSync(path.join(dir, name));
      out.push(
        st.isDirectory() ? rel + '/' : st.isSymbolicLink() ? `${rel} -> ${fs.readlinkSync(path.join(dir, name))}` : rel,
      );
      if (st.isDirectory()) walk(path.join(dir, name), rel + '/');
    }
  };
  walk(root, '');
  return out;
};

const DF: RawEntry = { name: 'Dockerfile', data: 'FROM busybox\n' };

describe('BuildContext.fromTar', () => {
  it('extracts files, directories, symlinks and hard links with modes and mtimes', async () => {
    const ctx = await open([
      DF,
      { name: 'app/', type: '5', mode: 0o750 },
      { name: 'app/run.sh', data: '#!/bin/sh\n', mode: 0o755, mtime: 1600000000 },
      { name: 'app/link', type: '2', linkname: 'run.sh' },
      { name: 'app/hard', type: '1', linkname: 'app/run.sh' },
      { name: './dot/slash.txt', data: 'x' },
    ]);
    try {
      expect(files(ctx.root)).toEqual([
        'Dockerfile',
        'app/',
        'app/hard',
        'app/link -> run.sh',
        'app/run.sh',
        'dot/',
        'dot/slash.txt',
      ]);
      const st = fs.statSync(path.join(ctx.root, 'app/run.sh'));
      expect(st.mode & 0o7777).toBe(0o755);
      expect(st.mtimeMs).toBe(1600000000 * 1000);
      expect(st.nlink).toBe(2);
      expect(fs.statSync(path.join(ctx.root, 'app')).mode & 0o7777).toBe(0o750);
      expect(ctx.dockerfile).toBe('FROM busybox\n');
      expect(ctx.dockerfileName).toBe('Dockerfile');
    } finally {
      await ctx.dispose();
    }
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('reads gzip contexts', async () => {
    const ctx = await BuildContext.fromTar(chunked(gzipSync(rawTar([DF, { name: 'a', data: 'A' }]))), { tmpDir: tmp });
    expect(ctx.compression).toBe('gzip');
    expect(files(ctx.root)).toEqual(['Dockerfile', 'a']);
    await ctx.dispose();
  });

  it('handles the CLI `-f` outside-context tar: truncated, Dockerfile ignored by .dockerignore', async () => {
    const ctx = await open(
      [
        { name: '.dockerignore', data: 'secret\n\n.dockerfile.3f2a\n' },
        { name: 'a.txt', data: 'hi\n' },
        { name: '.dockerfile.3f2a', data: 'FROM busybox\nCOPY a.txt /\n', mode: 0o600 },
      ],
      { dockerfile: '.dockerfile.3f2a' },
      { truncateLast: true },
    );
    expect(ctx.dockerfile).toBe('FROM busybox\nCOPY a.txt /\n');
    expect(files(ctx.root)).toEqual(['.dockerignore', 'a.txt']);
    await ctx.dispose();
  });

  it('applies .dockerignore, including to the Dockerfile and .dockerignore, with exceptions', async () => {
    const ctx = await open([
      DF,
      { name: '.dockerignore', data: 'Dockerfile\n.dockerignore\n*.log\nnode_modules\nbuild\n!build/keep\n' },
      { name: 'a.log', data: 'x' },
      { name: 'src/main.c', data: 'int main;' },
      { name: 'src/debug.log', data: 'x' },
      { name: 'node_modules/dep/index.js', data: 'x' },
      { name: 'build/keep', data: 'k' },
      { name: 'build/drop', data: 'd' },
    ]);
    expect(ctx.dockerfile).toBe('FROM busybox\n');
    expect(ctx.ignorePatterns).toEqual([
      'Dockerfile',
      '.dockerignore',
      '*.log',
      'node_modules',
      'build',
      '!build/keep',
    ]);
    expect(files(ctx.root)).toEqual(['build/', 'build/keep', 'src/', 'src/debug.log', 'src/main.c']);
    await ctx.dispose();
  });

  it('finds the Dockerfile: dockerfile= path, lowercase fallback, clear errors', async () => {
    const sub = await open([{ name: 'sub/Dockerfile.dev', data: 'FROM dev\n' }], { dockerfile: 'sub/Dockerfile.dev' });
    expect(sub.dockerfile).toBe('FROM dev\n');
    await sub.dispose();
    const lower = await open([{ name: 'dockerfile', data: 'FROM lower\n' }]);
    expect([lower.dockerfileName, lower.dockerfile]).toEqual(['dockerfile', 'FROM lower\n']);
    await lower.dispose();
    await expect(open([{ name: 'dockerfile', data: 'x' }], { dockerfile: 'Other' })).rejects.toThrow(
      'Cannot locate specified Dockerfile: Other',
    );
    await expect(open([{ name: 'a', data: 'x' }])).rejects.toMatchObject({
      kind: 'NotFound',
      message: 'Cannot locate specified Dockerfile: Dockerfile',
    });
    await expect(open([{ name: 'Dockerfile', data: '' }])).rejects.toThrow(
      'the Dockerfile (Dockerfile) cannot be empty',
    );
    await expect(open([DF], { dockerfile: '../Dockerfile' })).rejects.toThrow(
      /forbidden path outside the build context/,
    );
    await expect(
      open([DF, { name: 'df', type: '2', linkname: '/etc/hostname' }], { dockerfile: 'df' }),
    ).rejects.toThrow(/forbidden path outside the build context: df \(df is a symlink to \/etc\/hostname\)/);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  describe('hostile archives are refused and leave nothing behind', () => {
    const outside = (): string => path.join(tmp, 'outside');
    const cases: [string, RawEntry[], RegExp][] = [
      ['a ../ name', [DF, { name: '../escape.txt', data: 'x' }], /path escapes the context/],
      ['a nested ../ name', [DF, { name: 'a/../../escape.txt', data: 'x' }], /path escapes the context/],
      ['an absolute name', [DF, { name: '/etc/evil', data: 'x' }], /absolute path/],
      [
        'a write through a symlinked directory',
        [DF, { name: 'sl', type: '2', linkname: '/tmp' }, { name: 'sl/evil', data: 'x' }],
        /sl is a symlink/,
      ],
      [
        'a hard link out of the archive',
        [DF, { name: 'h', type: '1', linkname: '../../../etc/passwd' }],
        /path escapes the context/,
      ],
      [
        'a hard link through a symlinked directory',
        [DF, { name: 'sl', type: '2', linkname: '/etc' }, { name: 'h', type: '1', linkname: 'sl/passwd' }],
        /sl is a symlink/,
      ],
      ['a hard link to a missing file', [DF, { name: 'h', type: '1', linkname: 'nope' }], /hard link to missing file/],
      ['a file under a file', [DF, { name: 'f', data: 'x' }, { name: 'f/g', data: 'y' }], /f is not a directory/],
    ];
    for (const [what, entries, err] of cases) {
      it(what, async () => {
        fs.mkdirSync(outside());
        await expect(open(entries)).rejects.toThrow(err);
        expect(fs.readdirSync(tmp)).toEqual(['outside']);
        expect(fs.readdirSync(outside())).toEqual([]);
      });
    }
  });

  it('replaces a symlink with a file instead of writing through it', async () => {
    const target = path.join(tmp, 'target.txt');
    fs.writeFileSync(target, 'original');
    const ctx = await open([DF, { name: 'x', type: '2', linkname: target }, { name: 'x', data: 'replaced' }]);
    expect(fs.readFileSync(target, 'utf8')).toBe('original');
    expect(fs.lstatSync(path.join(ctx.root, 'x')).isFile()).toBe(true);
    await ctx.dispose();
    fs.rmSync(target);
  });

  it('skips devices and FIFOs and reports them', async () => {
    const ctx = await open([DF, { name: 'dev/null', type: '3' }, { name: 'fifo', type: '6' }]);
    expect(ctx.skipped).toEqual(['dev/null (char)', 'fifo (fifo)']);
    expect(files(ctx.root)).toEqual(['Dockerfile', 'dev/']);
    await ctx.dispose();
  });

  it('enforces size and entry limits', async () => {
    await expect(
      open([DF, { name: 'big', data: Buffer.alloc(4096) }], { limits: { maxBytes: 1000 } }),
    ).rejects.toMatchObject({
      kind: 'ResourceExhausted',
    });
    await expect(open([DF, { name: 'a' }, { name: 'b' }], { limits: { maxEntries: 2 } })).rejects.toThrow(
      /more than 2 entries/,
    );
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

describe('BuildContext.fromDirectory', () => {
  it('uses the directory in place and filters with .dockerignore', async () => {
    fs.writeFileSync(path.join(tmp, 'Dockerfile'), 'FROM x\n');
    fs.writeFileSync(path.join(tmp, '.dockerignore'), '*.tmp\n');
    const ctx = await BuildContext.fromDirectory(tmp);
    expect(ctx.root).toBe(tmp);
    expect(ctx.sourceRoot().filter?.excluded('a.tmp')).toBe(true);
    expect(ctx.sourceRoot().filter?.excluded('a.txt')).toBe(false);
    await ctx.dispose();
    expect(fs.existsSync(path.join(tmp, 'Dockerfile'))).toBe(true);
  });
});
