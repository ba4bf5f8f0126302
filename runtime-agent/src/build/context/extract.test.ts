import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTar } from './extract';
import { chunked, rawTar, type RawEntry } from './tar-fixtures';
import { readTar } from './tar-reader';

let tmp: string;
let root: string;
let host: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-extract-test-'));
  root = path.join(tmp, 'root');
  host = path.join(tmp, 'host');
  fs.mkdirSync(root);
  fs.mkdirSync(path.join(host, 'y'), { recursive: true });
  fs.chmodSync(host, 0o700);
  fs.chmodSync(path.join(host, 'y'), 0o700);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const extract = (entries: RawEntry[]) => extractTar(readTar(chunked(rawTar(entries), 100)), root);
const modeOf = (p: string): number => fs.lstatSync(p).mode & 0o7777;
const OLD = 1_000_000;

describe('extractTar', () => {
  it('a directory later replaced by a symlink does not get its mode and mtime applied through the link', async () => {
    await extract([
      { name: 'x/', type: '5', mode: 0o777, mtime: OLD },
      { name: 'x', type: '2', linkname: host },
    ]);
    expect(fs.readlinkSync(path.join(root, 'x'))).toBe(host);
    expect(modeOf(host)).toBe(0o700);
    expect(fs.statSync(host).mtimeMs).not.toBe(OLD * 1000);
  });

  it('nor do the directories under it, nor one replaced by a file or a hard link', async () => {
    await extract([
      { name: 'x/', type: '5', mode: 0o777 },
      { name: 'x/y/', type: '5', mode: 0o777 },
      { name: 'x', type: '2', linkname: host },
      { name: 'f/', type: '5', mode: 0o777 },
      { name: 'f', data: 'file\n', mode: 0o640 },
      { name: 'h/', type: '5', mode: 0o777 },
      { name: 'h', type: '1', linkname: 'f' },
    ]);
    expect(modeOf(host)).toBe(0o700);
    expect(modeOf(path.join(host, 'y'))).toBe(0o700);
    expect(modeOf(path.join(root, 'f'))).toBe(0o640);
    expect(fs.readFileSync(path.join(root, 'h'), 'utf8')).toBe('file\n');
  });

  it('still applies directory modes and mtimes', async () => {
    await extract([
      { name: 'd/', type: '5', mode: 0o750, mtime: OLD },
      { name: 'd/e/', type: '5', mode: 0o711, mtime: OLD },
      { name: 'd/e/f', data: 'x' },
    ]);
    expect(modeOf(path.join(root, 'd'))).toBe(0o750);
    expect(modeOf(path.join(root, 'd/e'))).toBe(0o711);
    expect(fs.statSync(path.join(root, 'd')).mtimeMs).toBe(OLD * 1000);
  });
});
