/**
 * Blocking line protocol on fd 3 (a socketpair from the agent): the init is synchronous code and
 * must never touch process.stdin/stdout/stderr (libuv could set O_NONBLOCK on descriptions the
 * container shares).
 */
import fs from 'node:fs';
import { writeAllSync } from '../../util/write-all';

export class Channel {
  private buf = Buffer.alloc(0);
  constructor(readonly fd: number) {}

  /** Next JSON line, or undefined at EOF. */
  read<T>(): T | undefined {
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl >= 0) {
        const line = this.buf.subarray(0, nl).toString('utf8');
        this.buf = this.buf.subarray(nl + 1);
        return JSON.parse(line) as T;
      }
      const chunk = Buffer.alloc(65536);
      let n: number;
      try {
        n = fs.readSync(this.fd, chunk, 0, chunk.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw err;
      }
      if (n === 0) return undefined;
      this.buf = Buffer.concat([this.buf, chunk.subarray(0, n)]);
    }
  }

  write(msg: unknown): void {
    try {
      writeAllSync(this.fd, JSON.stringify(msg) + '\n');
    } catch {
      /* the agent is gone: nothing to tell */
    }
  }
}
