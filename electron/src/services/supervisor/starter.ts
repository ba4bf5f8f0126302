/**
 * One engine start, start to finish: create the socket's group (as root), run the launch command
 * (asking for the sudo password, up to three tries), wait until berthd answers or its launcher
 * exits, and turn a failure into a fault with the log lines of this attempt. Bounded throughout.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { LaunchMethod } from '../../contract/models/engine';
import { classifyFailure, faultFor, type Fault } from './faults';
import type { HostEnv } from './host-env';
import { ensureGroup, runShort, spawnDetached, startCommand, type LaunchSpec } from './launch';
import { rotateLog } from './logfile';
import { probe, waitForBerth } from './probe';
import { stageFiles } from './stage';
import { lockHolder } from './record';

export interface ChildHandle {
  proc: ChildProcess;
  exit?: { code: number | null; signal: string | null };
}

export interface StartContext {
  env: HostEnv;
  spec: LaunchSpec;
  logFile: string;
  stateDir: string;
  askPassword?: (q: { prompt: string; retryReason?: string }) => Promise<string | undefined>;
  /** The launcher process (for its exit status if the engine dies later). */
  onChild(child: ChildHandle): void;
}

export type StartOutcome = { ok: true; pid: number; version: string } | { ok: false; fault: Fault; logTail?: string[] };

type Attempt = { ok: true } | { ok: false; timedOut?: boolean; exit?: ChildHandle['exit']; output?: string };

/** Whether sudo needs a password here (`sudo -n true` fails). */
export async function sudoNeedsPassword(env: HostEnv): Promise<boolean> {
  const sudo = env.which('sudo');
  if (!sudo) return true;
  return (await runShort({ file: sudo, args: ['-n', 'true'], env: {} }, 5000)).code !== 0;
}

export async function startEngine(method: LaunchMethod, timeout: number, c: StartContext): Promise<StartOutcome> {
  const spec = c.spec;
  fs.mkdirSync(c.stateDir, { recursive: true, mode: 0o700 });
  rotateLog(c.logFile);
  if (method === 'direct') {
    try {
      if (spec.engine.stage) stageFiles(spec.engine.stage);
    } catch (err) {
      return {
        ok: false,
        fault: {
          code: 'BinaryMissing',
          reason: `cannot copy the engine to ${spec.engine.stage?.to}: ${(err as Error).message}`,
          hint: 'Free space there, or install the .deb.',
        },
      };
    }
    try {
      await ensureGroup(spec.group);
    } catch (err) {
      return {
        ok: false,
        fault: {
          code: 'GroupSetup',
          reason: (err as Error).message,
          hint: 'Create the group yourself (groupadd --system berth) and start again.',
        },
      };
    }
  }
  const needsPassword = method === 'sudo' && (await sudoNeedsPassword(c.env));
  let retryReason: string | undefined;
  for (let attempt = 1; ; attempt++) {
    let password: string | undefined;
    if (needsPassword) {
      password = await c.askPassword?.({
        prompt: 'Your password, for sudo to start the Berth engine as root',
        ...(retryReason ? { retryReason } : {}),
      });
      if (password === undefined) return { ok: false, fault: faultFor.cancelled() };
    }
    const offset = fileSize(c.logFile);
    const r = await runOnce(method, timeout, c, password);
    if (r.ok) break;
    const text = readFrom(c.logFile, offset) + (r.output ?? '');
    const fault = r.timedOut
      ? faultFor.timeout(spec.socketPath, timeout)
      : classifyFailure(text, r.exit, { socketPath: spec.socketPath, dataRoot: spec.dataRoot, method });
    if (fault.code === 'WrongPassword' && attempt < 3) {
      retryReason = fault.reason;
      continue;
    }
    const tail = text
      .split('\n')
      .filter((l) => l.trim())
      .slice(-30);
    return { ok: false, fault, ...(tail.length ? { logTail: tail } : {}) };
  }
  const r = await probe(spec.socketPath);
  if (r.kind === 'denied') return { ok: false, fault: faultFor.denied(spec.socketPath, r.message) };
  return { ok: true, pid: lockHolder(spec.dataRoot) ?? -1, version: r.kind === 'berth' ? r.version : '' };
}

async function runOnce(method: LaunchMethod, timeout: number, c: StartContext, password?: string): Promise<Attempt> {
  const deadline = Date.now() + timeout;
  const socket = c.spec.socketPath;
  const cmd = startCommand(method, c.spec, c.env, password);
  if (method === 'systemd') {
    const r = await runShort(cmd, timeout);
    if (r.code !== 0) return { ok: false, exit: { code: r.code, signal: null }, output: r.output };
    const up = await waitForBerth(socket, deadline, () => false);
    return up?.kind === 'berth' ? { ok: true } : { ok: false, timedOut: true };
  }
  const proc = spawnDetached(cmd, c.logFile);
  const child: ChildHandle = { proc };
  c.onChild(child);
  proc.once('exit', (code, signal) => (child.exit = { code, signal }));
  proc.once('error', () => (child.exit = { code: 127, signal: null }));
  const up = await waitForBerth(socket, deadline, () => child.exit !== undefined);
  if (up?.kind === 'berth') return { ok: true };
  if (child.exit) return { ok: false, exit: child.exit };
  // Still running but silent past the deadline: it is ours, so it goes.
  if (method === 'direct') proc.kill('SIGKILL');
  return { ok: false, timedOut: true };
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** What the log gained since `offset` (at most its last 256 KiB). */
function readFrom(file: string, offset: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size - offset, 256 * 1024);
    if (len <= 0) return '';
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
