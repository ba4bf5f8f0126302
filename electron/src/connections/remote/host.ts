/**
 * A Linux host the app sets the agent up on, seen the same way over SSH and through wsl.exe:
 * run a POSIX sh script with arguments, hold the install lock, copy a file in. Scripts take
 * their data as positional arguments ("$1" …), never spliced into the text, so nothing needs
 * quoting but the arguments themselves — and over SSH, where the login shell reads the command
 * line, those are single-quoted for any POSIX shell (a one-line script, so csh-family shells
 * cope too).
 */
import fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { ExecResult } from '../ssh/session';

export type { ExecResult } from '../ssh/session';

export interface RunOptions {
  timeoutMs: number;
  stdin?: string | Buffer;
}

/** A script still running on the host (a lock holder, an install reading stdin …). */
export interface RemoteProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Exit code (null when killed by a signal or the transport closed). */
  exited: Promise<number | null>;
  kill(): void;
}

/** Releases a lock (idempotent). */
export type Release = () => Promise<void>;

export interface RemoteHost {
  /** For messages: "root@example:22", "WSL distro Ubuntu". */
  readonly label: string;
  run(script: string, args: readonly string[], opts: RunOptions): Promise<ExecResult>;
  /** Takes the install lock of an install root (see remote/lock.ts), waiting up to waitMs. */
  lock(root: string, waitMs: number): Promise<Release>;
  /** Copies a local file to a path on the host (the directory exists). */
  upload(localPath: string, remotePath: string, timeoutMs: number): Promise<void>;
}

/** A host that can also start a long-running script (what the process-held lock needs). */
export interface ProcessHost {
  readonly label: string;
  start(script: string, args: readonly string[], timeoutMs: number): Promise<RemoteProcess>;
}

/** Single-quotes a word for a POSIX shell. */
export function shq(word: string): string {
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** The command line `sh -c '<script>' sh 'arg1' …` (scripts are one line: see above). */
export function shCommand(script: string, args: readonly string[]): string {
  if (/[\r\n]/.test(script)) throw new Error('remote scripts are single lines');
  return ['sh', '-c', shq(script), 'sh', ...args.map(shq)].join(' ');
}

/** Joins script lines with "; " (lines must be complete commands). */
export function script(...lines: string[]): string {
  return lines.join('; ');
}

/** Upload timeout for a file: the base plus 1 s per MiB (a slow link still gets there). */
export function uploadTimeout(localPath: string, baseMs: number): number {
  const size = fs.statSync(localPath).size;
  return baseMs + Math.ceil(size / (1 << 20)) * 1000;
}
