/**
 * Pre-started container chains (shim + init waiting for its config), so a start does not wait
 * for Node to boot (the prototype measured 6.6 ms instead of ~30 ms). A member is spawned with
 * new namespaces (network included: host and container:<id> modes setns out of it), its raw
 * output files, exit file and stdin pipe under <data-root>/pool/<n>/; when claimed, those files
 * are renamed into the container's io/ directory (same file system; the open fds follow), the
 * shim learns the TTY/stdin mode on fd 4 and the init joins the container's cgroups before it
 * creates the cgroup namespace. An unclaimed member costs one idle Node process (~40 MB RSS).
 * Its mount namespace is a copy of the host's taken when it was spawned: members older than
 * MAX_AGE_MS are replaced, so host mounts made since (bind sources) are seen.
 */
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { LineChannel } from './channel';
import { ioPaths } from './logs/pump';
import { makePipe } from './proc';
import { spawnShim } from './shim';

const MAX_AGE_MS = 60_000;

export interface PoolMember {
  dir: string;
  child: ChildProcess;
  ch: LineChannel;
  shimCh: LineChannel;
  /** Agent's write end of the stdin pipe. */
  stdinFd: number;
  born: number;
}

export class InitPool {
  private members: PoolMember[] = [];
  private filling = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly root: string,
    private readonly size: number,
    private readonly onError: (msg: string, err: unknown) => void,
  ) {
    // Whatever a previous agent left here belongs to chains that exited with it.
    fs.rmSync(root, { recursive: true, force: true });
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    this.timer = setInterval(() => this.expire(), MAX_AGE_MS / 2);
    this.timer.unref();
    this.fill();
  }

  private spawnMember(): PoolMember {
    const dir = path.join(this.root, crypto.randomBytes(6).toString('hex'));
    fs.mkdirSync(dir, { mode: 0o700 });
    const p = ioPaths(dir);
    const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT;
    const out = fs.openSync(p.stdout, flags, 0o640);
    const err = fs.openSync(p.stderr, flags, 0o640);
    const exitFd = fs.openSync(p.exit, flags, 0o640);
    const [r, w] = makePipe();
    let child: ChildProcess;
    try {
      child = spawnShim({
        procsFiles: [],
        newNet: true,
        tty: 'ask',
        stdin: r,
        stdout: out,
        stderr: err,
        exitFd,
        stdinHolder: w,
      });
    } finally {
      for (const fd of [out, err, exitFd, r]) fs.closeSync(fd);
    }
    child.on('error', () => undefined);
    child.unref();
    return {
      dir,
      child,
      ch: new LineChannel(child.stdio[3] as net.Socket),
      shimCh: new LineChannel(child.stdio[4] as net.Socket),
      stdinFd: w,
      born: Date.now(),
    };
  }

  /**
   * Top the pool up, off the caller's tick. A start calls it once its container runs: spawning (a
   * fork of the agent) and booting a new Node would otherwise compete with the start itself.
   */
  fill(): void {
    if (this.filling || this.closed) return;
    this.filling = true;
    setTimeout(() => {
      this.filling = false;
      try {
        while (!this.closed && this.members.length < this.size) this.members.push(this.spawnMember());
      } catch (err) {
        this.onError('pre-starting a container init failed', err);
      }
    }, 0).unref();
  }

  /** A ready member, or undefined (then the caller starts a chain cold). */
  take(): PoolMember | undefined {
    let m: PoolMember | undefined;
    while ((m = this.members.shift())) {
      if (m.child.exitCode === null && m.child.signalCode === null && Date.now() - m.born < MAX_AGE_MS) break;
      this.discard(m);
    }
    // Nothing ready (a burst of starts): refill now; else the caller refills after its start.
    if (!m) this.fill();
    return m;
  }

  private expire(): void {
    const now = Date.now();
    const old = this.members.filter((m) => now - m.born >= MAX_AGE_MS);
    this.members = this.members.filter((m) => now - m.born < MAX_AGE_MS);
    for (const m of old) this.discard(m);
    this.fill();
  }

  discard(m: PoolMember): void {
    m.ch.destroy();
    m.shimCh.destroy();
    try {
      fs.closeSync(m.stdinFd);
    } catch {
      /* closed */
    }
    // EOF on fd 3 ends the init (exit 126), then the shim; kill the group to be sure.
    if (m.child.pid) {
      try {
        process.kill(-m.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(m.dir, { recursive: true, force: true });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const m of this.members.splice(0)) this.discard(m);
  }
}
