/**
 * What the container routes need. The containers module (runtime-agent/src/containers) implements
 * it on top of the runtime, images, volumes and network modules. Shapes returned as
 * Record<string, unknown> are already in the Engine API's JSON form.
 */
import type { Readable } from 'node:stream';
import type { Filters } from '../../query';
import type { CreateRequest } from '../../../containers/docker-types';

export type StreamName = 'stdout' | 'stderr';

export interface LogEntry {
  stream: StreamName;
  /** One line including its "\n" (the last may lack it), or a raw chunk for TTY containers. */
  data: Buffer;
  timeNs: bigint;
}

export interface LogOptions {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Nanoseconds; undefined = unbounded. */
  sinceNs: bigint | undefined;
  untilNs: bigint | undefined;
  /** Number of last lines, or undefined for all. */
  tail: number | undefined;
}

export interface OutputChunk {
  stream: StreamName;
  data: Buffer;
}

/** A live connection to a container's (or exec's) stdio. */
export interface StdioSession {
  readonly tty: boolean;
  /** Output until the process ends or the session is closed. */
  output: AsyncIterable<OutputChunk>;
  /** Write to the process's stdin (buffered until it starts). */
  writeStdin(data: Buffer): void;
  /** Client half-closed: end stdin (for StdinOnce/exec), or just stop reading. */
  endStdin(): void;
  /** Detach without stopping the process. */
  close(): void;
}

export interface AttachOptions {
  stream: boolean;
  logs: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  detachKeys: string | undefined;
}

export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface ContainersBackend {
  create(req: CreateRequest): Promise<{ Id: string; Warnings: string[] }>;
  list(opts: {
    all: boolean;
    limit: number | undefined;
    size: boolean;
    filters: Filters;
  }): Promise<Array<Record<string, unknown>>>;
  inspect(ref: string, size: boolean): Promise<Record<string, unknown>>;
  start(ref: string): Promise<void>;
  stop(ref: string, opts: { timeoutSec: number | undefined; signal: string | undefined }): Promise<void>;
  restart(ref: string, opts: { timeoutSec: number | undefined; signal: string | undefined }): Promise<void>;
  kill(ref: string, signal: string | undefined): Promise<void>;
  pause(ref: string): Promise<void>;
  unpause(ref: string): Promise<void>;
  /** Resolve the container now (404 at once); the returned promise settles when the condition is met. */
  wait(ref: string, condition: WaitCondition, signal: AbortSignal): Promise<() => Promise<WaitResult>>;
  remove(ref: string, opts: { force: boolean; volumes: boolean }): Promise<void>;
  rename(ref: string, name: string): Promise<void>;
  update(ref: string, body: Record<string, unknown>): Promise<{ Warnings: string[] }>;
  resize(ref: string, height: number, width: number): Promise<void>;
  top(ref: string, psArgs: string | undefined): Promise<{ Titles: string[]; Processes: string[][] }>;
  changes(ref: string): Promise<Array<{ Path: string; Kind: 0 | 1 | 2 }>>;
  /** Samples in Docker's stats JSON; one when `stream` is false. */
  stats(
    ref: string,
    opts: { stream: boolean; oneShot: boolean },
    signal: AbortSignal,
  ): AsyncIterable<Record<string, unknown>>;
  logs(ref: string, opts: LogOptions, signal: AbortSignal): Promise<{ tty: boolean; entries: AsyncIterable<LogEntry> }>;
  attach(ref: string, opts: AttachOptions, signal: AbortSignal): Promise<StdioSession>;
  export(ref: string): Promise<Readable>;
  statPath(ref: string, path: string): Promise<{ header: string }>;
  getArchive(ref: string, path: string): Promise<{ header: string; tar: Readable }>;
  putArchive(
    ref: string,
    path: string,
    body: NodeJS.ReadableStream,
    opts: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean },
  ): Promise<void>;
  prune(filters: Filters): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }>;
}
