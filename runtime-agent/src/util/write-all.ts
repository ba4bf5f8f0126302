/**
 * write(2) may take less than it was given: a file system short of space, a pipe whose buffer is
 * nearly full, a signal. `writeAllSync` writes the rest again until every byte is down (or the
 * kernel reports an error, which is thrown), so a record is never left cut in half silently.
 */
import fs from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `data` to `fd`; at `position` (pwrite, the file offset is untouched) when given,
 * else at the current offset. A non-blocking fd that is full (EAGAIN) is waited on briefly.
 * Returns the number of bytes written (always the whole length).
 */
export function writeAllSync(fd: number, data: string | Uint8Array, position?: number): number {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < buf.length) {
    let n: number;
    try {
      n = fs.writeSync(fd, buf, off, buf.length - off, position === undefined ? null : position + off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1);
      continue;
    }
    if (n <= 0) throw Object.assign(new Error(`write to fd ${fd} made no progress`), { code: 'EIO' });
    off += n;
  }
  return buf.length;
}
