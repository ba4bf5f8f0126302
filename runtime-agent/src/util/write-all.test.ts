import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeAllSync } from './write-all';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmpFile(): { file: string; fd: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-write-all-'));
  dirs.push(dir);
  const file = path.join(dir, 'f');
  return { file, fd: fs.openSync(file, 'w+') };
}

/** The kernel takes at most `max` bytes per call (as on a nearly full disk). */
function shortWrites(max: number): { calls: () => number } {
  const original = fs.writeSync.bind(fs) as (...a: unknown[]) => number;
  let calls = 0;
  vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buf: Buffer, off: number, len: number, pos: unknown) => {
    calls++;
    return original(fd, buf, off, Math.min(len, max), pos);
  }) as never);
  return { calls: () => calls };
}

describe('writeAllSync', () => {
  it('writes the rest of what the kernel took only part of', () => {
    const { file, fd } = tmpFile();
    const spy = shortWrites(7);
    const text = 'é'.repeat(20) + '\n';
    expect(writeAllSync(fd, text)).toBe(Buffer.byteLength(text));
    fs.closeSync(fd);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    expect(spy.calls()).toBe(Math.ceil(Buffer.byteLength(text) / 7));
  });

  it('keeps positions right for positioned writes', () => {
    const { file, fd } = tmpFile();
    fs.writeSync(fd, 'x'.repeat(10));
    shortWrites(3);
    writeAllSync(fd, Buffer.from('abcdefgh'), 5);
    fs.closeSync(fd);
    expect(fs.readFileSync(file, 'utf8')).toBe('xxxxxabcdefgh');
  });

  it('throws what the kernel reports (no silent loss)', () => {
    const { fd } = tmpFile();
    vi.spyOn(fs, 'writeSync').mockImplementation((() => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    }) as never);
    expect(() => writeAllSync(fd, 'data')).toThrow(/ENOSPC/);
    fs.closeSync(fd);
  });

  it('throws when a write makes no progress instead of spinning', () => {
    const { fd } = tmpFile();
    vi.spyOn(fs, 'writeSync').mockReturnValue(0);
    expect(() => writeAllSync(fd, 'data')).toThrow(/made no progress/);
    fs.closeSync(fd);
  });
});
