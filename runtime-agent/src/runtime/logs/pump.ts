/**
 * Container output → json-file log. The container writes its stdout and stderr to two append-only
 * raw files (never a FIFO: a dead reader would kill it with SIGPIPE); the agent tails them
 * (inotify through fs.watch) into `container.log`, one `{"log","stream","time"}` object per line as
 * Docker's json-file driver writes, and keeps its read offsets in `offsets.json`. On start-up the
 * log is cut back to the size recorded with the offsets and reading resumes from there, so output
 * written while the agent was down is neither lost nor duplicated. A TTY container's output comes
 * from the pty master instead (feed()).
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { punchHole } from '../proc';
import { writeAllSync } from '../../util/write-all';

export type StreamName = 'stdout' | 'stderr';

export interface LogEntry {
  stream: StreamName;
  /** RFC 3339 with nanoseconds, as Docker writes it. */
  time: string;
  log: string;
}

interface Offsets {
  stdout: number;
  stderr: number;
  json: number;
}

/** Docker splits longer lines into partial messages. */
const MAX_LINE = 16 * 1024;
const READ_CHUNK = 256 * 1024;
const PUNCH_EVERY = 4 * 1024 * 1024;

let lastNs = 0n;
export function rfc3339Nano(ms?: number): string {
  let ns = BigInt(ms ?? Date.now()) * 1_000_000n;
  if (ms === undefined) {
    const hr = process.hrtime.bigint() % 1_000_000n;
    ns += hr;
  }
  if (ns <= lastNs) ns = lastNs + 1n;
  lastNs = ns;
  const d = new Date(Number(ns / 1_000_000n));
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return d.toISOString().slice(0, 19) + '.' + frac + 'Z';
}

export function ioPaths(ioDir: string): {
  stdout: string;
  stderr: string;
  json: string;
  offsets: string;
  exit: string;
} {
  return {
    stdout: path.join(ioDir, 'stdout'),
    stderr: path.join(ioDir, 'stderr'),
    json: path.join(ioDir, 'container.log'),
    offsets: path.join(ioDir, 'offsets.json'),
    exit: path.join(ioDir, 'exit'),
  };
}

export interface LogPumpEvents {
  /** Raw bytes as read (attach streams). */
  data: [stream: StreamName, chunk: Buffer];
  /** One json-file entry written at `offset` of container.log. */
  entry: [entry: LogEntry, offset: number];
  /** Tailing ended (the container exited and its output was drained). */
  close: [];
}

export class LogPump extends EventEmitter<LogPumpEvents> {
  private readonly p: ReturnType<typeof ioPaths>;
  private offs: Offsets = { stdout: 0, stderr: 0, json: 0 };
  private readonly partial: Record<StreamName, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  private readonly fds: Partial<Record<StreamName, number>> = {};
  private jsonFd = -1;
  private pending: Promise<void> = Promise.resolve();
  private scheduled = false;
  private saveTimer: NodeJS.Timeout | undefined;
  private punched: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  private closed = false;
  /** Time used for output read while catching up (written while the agent was away). */
  private catchUp = true;

  constructor(readonly ioDir: string) {
    super();
    this.p = ioPaths(ioDir);
    fs.mkdirSync(ioDir, { recursive: true, mode: 0o700 });
    try {
      this.offs = { ...this.offs, ...(JSON.parse(fs.readFileSync(this.p.offsets, 'utf8')) as Offsets) };
    } catch {
      /* new log */
    }
    this.jsonFd = fs.openSync(this.p.json, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o640);
    // Drop whatever was appended after the last recorded offsets: it is read again below.
    fs.ftruncateSync(this.jsonFd, this.offs.json);
    this.setMaxListeners(0);
  }

  /** Size of container.log that is complete. */
  get jsonSize(): number {
    return this.offs.json;
  }

  /** Create the raw files (the container's stdout/stderr) and return fds to hand to it. */
  static openRawForContainer(ioDir: string): { stdout: number; stderr: number } {
    const p = ioPaths(ioDir);
    const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT;
    return { stdout: fs.openSync(p.stdout, flags, 0o640), stderr: fs.openSync(p.stderr, flags, 0o640) };
  }

  /** Open the raw files for tailing and read what is there; call kick() on every change. */
  openRaw(): void {
    if (this.closed) return;
    for (const s of ['stdout', 'stderr'] as const) {
      if (this.fds[s] !== undefined) continue;
      try {
        this.fds[s] = fs.openSync(this.p[s], fs.constants.O_RDWR);
      } catch {
        /* not created yet */
      }
    }
    this.kick();
  }

