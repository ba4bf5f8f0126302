/**
 * exec: a process in a running container's namespaces and cgroup, with the container's caps and
 * no_new_privs and the requested user, env and working directory (exec-init does the last
 * steps). A TTY exec gets a pty from the container's own devpts, opened through /proc/PID/root.
 * Exec sessions belong to the agent: they do not survive an agent restart (the container does).
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type net from 'node:net';
import { Conflict, Internal, InvalidArgument, NotFound, NotImplemented } from '../errdefs';
import { LineChannel } from './channel';
import type { ExecConfig, InitReport } from './init/config';
import type { StreamName } from './logs/pump';
import { openInContainer, resizePty, unlockPty } from './proc';
import { spawnExec } from './shim';
import { PtyMaster } from './tty';
import type { ContainerRuntime } from './runtime';

export interface ExecOptions {
  cmd: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  tty?: boolean;
  attachStdin?: boolean;
  privileged?: boolean;
}

export interface ExecInfo {
  id: string;
  containerId: string;
  opts: ExecOptions;
  running: boolean;
  exitCode: number | null;
  pid: number;
}

export interface ExecSession {
  readonly id: string;
  readonly tty: boolean;
  write(data: Buffer): void;
  closeStdin(): void;
  resize(rows: number, cols: number): void;
  /** Exit code; resolves after all output was delivered. */
  readonly exited: Promise<number>;
}

interface ExecEntry extends ExecInfo {
  child?: ChildProcess;
  master?: PtyMaster;
  started: boolean;
}

const O_RDWR = 2;
const O_NOCTTY = 0o400;
const O_CLOEXEC = 0o2000000;

export class ExecManager {
  private readonly execs = new Map<string, ExecEntry>();

  constructor(private readonly rt: ContainerRuntime) {}

  create(containerRef: string, opts: ExecOptions): ExecInfo {
    const c = this.rt.get(containerRef);
    if (c.rec.state.status === 'paused')
      throw new Conflict(`Container ${c.rec.id} is paused, unpause the container before exec`);
    if (c.rec.state.status !== 'running') throw new Conflict(`Container ${c.rec.id} is not running`);
    if (opts.privileged) throw new NotImplemented('privileged exec is not supported by Berth yet');
    if (!opts.cmd?.length || !opts.cmd[0]) throw new InvalidArgument('No exec command specified');
    const id = crypto.randomBytes(32).toString('hex');
    const e: ExecEntry = { id, containerId: c.rec.id, opts, running: false, exitCode: null, pid: 0, started: false };
    this.execs.set(id, e);
    this.rt.emitEvent('exec_create', c.rec, { execID: id });
    return this.info(e);
  }

  private info(e: ExecEntry): ExecInfo {
    return { id: e.id, containerId: e.containerId, opts: e.opts, running: e.running, exitCode: e.exitCode, pid: e.pid };
  }

  inspect(id: string): ExecInfo {
    const e = this.execs.get(id);
    if (!e) throw new NotFound(`No such exec instance: ${id}`);
    return this.info(e);
  }

