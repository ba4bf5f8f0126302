/**
 * ContainerRuntime: the containers of one daemon, with their state on disk, driven by the Engine
 * API (or a test) without HTTP. Lifecycle and I/O live here; the process chain in shim.ts and
 * start.ts, exec in exec.ts, re-adoption after an agent restart in adopt.ts.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { createCgroupManager } from '../cgroups';
import type { CgroupManager, CgroupStats, ContainerCgroup } from '../cgroups/manager';
import { Conflict, InvalidArgument, NotFound } from '../errdefs';
import type { ContainerAction, RuntimeEvents } from './events';
import { readLogs, type ReadLogsOptions } from './logs/reader';
import { ioPaths, type LogEntry, type StreamName } from './logs/pump';
import { needsHook } from './network-hook';
import { isSameProcess } from './proc';
import type { HostLimits } from './spec/build';
import type { CreateOptions } from './spec/types';
import { StateStore, type ContainerRecord } from './state';
import { hostLimits } from './host-limits';
import { ExecManager } from './exec';
import { adoptAll } from './adopt';
import { checkExit, finishExit } from './exit';
import { cancelRestart, startAtBoot } from './restart';
import { InitPool } from './pool';
import { attachContainer, type AttachOptions, type AttachSession } from './attach';
import { startContainer, type StartOptions } from './start-container';
import { createContainer } from './create-container';
import { stopContainer } from './stop-container';
import type { Container, RuntimeOptions } from './container';

export type { AttachOptions, AttachSession } from './attach';

export type { Container, RuntimeOptions } from './container';

export class ContainerRuntime extends EventEmitter<RuntimeEvents> {
  readonly store: StateStore;
  readonly cgroups: CgroupManager;
  readonly containers = new Map<string, Container>();
  readonly exec: ExecManager;
  private readonly limits: HostLimits;
  private poll: NodeJS.Timeout | undefined;
  private pool: InitPool | undefined;
  private closed = false;

  constructor(readonly opts: RuntimeOptions) {
    super();
    this.setMaxListeners(0);
    this.store = new StateStore(opts.dataRoot);
    fs.mkdirSync(opts.execRoot, { recursive: true, mode: 0o700 });
    this.cgroups = opts.cgroups ?? createCgroupManager(opts.cgroupParent ?? 'berth');
    this.limits = hostLimits(this.cgroups.version);
    this.exec = new ExecManager(this);
  }

  /** Load and adopt every container, clean what a killed agent left, start by policy (unless told not to). */
  async init(opts: { startAtBoot?: boolean } = {}): Promise<void> {
    await adoptAll(this);
    if (opts.startAtBoot !== false) await this.startAtBoot();
    this.poll = setInterval(() => this.pollShims(), 2000);
    this.poll.unref();
    if (this.opts.initPool && this.opts.initPool > 0)
      this.pool = new InitPool(path.join(this.opts.dataRoot, 'pool'), this.opts.initPool, (m, e) =>
        this.reportError(m, e),
      );
  }

  /** Start the containers whose restart policy wants them running after an agent start. */
  startAtBoot(): Promise<void> {
    return startAtBoot(this);
  }

  emitEvent(action: ContainerAction, rec: ContainerRecord, extra: Record<string, string> = {}): void {
    const attributes: Record<string, string> = { name: rec.name, image: rec.image, ...rec.spec.labels, ...extra };
    this.emit('event', { action, id: rec.id, attributes, timeNano: BigInt(Date.now()) * 1_000_000n });
  }

  reportError(msg: string, err: unknown): void {
    this.opts.onError?.(msg, err);
  }

  // ---- lookup --------------------------------------------------------------------------------

  /** By full id, name, or unique id prefix. */
  get(ref: string): Container {
    const byId = this.containers.get(ref);
    if (byId) return byId;
    const name = ref.startsWith('/') ? ref.slice(1) : ref;
    for (const c of this.containers.values()) if (c.rec.name === name) return c;
    const matches = [...this.containers.values()].filter((c) => c.rec.id.startsWith(ref));
    if (matches.length === 1 && ref.length > 0) return matches[0]!;
    if (matches.length > 1) throw new InvalidArgument(`multiple IDs found with provided prefix: ${ref}`);
    throw new NotFound(`No such container: ${ref}`);
  }

  inspect(ref: string): ContainerRecord {
    return structuredClone(this.get(ref).rec);
  }

  list(all = true): ContainerRecord[] {
    return [...this.containers.values()]
      .filter((c) => all || c.rec.state.status === 'running' || c.rec.state.status === 'paused')
      .map((c) => structuredClone(c.rec))
      .sort((a, b) => b.created.localeCompare(a.created));
  }

  counts(): { containers: number; running: number; paused: number; stopped: number } {
    let running = 0;
    let paused = 0;
    for (const c of this.containers.values()) {
      if (c.rec.state.status === 'running') running++;
      else if (c.rec.state.status === 'paused') paused++;
    }
    const n = this.containers.size;
    return { containers: n, running, paused, stopped: n - running - paused };
  }

  dir(id: string): string {
    return this.store.dir(id);
  }

  ioDir(id: string): string {
    return path.join(this.store.dir(id), 'io');
  }

  // ---- create --------------------------------------------------------------------------------

  create(o: CreateOptions): Promise<ContainerRecord> {
    return createContainer(this, o, this.limits);
  }

  nameTaken(n: string): boolean {
    for (const c of this.containers.values()) if (c.rec.name === n) return true;
    return false;
  }

  // ---- start ---------------------------------------------------------------------------------

  async start(ref: string, opts: StartOptions = {}): Promise<void> {
    const c = this.get(ref);
    // One start at a time (a restart-policy start racing `docker start`): the later one sees
    // the outcome of the earlier (already started, or "created" again after a failure).
    while (c.starting) await c.starting;
    const run = startContainer(this, c, opts);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    c.starting = settled;
    try {
      await run;
    } finally {
      if (c.starting === settled) c.starting = undefined;
    }
  }

  /** A pre-started init from the pool, if one is ready. */
  takeInit(): ReturnType<InitPool['take']> {
    return this.pool?.take();
  }

  /**
   * Called when a start is over (either way): pre-start the next init off its path, at once. A
   * delay (150 ms was tried) lets back-to-back `docker run`s find the pool empty every other
   * time: a cold start (~100 ms here) instead of a pooled one (~10 ms).
   */
  refillInits(): void {
    this.pool?.fill();
  }

  async detachNetwork(rec: ContainerRecord, removing: boolean): Promise<void> {
    const hook = this.opts.network;
    if (!hook || !needsHook(rec.spec.networkMode)) return;
    try {
      await hook.detach({ containerId: rec.id, networkMode: rec.spec.networkMode, removing });
    } catch (err) {
      this.reportError('network detach failed', err);
    }
  }

  // ---- exit ----------------------------------------------------------------------------------

  /** The shim's exit file, or (if the shim vanished) the pid's liveness. */
  checkExit(c: Container): Promise<void> {
    // A closed runtime no longer owns its containers (the next agent does).
    if (this.closed) return Promise.resolve();
    return checkExit(this, c);
  }

  /** Record an exit: drain the output, OOM check, clean cgroup and network, tell waiters. */
  finishExit(c: Container, exitCode: number, finishedAt = new Date()): Promise<void> {
    return finishExit(this, c, exitCode, finishedAt);
  }

  private pollShims(): void {
    for (const c of this.containers.values()) {
      const st = c.rec.state.status;
      if (
        (st === 'running' || st === 'paused') &&
        !c.finishing &&
        !isSameProcess(c.rec.state.shimPid, c.rec.state.shimStart)
      )
        void this.checkExit(c);
    }
  }

  // ---- signals, stop, pause ------------------------------------------------------------------

  private running(ref: string): Container {
    const c = this.get(ref);
    const st = c.rec.state.status;
    if (st !== 'running' && st !== 'paused') throw new Conflict(`Container ${c.rec.id} is not running`);
    return c;
  }

  async kill(ref: string, signal: number = 9): Promise<void> {
    // A kill that comes while the container starts (a cancelled build step, `docker kill` right
    // after `docker start`) is for the process being started: wait for it rather than refuse.
    const starting = this.get(ref).starting;
    if (starting) await starting;
    const c = this.running(ref);
    const s = c.rec.state;
    if (!isSameProcess(s.pid, s.pidStart)) {
      await this.checkExit(c);
      throw new Conflict(`Container ${c.rec.id} is not running`);
    }
    if (signal === c.rec.spec.stopSignal) s.manuallyStopped = true;
    process.kill(s.pid, signal);
    this.emitEvent('kill', c.rec, { signal: String(signal) });
    // A frozen task cannot die: let SIGKILL through (as dockerd does).
    if (signal === 9 && s.status === 'paused') await this.unpause(ref).catch(() => undefined);
  }

  /** Resolves with the exit code once the container is not running. */
  waitExit(c: Container): Promise<number> {
    const st = c.rec.state.status;
    if (st !== 'running' && st !== 'paused') return Promise.resolve(c.rec.state.exitCode);
    return this.exitPromise(c);
  }

  /** The next exit; keeps the event loop alive while someone waits (the watch does not). */
  private exitPromise(c: Container): Promise<number> {
    const keep = setInterval(() => undefined, 1 << 30);
    return new Promise<number>((resolve) => c.exitWaiters.push(resolve)).finally(() => clearInterval(keep));
  }

  stop(ref: string, timeoutSec?: number, signal?: number): Promise<void> {
    return stopContainer(this, this.get(ref), timeoutSec, signal);
  }

  async restart(ref: string, timeoutSec?: number): Promise<void> {
    const c = this.get(ref);
    if (c.rec.state.status === 'running' || c.rec.state.status === 'paused') await this.stop(ref, timeoutSec);
    c.rec.restartCount++;
    await this.start(ref);
    this.emitEvent('restart', c.rec);
  }

  async pause(ref: string): Promise<void> {
    const c = this.running(ref);
    if (c.rec.state.status === 'paused') throw new Conflict(`Container ${c.rec.id} is already paused`);
    await this.cgroupOf(c).freeze();
    c.rec.state.status = 'paused';
    this.store.save(c.rec);
    this.emitEvent('pause', c.rec);
  }

  async unpause(ref: string): Promise<void> {
    const c = this.running(ref);
    if (c.rec.state.status !== 'paused') throw new Conflict(`Container ${c.rec.id} is not paused`);
    await this.cgroupOf(c).thaw();
    c.rec.state.status = 'running';
    this.store.save(c.rec);
    this.emitEvent('unpause', c.rec);
  }

  cgroupOf(c: Container): ContainerCgroup {
    c.cgroup ??= this.cgroups.open(c.rec.id);
    return c.cgroup;
  }

  stats(ref: string): CgroupStats {
    return this.cgroupOf(this.running(ref)).stats();
  }

  /** Docker's wait conditions. */
  async wait(ref: string, condition: 'not-running' | 'next-exit' | 'removed' = 'not-running'): Promise<number> {
    const c = this.get(ref);
    if (condition === 'removed') {
      await new Promise<void>((r) => c.removeWaiters.push(r));
      return c.rec.state.exitCode;
    }
    if (condition === 'next-exit') return this.exitPromise(c);
    return this.waitExit(c);
  }

  // ---- remove --------------------------------------------------------------------------------

  async remove(ref: string, opts: { force?: boolean } = {}): Promise<void> {
    const c = this.get(ref);
    const rec = c.rec;
    if (c.pendingStart) await c.pendingStart;
    if (c.starting) await c.starting;
    cancelRestart(c);
    const st = rec.state.status;
    if (st === 'running' || st === 'paused') {
      if (!opts.force)
        throw new Conflict(
          `You cannot remove a ${st} container ${rec.id}. Stop the container before attempting removal or force remove`,
        );
      const exited = this.waitExit(c);
      await this.kill(ref, 9).catch(() => undefined);
      await exited;
    }
    if (c.finishing) await c.finishing;
    cancelRestart(c); // the exit just recorded may have scheduled one
    if (rec.state.status === 'removing') throw new Conflict(`removal of container ${rec.id} is already in progress`);
    rec.state.status = 'removing';
    this.store.save(rec);
    await this.exec.forget(rec.id);
    await this.purge(rec.id, rec);
    this.containers.delete(rec.id);
    this.emitEvent('destroy', rec);
    // Waiters for a next exit that will not come (removed while created): answer them now.
    for (const w of c.exitWaiters.splice(0)) w(rec.state.exitCode);
    for (const w of c.removeWaiters.splice(0)) w();
  }

  /** Remove everything a container has on the host: cgroup, network, files. */
  async purge(id: string, rec: ContainerRecord | undefined): Promise<void> {
    try {
      await this.cgroups.open(id).destroy();
    } catch {
      /* none */
    }
    if (rec) await this.detachNetwork(rec, true);
    this.store.remove(id);
  }

  // ---- logs and attach -----------------------------------------------------------------------

  logs(ref: string, opts: ReadLogsOptions = {}): AsyncGenerator<LogEntry> {
    const c = this.get(ref);
    return readLogs(ioPaths(this.ioDir(c.rec.id)).json, c.io?.pump, opts);
  }

  /**
   * Live output (chunks as the container writes them; for a TTY only "stdout") and stdin.
   * Attach before start to see everything and to buffer stdin until the container runs.
   */
  attach(ref: string, opts: AttachOptions, onData: (stream: StreamName, chunk: Buffer) => void): AttachSession {
    return attachContainer(this, this.get(ref), opts, onData);
  }

  resize(ref: string, rows: number, cols: number): void {
    const c = this.running(ref);
    if (!c.rec.spec.tty) throw new Conflict(`Container ${c.rec.id} has no TTY`);
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || rows > 65535 || cols > 65535)
      throw new InvalidArgument('invalid tty size');
    c.io?.resize(rows, cols);
  }

  /** Stop watching containers; they keep running (agent shutdown). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    this.pool?.close();
    await this.exec.close();
    for (const c of this.containers.values()) {
      if (c.restartTimer) clearTimeout(c.restartTimer);
      c.shimChild?.unref();
      await c.io?.detach();
      c.io = undefined;
    }
    this.removeAllListeners();
  }
}
