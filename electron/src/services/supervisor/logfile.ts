/** The engine log Berth keeps for an engine it starts: rotated at start, read back for the UI. */
import fs from 'node:fs';

const MAX_LOG = 10 * 1024 * 1024;

export function rotateLog(file: string): void {
  try {
    if (fs.statSync(file).size > MAX_LOG) fs.renameSync(file, `${file}.1`);
  } catch {
    /* no log yet */
  }
}

/** The last `lines` lines (reads at most the last 256 KiB). */
export function readTail(file: string, lines: number): string[] {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    return buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim())
      .slice(-lines);
  } finally {
    fs.closeSync(fd);
  }
}
