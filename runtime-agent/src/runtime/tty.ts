/**
 * The agent's handle on a pty master (a copy taken from the shim with pidfd_getfd). Reading goes
 * through tty.ReadStream (epoll); writing uses non-blocking fs.write with a retry timer, because
 * libuv writes to a tty master with blocking writes and a container that does not read its input
 * would otherwise stall the agent. EIO on read means every slave fd is closed: the command ended.
 */
import fs from 'node:fs';
import tty from 'node:tty';
import { resizePty, setNonBlocking } from './proc';

export class PtyMaster {
  private readonly reader: tty.ReadStream;
  private queue: Buffer[] = [];
  private writing = false;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly fd: number,
    onData: (chunk: Buffer) => void,
    onEnd: () => void,
  ) {
    setNonBlocking(fd);
    this.reader = new tty.ReadStream(fd);
    this.reader.on('data', (c: Buffer) => onData(c));
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      onEnd();
    };
    this.reader.on('error', end);
    this.reader.on('end', end);
    this.reader.on('close', end);
  }

  write(data: Buffer | string): void {
    if (this.closed) return;
    this.queue.push(Buffer.isBuffer(data) ? data : Buffer.from(data));
    this.pump();
  }

  private pump(): void {
    if (this.writing || this.closed) return;
    const head = this.queue[0];
    if (!head) return;
    this.writing = true;
    fs.write(this.fd, head, 0, head.length, null, (err, n) => {
      this.writing = false;
      if (this.closed) return;
      if (err) {
        if (err.code === 'EAGAIN') {
          this.retry = setTimeout(() => {
            this.retry = undefined;
            this.pump();
          }, 20);
          return;
        }
        this.queue = [];
        return;
      }
      if (n < head.length) this.queue[0] = head.subarray(n);
      else this.queue.shift();
      this.pump();
    });
  }

  resize(rows: number, cols: number): void {
    if (!this.closed) resizePty(this.fd, rows, cols);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.queue = [];
    // Destroying the stream closes our copy of the master (the shim keeps its own).
    this.reader.destroy();
  }
}
