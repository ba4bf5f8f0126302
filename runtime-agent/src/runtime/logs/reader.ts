/**
 * Reads a container's json-file log: stream filter, tail (read backwards from the end), since/until
 * (Unix seconds, fractions allowed) and follow (live entries from the pump until it closes or the
 * caller aborts).
 */
import fs from 'node:fs';
import type { LogEntry, LogPump } from './pump';

export interface ReadLogsOptions {
  stdout?: boolean;
  stderr?: boolean;
  /** Unix time in seconds: only entries at or after it. */
  since?: number;
  /** Unix time in seconds: only entries before it. */
  until?: number;
  /** Last N lines (undefined = all). */
  tail?: number;
  follow?: boolean;
  signal?: AbortSignal;
}

const CHUNK = 256 * 1024;

/** Byte offset where the last `n` lines of [0, size) start. */
function tailOffset(fd: number, size: number, n: number): number {
  if (n <= 0) return size;
  let pos = size;
  let count = 0;
  const buf = Buffer.allocUnsafe(CHUNK);
  // The final byte is the last line's newline: it does not start a line.
  let skipLast = true;
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    fs.readSync(fd, buf, 0, len, pos);
    for (let i = len - 1; i >= 0; i--) {
      if (buf[i] !== 10) continue;
      if (skipLast && pos + i === size - 1) {
        skipLast = false;
        continue;
      }
      if (++count === n) return pos + i + 1;
    }
  }
  return 0;
}

function timeSeconds(t: string): number {
  // RFC 3339 with nanoseconds: Date keeps milliseconds, enough for since/until filters.
  return Date.parse(t) / 1000;
}

export async function* readLogs(
  file: string,
  pump: LogPump | undefined,
  opts: ReadLogsOptions,
): AsyncGenerator<LogEntry> {
  const want = (e: LogEntry): boolean =>
    ((e.stream === 'stdout' && opts.stdout !== false) || (e.stream === 'stderr' && opts.stderr !== false)) &&
    (opts.since === undefined || timeSeconds(e.time) >= opts.since) &&
    (opts.until === undefined || opts.until <= 0 || timeSeconds(e.time) < opts.until);

  // Subscribe before reading so nothing falls between the file and the live entries.
  const live: LogEntry[] = [];
  let wake: (() => void) | undefined;
  let ended = !opts.follow || !pump || pump.isClosed;
  let limit: number;
  const onEntry = (e: LogEntry, offset: number): void => {
    if (offset < limit) return;
    live.push(e);
    wake?.();
  };
  const onClose = (): void => {
    ended = true;
    wake?.();
  };
  const onAbort = (): void => {
    ended = true;
    wake?.();
  };
  if (!ended && pump) {
    pump.on('entry', onEntry);
    pump.on('close', onClose);
    opts.signal?.addEventListener('abort', onAbort);
  }
  try {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      fd = -1;
    }
    limit = pump && !pump.isClosed ? pump.jsonSize : fd >= 0 ? fs.fstatSync(fd).size : 0;
    if (fd >= 0) {
      try {
        // With a stream filter, tail counts only matching lines: read them all then.
        const filtered = opts.stdout === false || opts.stderr === false;
        const start = opts.tail !== undefined && !filtered ? tailOffset(fd, limit, opts.tail) : 0;
        const matched: LogEntry[] = [];
        let rest = '';
        const buf = Buffer.allocUnsafe(CHUNK);
        for (let pos = start; pos < limit;) {
          const n = fs.readSync(fd, buf, 0, Math.min(CHUNK, limit - pos), pos);
          if (n <= 0) break;
          pos += n;
          const text = rest + buf.toString('utf8', 0, n);
          const lines = text.split('\n');
          rest = lines.pop() ?? '';
          for (const l of lines) {
            if (!l) continue;
            let e: LogEntry;
            try {
              e = JSON.parse(l) as LogEntry;
            } catch {
              continue;
            }
            if (want(e)) matched.push(e);
          }
          if (opts.signal?.aborted) return;
        }
        const out =
          opts.tail !== undefined && filtered ? matched.slice(Math.max(0, matched.length - opts.tail)) : matched;
        for (const e of out) yield e;
      } finally {
        fs.closeSync(fd);
      }
    }
    if (!opts.follow || !pump) return;
    for (;;) {
      while (live.length) {
        const e = live.shift()!;
        if (want(e)) yield e;
      }
      if (ended || opts.signal?.aborted) return;
      if (opts.until !== undefined && opts.until > 0 && Date.now() / 1000 >= opts.until) return;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  } finally {
    pump?.off('entry', onEntry);
    pump?.off('close', onClose);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