  /** Read what is new in the raw files (coalesced). */
  kick(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    this.pending = this.pending.then(async () => {
      this.scheduled = false;
      await this.readRaw();
    });
  }

  /** Read everything there is now, then resolve (at container exit, before reporting it). */
  async drain(final = false): Promise<void> {
    this.kick();
    await this.pending;
    if (final) {
      for (const s of ['stdout', 'stderr'] as const) if (this.partial[s].length) this.lines(s, Buffer.alloc(0), true);
      this.saveNow();
    }
  }

  /** TTY output from the pty master. */
  feed(stream: StreamName, chunk: Buffer): void {
    if (this.closed) return;
    this.emit('data', stream, chunk);
    this.lines(stream, chunk, false);
  }

  private async readRaw(): Promise<void> {
    for (const s of ['stdout', 'stderr'] as const) {
      let fd = this.fds[s];
      if (fd === undefined) {
        try {
          fd = this.fds[s] = fs.openSync(this.p[s], fs.constants.O_RDWR);
        } catch {
          continue;
        }
      }
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      for (;;) {
        const n = await new Promise<number>((resolve) =>
          fs.read(fd, buf, 0, buf.length, this.offs[s], (err, bytes) => resolve(err ? 0 : bytes)),
        );
        if (n <= 0) break;
        const chunk = Buffer.from(buf.subarray(0, n));
        this.offs[s] += n;
        this.emit('data', s, chunk);
        this.lines(s, chunk, false);
      }
      if (this.offs[s] - this.punched[s] >= PUNCH_EVERY && punchHole(fd, this.offs[s])) this.punched[s] = this.offs[s];
    }
    this.catchUp = false;
  }

  private lines(s: StreamName, chunk: Buffer, flushPartial: boolean): void {
    let data = this.partial[s].length ? Buffer.concat([this.partial[s], chunk]) : chunk;
    const time = this.catchUp ? this.rawTime(s) : rfc3339Nano();
    let out = '';
    const entries: LogEntry[] = [];
    for (;;) {
      const nl = data.indexOf(10);
      let end: number;
      if (nl >= 0 && nl < MAX_LINE) end = nl + 1;
      else if (data.length >= MAX_LINE) end = MAX_LINE;
      else break;
      entries.push({ stream: s, time, log: data.subarray(0, end).toString('utf8') });
      data = data.subarray(end);
    }
    if (flushPartial && data.length) {
      entries.push({ stream: s, time, log: data.toString('utf8') });
      data = Buffer.alloc(0);
    }
    this.partial[s] = Buffer.from(data);
    if (!entries.length) return;
    const offsets: number[] = [];
    let pos = this.offs.json;
    for (const e of entries) {
      const line = JSON.stringify(e) + '\n';
      offsets.push(pos);
      pos += Buffer.byteLength(line);
      out += line;
    }
    writeAllSync(this.jsonFd, out, this.offs.json);
    this.offs.json = pos;
    entries.forEach((e, i) => this.emit('entry', e, offsets[i]!));
    this.scheduleSave();
  }

  private rawTime(s: StreamName): string {
    try {
      return rfc3339Nano(Math.min(Date.now(), fs.statSync(this.p[s]).mtimeMs));
    } catch {
      return rfc3339Nano();
    }
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saveNow();
    }, 100);
    this.saveTimer.unref();
  }

  /** Persist offsets; the partial line is not counted as read. */
  saveNow(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const o: Offsets = {
      stdout: this.offs.stdout - this.partial.stdout.length,
      stderr: this.offs.stderr - this.partial.stderr.length,
      json: this.offs.json,
    };
    const tmp = this.p.offsets + '.tmp';
    try {
      fs.writeFileSync(tmp, JSON.stringify(o));
      fs.renameSync(tmp, this.p.offsets);
    } catch {
      /* the container is being removed */
    }
  }

  /** Stop tailing; the last offsets are saved. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.pending;
    this.closed = true;
    this.saveNow();
    for (const s of ['stdout', 'stderr'] as const) {
      const fd = this.fds[s];
      if (fd !== undefined) fs.closeSync(fd);
      delete this.fds[s];
    }
    if (this.jsonFd >= 0) fs.closeSync(this.jsonFd);
    this.jsonFd = -1;
    this.emit('close');
    this.removeAllListeners();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
