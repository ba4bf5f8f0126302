import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInRoot } from './secure-join';

describe('resolveInRoot', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-join-'));
    fs.mkdirSync(path.join(root, 'etc'));
    fs.mkdirSync(path.join(root, 'data', 'sub'), { recursive: true });
    fs.symlinkSync('/etc', path.join(root, 'abs'));
    fs.symlinkSync('../../..', path.join(root, 'data', 'sub', 'up'));
    fs.symlinkSync('/../../../../etc/passwd', path.join(root, 'escape'));
    fs.symlinkSync('loop2', path.join(root, 'loop1'));
    fs.symlinkSync('loop1', path.join(root, 'loop2'));
    fs.symlinkSync('sub', path.join(root, 'data', 'rel'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps paths inside the root', () => {
    expect(resolveInRoot(root, '/etc/passwd')).toBe(path.join(root, 'etc/passwd'));
    expect(resolveInRoot(root, '../../../etc')).toBe(path.join(root, 'etc'));
    expect(resolveInRoot(root, '/abs/hosts')).toBe(path.join(root, 'etc/hosts'));
    expect(resolveInRoot(root, '/data/sub/up/etc')).toBe(path.join(root, 'etc'));
    expect(resolveInRoot(root, '/data/rel/x')).toBe(path.join(root, 'data/sub/x'));
  });
  it('does not follow the last component unless asked', () => {
    expect(resolveInRoot(root, '/escape')).toBe(path.join(root, 'escape'));
    expect(resolveInRoot(root, '/escape', { followFinal: true })).toBe(path.join(root, 'etc/passwd'));
    expect(resolveInRoot(root, '/abs', { followFinal: true })).toBe(path.join(root, 'etc'));
  });
  it('stops symlink loops', () => {
    expect(() => resolveInRoot(root, '/loop1/x')).toThrow(/too many levels/);
  });
});
