/** The agent's end of a line channel to an init or the shim (a socketpair from spawn). */
import type { Readable, Writable } from 'node:stream';

export class LineChannel {
  private buf = '';
  private lines: string[] = [];
  private ended = false;
  private waiter: (() => void) | undefined;

  constructor(private readonly sock: Readable & Writable) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
      this.waiter?.();
    });
    const end = (): void => {
      this.ended = true;
      this.waiter?.();
    };
    sock.on('end', end);
    sock.on('close', end);
    sock.on('error', end);
  }

  send(msg: unknown): void {
    if (!this.ended) this.sock.write(typeof msg === 'string' ? msg : JSON.stringify(msg) + '\n');
  }

  /** Next line (raw), or undefined at EOF or timeout. */
  async nextLine(timeoutMs = 60_000): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0 && !this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.lines.shift();
  }

  async next<T>(timeoutMs?: number): Promise<T | undefined> {
    const line = await this.nextLine(timeoutMs);
    if (line === undefined) return undefined;
    try {
      return JSON.parse(line) as T;
    } catch {
      return undefined;
    }
  }

  destroy(): void {
    this.sock.destroy();
  }
}
