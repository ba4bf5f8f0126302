/**
 * Writing a container's output to a client: multiplexed frames (stdcopy) without a TTY, raw
 * bytes with one; and reading stdin from a hijacked connection, watching for detach keys.
 */
import type { Writable } from 'node:stream';
import { InvalidArgument } from '../../../errdefs';
import { frame } from '../../stream/stdcopy';
import type { StreamName } from './backend';

export function writeOutput(out: Writable, tty: boolean, stream: StreamName, data: Buffer): boolean {
  if (tty) return out.write(data);
  return out.write(frame(stream === 'stdout' ? 1 : 2, data));
}

/** Docker's detach keys: "ctrl-p,ctrl-q" by default; "a-z", "ctrl-a".."ctrl-z", "ctrl-@", "ctrl-[" … */
export function parseDetachKeys(spec: string | undefined): Buffer {
  const keys = spec === undefined || spec === '' ? 'ctrl-p,ctrl-q' : spec;
  const out: number[] = [];
  for (const k of keys.split(',')) {
    const key = k.trim().toLowerCase();
    if (key.length === 1) {
      out.push(key.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-(.)$/.exec(key);
    if (!m) throw new InvalidArgument(`Invalid detach keys (${spec}) provided`);
    const c = m[1]!;
    if (c >= 'a' && c <= 'z') out.push(c.charCodeAt(0) - 96);
    else if (c === '@') out.push(0);
    else if (c === '[') out.push(27);
    else if (c === '\\') out.push(28);
    else if (c === ']') out.push(29);
    else if (c === '^') out.push(30);
    else if (c === '_') out.push(31);
    else throw new InvalidArgument(`Invalid detach keys (${spec}) provided`);
  }
  return Buffer.from(out);
}

/**
 * Scans stdin for the detach sequence. Bytes of a partial match are held back and flushed when
 * the match fails, as moby's escapeProxy does.
 */
export class DetachScanner {
  private held: number[] = [];

  constructor(private readonly keys: Buffer) {}

  /** Returns the bytes to pass on and whether the sequence completed (detach). */
  feed(chunk: Buffer): { pass: Buffer; detach: boolean } {
    const pass: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.held.length]) {
        this.held.push(b);
        if (this.held.length === this.keys.length) {
          this.held = [];
          return { pass: Buffer.from(pass), detach: true };
        }
        continue;
      }
      if (this.held.length) {
        pass.push(...this.held);
        this.held = [];
        if (b === this.keys[0]) {
          this.held.push(b);
          continue;
        }
      }
      pass.push(b);
    }
    return { pass: Buffer.from(pass), detach: false };
  }
}
