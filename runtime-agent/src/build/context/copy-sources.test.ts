import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CopySourceItem } from '../planner/types';
import { resolveLocalSources, type SourceRoot } from './copy-sources';
import { IgnoreMatcher, matcherFilter } from './dockerignore';
import { goMatch } from './go-path';
import { ContentHasher } from './hash';

let tmp: string;
let root: SourceRoot;

function write(rel: string, data = rel, mode = 0o644): void {
  const p = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  fs.chmodSync(p, mode);
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-src-test-'));
  root = { dir: tmp, label: 'build context' };
  write('a.txt');
  write('b.txt');
  write('c.md');
  write('dir/x.txt');
  write('dir/sub/y.txt');
  write('dir/sub/z.log');
  fs.symlinkSync('a.txt', path.join(tmp, 'link-a'));
  fs.symlinkSync('dir', path.join(tmp, 'link-dir'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const resolve = (sources: string[], extra: Partial<Parameters<typeof resolveLocalSources>[2]> = {}) =>
  resolveLocalSources(root, sources, { hasher: new ContentHasher(), detectArchives: false, ...extra });
const brief = (items: CopySourceItem[]) => items.map((i) => (i.kind === 'path' ? `${i.path}:${i.type}` : i.url));

describe('filepath.Match', () => {
  it('keeps * and ? inside one path element, supports classes and escapes', () => {
    expect(goMatch('*.txt', 'a.txt')).toBe(true);
    expect(goMatch('*.txt', 'dir/a.txt')).toBe(false);
    expect(goMatch('dir/*', 'dir/sub')).toBe(true);
    expect(goMatch('d?r/*/y.*', 'dir/sub/y.txt')).toBe(true);
    expect(goMatch('[a-b].txt', 'b.txt')).toBe(true);
    expect(goMatch('[^a-b].txt', 'c.txt')).toBe(true);
    expect(goMatch('\\*', '*')).toBe(true);
    expect(() => goMatch('[a-', 'a')).toThrow(/syntax error in pattern/);
  });
});

describe('resolveLocalSources', () => {
  it('resolves files, directories, leading / and ./, and symlinks inside the root', async () => {
    expect(brief(await resolve(['a.txt', '/b.txt', './dir', 'dir/', 'link-a', 'link-dir/sub']))).toEqual([
      'a.txt:file',
      'b.txt:file',
      'dir:dir',
      'dir:dir',
      'link-a:file',
      'link-dir/sub:dir',
    ]);
    const [viaLink] = await resolve(['link-dir/sub']);
    expect(viaLink?.kind === 'path' && viaLink.realPath).toBe('dir/sub');
  });

  it('expands wildcards in lexical order, element by element', async () => {
    expect(brief(await resolve(['*.txt']))).toEqual(['a.txt:file', 'b.txt:file']);
    expect(brief(await resolve(['dir/*']))).toEqual(['dir/sub:dir', 'dir/x.txt:file']);
    expect(brief(await resolve(['*/*/*.log']))).toEqual(['dir/sub/z.log:file']);
    expect(await resolve(['*.nothing'])).toEqual([]);
  });

  it('honours the root filter (.dockerignore) and --exclude', async () => {
    root.filter = matcherFilter(new IgnoreMatcher(['b.txt']));
    expect(brief(await resolve(['*.txt']))).toEqual(['a.txt:file']);
    await expect(resolve(['b.txt'])).rejects.toThrow(
      'file not found in build context or excluded by .dockerignore: stat b.txt: file does not exist',
    );
    const excl = new IgnoreMatcher(['**/*.log', 'a.*']);
    expect(brief(await resolve(['*'], { excludes: excl }))).toEqual([
      'c.md:file',
      'dir:dir',
      'link-a:file',
      'link-dir:dir',
    ]);
    const [dir] = await resolve(['dir'], { excludes: excl });
    expect(dir?.kind === 'path' && dir.filter?.excluded('dir/sub/z.log')).toBe(true);
    expect(dir?.kind === 'path' && dir.filter?.excluded('dir/sub/y.txt')).toBe(false);
  });

  it('refuses paths and symlinks that leave the root, also when a wildcard matches them', async () => {
    fs.symlinkSync('../../outside', path.join(tmp, 'dir/up'));
    fs.symlinkSync('/etc/passwd', path.join(tmp, 'abs'));
    await expect(resolve(['a*'])).rejects.toThrow(/abs is a symlink to \/etc\/passwd/);
    await expect(resolve(['../x'])).rejects.toThrow('forbidden path outside the build context: ../x');
    await expect(resolve(['dir/../../x'])).rejects.toThrow(/forbidden path outside the build context/);
    await expect(resolve(['abs'])).rejects.toThrow(
      'forbidden path outside the build context: abs (abs is a symlink to /etc/passwd)',
    );
    await expect(resolve(['dir/up'])).rejects.toThrow(/dir\/up is a symlink to \.\.\/\.\.\/outside/);
  });

  it('reports missing sources like Docker', async () => {
    await expect(resolve(['nope'])).rejects.toMatchObject({
      kind: 'NotFound',
      message: 'file not found in build context or excluded by .dockerignore: stat nope: file does not exist',
    });
    await expect(resolve(['a.txt/child'])).rejects.toMatchObject({ kind: 'NotFound' });
  });
});

describe('content digests', () => {
  const digest = async (src: string): Promise<string> => ((await resolve([src]))[0] as CopySourceItem).digest;

  it('change with content, mode and names, not with timestamps', async () => {
    const d0 = await digest('dir');
    const f0 = await digest('a.txt');
    fs.utimesSync(path.join(tmp, 'dir/x.txt'), new Date(0), new Date(0));
    fs.utimesSync(path.join(tmp, 'a.txt'), new Date(0), new Date(0));
    expect(await digest('dir')).toBe(d0);
    expect(await digest('a.txt')).toBe(f0);

    write('dir/x.txt', 'changed');
    const d1 = await digest('dir');
    expect(d1).not.toBe(d0);
    fs.chmodSync(path.join(tmp, 'dir/x.txt'), 0o600);
    const d2 = await digest('dir');
    expect(d2).not.toBe(d1);
    fs.renameSync(path.join(tmp, 'dir/x.txt'), path.join(tmp, 'dir/renamed.txt'));
    expect(await digest('dir')).not.toBe(d2);

    write('a.txt', 'new content');
    expect(await digest('a.txt')).not.toBe(f0);
    expect(f0).toMatch(/^file:[0-9a-f]{64}$/);
    expect(d0).toMatch(/^dir:[0-9a-f]{64}$/);
  });

  it('ignore excluded entries', async () => {
    const all = await digest('dir');
    root.filter = matcherFilter(new IgnoreMatcher(['**/*.log']));
    const filtered = await digest('dir');
    expect(filtered).not.toBe(all);
    write('dir/sub/z.log', 'log changed');
    expect(await digest('dir')).toBe(filtered);
  });
});
