/**
 * Two-phase start: spawn the chain (shim.ts), send the init its config, wait for "ready" (root
 * file system mounted, pivot_root done, user and command resolved), then — while the init waits —
 * allocate the TTY in the container's devpts and run the network hook, then send "go" and wait
 * for the channel to close on execve (or an error line). Any failure kills what was started.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { BerthError, Internal, InvalidArgument, NotFound } from '../errdefs';
import { LineChannel } from './channel';
import type { InitConfig, InitReport } from './init/config';
import { LogPump, ioPaths } from './logs/pump';
import { makePipe, processStartTime, stealFd, unlockPty, resizePty } from './proc';
import { SHIM_MASTER_FD, spawnShim } from './shim';
import type { PoolMember } from './pool';

export interface StartInput {
  ioDir: string;
  procsFiles: string[];
  newNet: boolean;
  init: InitConfig;
  openStdin: boolean;
  ttySize?: { rows: number; cols: number };
  /** Runs while the init waits (network hook). */
  beforeGo: (pid: number) => Promise<void>;
  /** A pre-started chain to use instead of spawning one. */
  member?: PoolMember;
}

/**
 * Move a pool member's raw output and exit files into the container's io/ directory. They are
 * new files: the raw read offsets of an earlier run are reset (the json log's is kept).
 */
function claimFiles(memberDir: string, p: ReturnType<typeof ioPaths>): void {
  const m = ioPaths(memberDir);
  let json = 0;
  try {
    json = (JSON.parse(fs.readFileSync(p.offsets, 'utf8')) as { json?: number }).json ?? 0;
  } catch {
    /* first run */
  }
  fs.writeFileSync(p.offsets, JSON.stringify({ stdout: 0, stderr: 0, json }));
  for (const k of ['stdout', 'stderr', 'exit'] as const) fs.renameSync(m[k], p[k]);
  fs.rmSync(memberDir, { recursive: true, force: true });
}

export interface Started {
  child: ChildProcess;
  shimPid: number;
  shimStart: number;
  pid: number;
  pidStart: number;
  /** Agent's copy of the pty master (TTY). */
  master?: number;
  /** Agent's write end of the stdin pipe (OpenStdin, no TTY). */
  stdinFd?: number;
}

function reportError(r: Extract<InitReport, { type: 'error' }>): BerthError {
  if (r.kind === 'InvalidArgument') return new InvalidArgument(r.message);
  if (r.kind === 'NotFound') return new NotFound(r.message);
  return new Internal(r.message);
}

export class StartError extends Error {
  constructor(
    readonly error: BerthError,
    readonly exitCode: number,
  ) {
    super(error.message);
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

export async function startProcess(s: StartInput): Promise<Started> {
  const tty = s.init.process.tty;
  const p = ioPaths(s.ioDir);
  const keepStdin = s.openStdin && !tty;
  let child: ChildProcess;
  let ch: LineChannel;
  let shimCh: LineChannel | undefined;
  let stdinW: number | undefined;
  if (s.member) {
    const m = s.member;
    ({ child, ch } = m);
    shimCh = tty ? m.shimCh : undefined;
    claimFiles(m.dir, p);
    m.shimCh.send(`${tty ? 1 : 0} ${keepStdin ? 1 : 0}\n`);
    if (!tty) m.shimCh.destroy();
    if (keepStdin) stdinW = m.stdinFd;
    else fs.closeSync(m.stdinFd);
    s.init.joinCgroups = s.procsFiles;
    // A member always has its own network namespace: host mode joins the agent's.
    if (!s.newNet && !s.init.joinNetns) s.init.joinNetns = `/proc/${process.pid}/ns/net`;
  } else {
    const raw = LogPump.openRawForContainer(s.ioDir);
    fs.writeFileSync(p.exit, '');
    const exitFd = fs.openSync(p.exit, fs.constants.O_WRONLY | fs.constants.O_APPEND);
    let stdinR: number | undefined;
    if (keepStdin) [stdinR, stdinW] = makePipe();
    try {
      child = spawnShim({
        procsFiles: s.procsFiles,
        newNet: s.newNet,
        tty,
        stdin: stdinR ?? 'ignore',
        stdout: raw.stdout,
        stderr: raw.stderr,
        exitFd,
        stdinHolder: stdinW,
      });
    } finally {
      for (const fd of [raw.stdout, raw.stderr, exitFd, stdinR]) if (fd !== undefined) fs.closeSync(fd);
    }
    child.on('error', () => undefined);
    ch = new LineChannel(child.stdio[3] as net.Socket);
    shimCh = tty ? new LineChannel(child.stdio[4] as net.Socket) : undefined;
  }
  let pid = 0;
  let master: number | undefined;
  const fail = async (err: BerthError, code: number): Promise<never> => {
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    ch.destroy();
    shimCh?.destroy();
    await waitExit(child, 10_000);
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await waitExit(child, 5_000);
    }
    if (master !== undefined) fs.closeSync(master);
    if (stdinW !== undefined) fs.closeSync(stdinW);
    throw new StartError(err, code);
  };
  ch.send(s.init);
  const ready = await ch.next<InitReport>();
  if (!ready) {
    const why = child.exitCode === 125 ? 'could not join the container cgroups' : 'the container init exited early';
    return fail(new Internal(`container start failed: ${why}`), 126);
  }
  if (ready.type === 'error') return fail(reportError(ready), ready.exitCode);
  pid = ready.pid;
  const pidStart = processStartTime(pid);
  const shimPid = child.pid ?? 0;
  const shimStart = processStartTime(shimPid);
  let pty: number | undefined;
  try {
    if (shimCh) {
      shimCh.send('open\n');
      const ack = await shimCh.nextLine(10_000);
      if (ack !== 'T') return await fail(new Internal('container start failed: the shim could not open the pty'), 126);
      master = stealFd(shimPid, SHIM_MASTER_FD);
      pty = unlockPty(master);
      if (s.ttySize) resizePty(master, s.ttySize.rows, s.ttySize.cols);
      shimCh.destroy();
    }
    await s.beforeGo(pid);
  } catch (err) {
    const e = err instanceof BerthError ? err : new Internal(`container start failed: ${(err as Error).message}`);
    // The user's process never ran (network or TTY set-up failed): dockerd's code for that.
    return fail(e, 128);
  }
  ch.send({ go: true, ...(pty !== undefined ? { pty } : {}) });
  const after = await ch.next<InitReport>();
  if (after?.type === 'error') return fail(reportError(after), after.exitCode);
  ch.destroy();
  child.unref();
  return { child, shimPid, shimStart, pid, pidStart, master, stdinFd: stdinW };
}

export function wrapStdin(fd: number): net.Socket {
  const s = new net.Socket({ fd, readable: false, writable: true });
  s.on('error', () => undefined);
  return s;
}