  async start(
    id: string,
    onData: (stream: StreamName, chunk: Buffer) => void,
    opts: { ttySize?: { rows: number; cols: number }; detach?: boolean } = {},
  ): Promise<ExecSession> {
    const e = this.execs.get(id);
    if (!e) throw new NotFound(`No such exec instance: ${id}`);
    if (e.started) throw new Conflict(`exec ${id} has already been started`);
    e.started = true;
    const c = this.rt.get(e.containerId);
    if (c.rec.state.status !== 'running') throw new Conflict(`Container ${c.rec.id} is not running`);
    const s = c.rec.spec;
    const cg = this.rt.cgroupOf(c);
    const tty = !!e.opts.tty;
    const cfg: ExecConfig = {
      pid: c.rec.state.pid,
      process: {
        args: e.opts.cmd,
        env: [...s.env, ...(e.opts.env ?? [])],
        cwd: e.opts.workingDir || s.workingDir,
        user: e.opts.user ?? s.user,
        groupAdd: s.groupAdd,
        tty,
        caps: s.caps,
        noNewPrivs: s.noNewPrivileges,
        rlimits: s.rlimits,
      },
    };
    let masterFd: number | undefined;
    let slave: number | undefined;
    let stdio: StdioOptions;
    if (tty) {
      masterFd = openInContainer(c.rec.state.pid, 'dev/pts/ptmx', O_RDWR | O_NOCTTY | O_CLOEXEC);
      const n = unlockPty(masterFd);
      slave = openInContainer(c.rec.state.pid, `dev/pts/${n}`, O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (opts.ttySize) resizePty(masterFd, opts.ttySize.rows, opts.ttySize.cols);
      stdio = [slave, slave, slave, 'pipe'];
    } else if (opts.detach) {
      // docker exec -d: output is discarded, as dockerd does.
      stdio = ['ignore', 'ignore', 'ignore', 'pipe'];
    } else {
      stdio = [e.opts.attachStdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'];
    }
    let child: ChildProcess;
    try {
      child = spawnExec({
        procsFiles: cg.procsFiles,
        pid: c.rec.state.pid,
        hostNet: s.networkMode === 'host',
        stdio,
      });
    } finally {
      if (slave !== undefined) fs.closeSync(slave);
    }
    child.on('error', () => undefined);
    e.child = child;
    const outputDone: Promise<void>[] = [];
    if (tty && masterFd !== undefined) {
      let endPty: () => void = () => undefined;
      outputDone.push(new Promise<void>((r) => (endPty = r)));
      e.master = new PtyMaster(
        masterFd,
        (chunk) => onData('stdout', chunk),
        () => endPty(),
      );
    } else {
      for (const [i, name] of [
        [1, 'stdout'],
        [2, 'stderr'],
      ] as const) {
        const stream = child.stdio[i] as net.Socket | null;
        if (!stream) continue;
        stream.on('data', (chunk: Buffer) => onData(name, chunk));
        outputDone.push(new Promise<void>((r) => stream.once('close', () => r())));
      }
    }
    const exitCode = new Promise<number>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? osSignal(signal) : 0))),
    );
    const ch = new LineChannel(child.stdio[3] as net.Socket);
    ch.send(cfg);
    const ready = await ch.next<InitReport>();
    let failed: InitReport | 'eof' | undefined = ready ?? 'eof';
    if (ready?.type === 'ready') {
      e.pid = ready.pid;
      const after = await execOutcome(ch, ready.pid);
      failed = after?.type === 'error' ? after : undefined;
    }
    ch.destroy();
    if (failed !== undefined) {
      const code = await exitCode;
      e.master?.close();
      e.exitCode = code;
      if (failed !== 'eof' && failed.type === 'error' && failed.kind === 'InvalidArgument')
        throw new InvalidArgument(failed.message);
      throw new Internal(
        failed !== 'eof' && failed.type === 'error' ? failed.message : `exec failed to start (exit code ${code})`,
      );
    }
    e.running = true;
    this.rt.emitEvent('exec_start', c.rec, { execID: id, ...{ exec: e.opts.cmd.join(' ') } });
    const exited = (async () => {
      const code = await exitCode;
      // A TTY's output ends with EIO once every slave fd is closed; bound the wait anyway.
      await Promise.race([Promise.all(outputDone), new Promise((r) => setTimeout(r, 2000))]);
      e.master?.close();
      e.running = false;
      e.exitCode = code;
      e.child = undefined;
      this.rt.emitEvent('exec_die', c.rec, { execID: id, exitCode: String(code) });
      return code;
    })();
    const stdin = child.stdio[0] as net.Socket | null;
    return {
      id,
      tty,
      exited,
      write: (data) => {
        if (e.master) e.master.write(data);
        else stdin?.write(data);
      },
      closeStdin: () => {
        stdin?.end();
      },
      resize: (rows, cols) => e.master?.resize(rows, cols),
    };
  }

  resize(id: string, rows: number, cols: number): void {
    const e = this.execs.get(id);
    if (!e) throw new NotFound(`No such exec instance: ${id}`);
    if (!e.master) throw new Conflict(`exec ${id} has no TTY or is not running`);
    e.master.resize(rows, cols);
  }

  /** Drop the exec records of a removed container. */
  async forget(containerId: string): Promise<void> {
    for (const [id, e] of this.execs) if (e.containerId === containerId) this.execs.delete(id);
  }

  async close(): Promise<void> {
    for (const e of this.execs.values()) {
      e.master?.close();
      e.child?.unref();
    }
    this.execs.clear();
  }
}

function osSignal(name: NodeJS.Signals): number {
  return os.constants.signals[name] ?? 0;
}

/**
 * Success is EOF on the channel (it is close-on-exec) — but nsenter's parent, which waits for
 * the process it forked into the PID namespace, holds its own copy of the channel, so for a
 * long-running command the EOF never comes. The exec also shows when the process's image is no
 * longer Node's; an error report comes if execve failed.
 */
async function execOutcome(ch: LineChannel, pid: number): Promise<InitReport | undefined> {
  const next = ch.next<InitReport>();
  let settled = false;
  void next.finally(() => (settled = true));
  // The exe link resolves to the file itself, whatever mount namespace it is in.
  const node = fs.statSync(process.execPath);
  const deadline = Date.now() + 5000;
  while (!settled) {
    const r = await Promise.race([next, new Promise<'tick'>((res) => setTimeout(() => res('tick'), 5))]);
    if (r !== 'tick') return r;
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(`/proc/${pid}/exe`);
    } catch {
      st = undefined; // gone: the channel tells why
    }
    if (st && (st.ino !== node.ino || st.dev !== node.dev)) return undefined;
    if (Date.now() > deadline) return undefined;
  }
  return next;
}
