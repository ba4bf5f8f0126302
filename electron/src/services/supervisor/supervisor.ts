/**
 * The local engine supervisor (Linux): finds a running berthd (the default socket, then the one in
 * the settings) or starts the bundled one as root (directly, pkexec, sudo or the systemd unit),
 * waits until it answers, reports its state, stops and restarts it on request, and notices when it
 * dies. It never stops an engine it did not start, and leaves the one it started running when the
 * app exits (the next start finds it again through its record). Operations run one at a time;
 * every wait is bounded.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EngineSettings, EngineState, LaunchMethod } from '../../contract/models/engine';
import { ServiceError } from '../errors';
import { faultFor, faultForProbe, type Fault } from './faults';
import { realHostEnv, type HostEnv } from './host-env';
import type { EngineCommand, LaunchSpec } from './launch';
import { chooseLaunchMethod, unitActive } from './method';
import { readTail } from './logfile';
import { checkDataRoot } from './preflight';
import { probe, type ProbeResult } from './probe';
import {
  acquireStartLock,
  clearRecord,
  isBerthd,
  lockHolder,
  pidAlive,
  readRecord,
  writeRecord,
  type EngineRecord,
} from './record';
import { startEngine, type ChildHandle } from './starter';
import { sendStop, waitGone, type StopContext } from './stopper';
import { watchSocket, type SocketWatch } from './watch';

export interface SupervisorOptions {
  /** The default socket (/run/berth/berth.sock). */
  socketPath: string;
  dataRoot: string;
  execRoot: string;
  /** The socket's group when Berth starts the engine as root ("berth", created when missing). */
  group: string;
  /** Where the record, the start lock and the engine log live. */
  stateDir: string;
  /** The bundled berthd; undefined when this build has none. */
  engine?: EngineCommand;
  bundledVersion: string;
  settings?: EngineSettings;
  systemdUnit?: string;
  env?: HostEnv;
  /** Asks the user for the sudo password (undefined: cancelled). Never stored. */
  askPassword?: (q: { prompt: string; retryReason?: string }) => Promise<string | undefined>;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  logLevel?: string;
  extraArgs?: string[];
}

type Listener = (s: EngineState) => void;

export class EngineSupervisor {
  private s: EngineState;
  private readonly listeners = new Set<Listener>();
  private queue: Promise<unknown> = Promise.resolve();
  private watch: SocketWatch | undefined;
  private child: ChildHandle | undefined;
  private record: EngineRecord | undefined;
  private settings: EngineSettings;
  private readonly env: HostEnv;
  private disposed = false;

  constructor(private readonly opts: SupervisorOptions) {
    this.env = opts.env ?? realHostEnv();
    this.settings = { ...opts.settings };
    this.s = this.make({ status: 'unknown' });
  }

  get state(): EngineState {
    return { ...this.s };
  }

  get socketPath(): string {
    return this.settings.socketPath ?? this.opts.socketPath;
  }

  private get dataRoot(): string {
    return this.settings.dataRoot ?? this.opts.dataRoot;
  }

  private get logFile(): string {
    return path.join(this.opts.stateDir, 'berthd.log');
  }

  onState(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Find a running engine or start one. Resolves with the outcome (a failure is a state, not a throw). */
  ensureRunning(): Promise<EngineState> {
    return this.serial(async () => (this.s.status === 'running' ? this.state : this.findOrStart()));
  }

  start(): Promise<EngineState> {
    return this.ensureRunning();
  }

  stop(): Promise<EngineState> {
    return this.serial(() => this.doStop());
  }

  restart(): Promise<EngineState> {
    return this.serial(async () => {
      if (this.s.status === 'running') await this.doStop();
      return this.findOrStart();
    });
  }

  /** Something saw the engine go away (its socket closed, a request failed): check and report. */
  recheck(reason: string): Promise<EngineState> {
    return this.serial(() => this.doRecheck(reason));
  }

  get currentSettings(): EngineSettings {
    return { ...this.settings };
  }

  /** New settings apply to the next start; an engine that is not running is looked for again. */
  configure(settings: EngineSettings): Promise<EngineState> {
    return this.serial(async () => {
      this.settings = { ...settings };
      if (this.s.status === 'running' && this.s.socketPath !== this.socketPath) {
        this.watch?.close();
        this.watch = undefined;
        this.set({ status: 'stopped', reason: 'the engine settings changed' });
      }
      return this.s.status === 'running' ? this.state : this.findOrStart();
    });
  }

  logs(lines = 200): string[] {
    return readTail(this.logFile, lines);
  }

  /** Stop watching; the engine keeps running (containers stay up, the next start finds it). */
  dispose(): void {
    this.disposed = true;
    this.watch?.close();
    this.watch = undefined;
    this.listeners.clear();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private make(patch: Partial<EngineState> & { status: EngineState['status'] }): EngineState {
    const linux = this.env.platform === 'linux' && this.opts.engine !== undefined;
    const st: EngineState = {
      socketPath: this.socketPath,
      bundledVersion: this.opts.bundledVersion,
      since: new Date().toISOString(),
      canStart: false,
      canStop: false,
      ...patch,
    };
    st.canStart = linux && ['unknown', 'stopped', 'failed'].includes(st.status);
    st.canStop = st.status === 'running' && (st.origin === 'started' || st.origin === 'systemd');
    return st;
  }

  private set(patch: Partial<EngineState> & { status: EngineState['status'] }): EngineState {
    this.s = this.make(patch);
    if (!this.disposed) for (const l of [...this.listeners]) l(this.state);
    return this.state;
  }

  private fail(f: Fault, logTail?: string[]): EngineState {
    return this.set({
      status: 'failed',
      code: f.code,
      reason: f.reason,
      hint: f.hint,
      ...(logTail?.length ? { logTail } : {}),
    });
  }

  /** Never throws: an unexpected error (a state dir it cannot write …) becomes a failed state. */
  private async findOrStart(): Promise<EngineState> {
    try {
      return await this.doFindOrStart();
    } catch (err) {
      return this.fail(
        {
          code: 'Unknown',
          reason: (err as Error).message,
          hint: 'See the engine log lines below, fix the cause and start again.',
        },
        this.logs(20),
      );
    }
  }

  private async doFindOrStart(): Promise<EngineState> {
    this.set({ status: 'probing' });
    const candidates = [...new Set([this.opts.socketPath, this.socketPath])];
    let target: ProbeResult | undefined;
    for (const sock of candidates) {
      const r = await probe(sock);
      if (r.kind === 'berth')
        return this.adopt(sock, r.version, (await this.runBySystemd(sock)) ? 'systemd' : undefined);
      if (sock === this.socketPath) target = r;
    }
    const fault = faultForProbe(target, this.socketPath);
    return fault ? this.fail(fault) : this.launch();
  }

  private adopt(sock: string, version: string, method?: LaunchMethod): EngineState {
    const rec = readRecord(this.opts.stateDir);
    const ours = rec && rec.socketPath === sock && pidAlive(rec.pid) && isBerthd(rec.pid) ? rec : undefined;
    this.record = ours;
    if (!ours) this.child = undefined;
    const origin = ours
      ? ours.method === 'systemd'
        ? 'systemd'
        : 'started'
      : method === 'systemd'
        ? 'systemd'
        : 'external';
    let warning: string | undefined;
    if (version && version !== this.opts.bundledVersion) {
      warning =
        `berthd ${version} is running; this app bundles ${this.opts.bundledVersion}. ` +
        (ours
          ? 'Restart the engine to use the bundled version (containers keep running).'
          : 'Update or restart it where it was started.');
    }
    this.watch?.close();
    this.watch = watchSocket(sock, (why) => void this.recheck(why));
    return this.set({
      status: 'running',
      socketPath: sock,
      version,
      origin,
      ...(ours ? { pid: ours.pid, method: ours.method } : method ? { method } : {}),
      ...(warning ? { warning } : {}),
    });
  }

  /** Whether the engine on the default socket is the .deb's service (stoppable with systemctl). */
  private runBySystemd(sock: string): Promise<boolean> {
    return sock === this.opts.socketPath ? unitActive(this.env, this.unit) : Promise.resolve(false);
  }

  private get unit(): string {
    return this.opts.systemdUnit ?? 'berthd.service';
  }

  private spec(method: LaunchMethod): LaunchSpec {
    return {
      engine: this.opts.engine!,
      socketPath: this.socketPath,
      dataRoot: this.dataRoot,
      execRoot: this.opts.execRoot,
      // As root: the berth group (created when missing). Through sudo/pkexec: the desktop user's own
      // group, so the socket is theirs at once (no re-login for a new group membership).
      group: method === 'direct' ? this.opts.group : String(this.env.gid),
      systemdUnit: this.unit,
      ...(this.opts.logLevel ? { logLevel: this.opts.logLevel } : {}),
      ...(this.opts.extraArgs ? { extraArgs: this.opts.extraArgs } : {}),
    };
  }

  private async launch(): Promise<EngineState> {
    if (this.env.platform !== 'linux') return this.fail(faultFor.unsupported(this.env.platform));
    const engine = this.opts.engine;
    if (!engine) return this.fail(faultFor.binaryMissing('this build has no engine'));
    // A staged engine is checked where it is copied from; the copy happens as root at launch.
    const check = engine.stage
      ? path.join(engine.stage.from, path.relative(engine.stage.to, engine.command))
      : engine.command;
    const script = engine.args[0];
    if (!fs.existsSync(check) || (script && script.endsWith('.cjs') && !fs.existsSync(script)))
      return this.fail(faultFor.binaryMissing(script ?? check));
    const readOnly = checkDataRoot(this.dataRoot);
    if (readOnly) return this.fail(readOnly);
    const timeout = this.opts.startTimeoutMs ?? 30_000;
    let release: () => void;
    try {
      release = await acquireStartLock(this.opts.stateDir, timeout);
    } catch (err) {
      const again = await probe(this.socketPath);
      if (again.kind === 'berth') return this.adopt(this.socketPath, again.version);
      return this.fail({
        code: 'StartTimeout',
        reason: (err as Error).message,
        hint: 'Wait for the other Berth window, then start again.',
      });
    }
    try {
      // Another instance may have started it while this one waited for the lock.
      const again = await probe(this.socketPath);
      if (again.kind === 'berth') return this.adopt(this.socketPath, again.version);
      const method = chooseLaunchMethod(this.env, this.unit, this.settings.preferredMethod);
      if (!method) return this.fail(faultFor.noPrivilege());
      return await this.launchWith(method, timeout);
    } finally {
      release();
    }
  }

  private async launchWith(method: LaunchMethod, timeout: number): Promise<EngineState> {
    this.set({ status: 'starting', method });
    const out = await startEngine(method, timeout, {
      env: this.env,
      spec: this.spec(method),
      logFile: this.logFile,
      stateDir: this.opts.stateDir,
      ...(this.opts.askPassword ? { askPassword: this.opts.askPassword } : {}),
      onChild: (c) => (this.child = c),
    });
    if (!out.ok) return this.fail(out.fault, out.logTail);
    writeRecord(this.opts.stateDir, {
      pid: out.pid,
      socketPath: this.socketPath,
      dataRoot: this.dataRoot,
      method,
      version: out.version,
      startedAt: new Date().toISOString(),
      logFile: this.logFile,
    });
    return this.adopt(this.socketPath, out.version, method);
  }

  private async doStop(): Promise<EngineState> {
    if (this.s.status !== 'running') return this.state;
    if (this.s.origin === 'external')
      throw new ServiceError('FailedPrecondition', 'Berth did not start this engine, so it leaves it running', {
        hint: 'Stop it where it was started (its service or terminal).',
      });
    const method = this.s.method ?? 'direct';
    const pid = this.record?.pid ?? lockHolder(this.dataRoot);
    const previous = this.state;
    this.set({ ...previous, status: 'stopping' });
    this.watch?.close();
    this.watch = undefined;
    const ctx: StopContext = {
      env: this.env,
      spec: this.spec(method),
      timeoutMs: this.opts.stopTimeoutMs ?? 20_000,
      ...(this.opts.askPassword ? { askPassword: this.opts.askPassword } : {}),
    };
    try {
      await sendStop(method, pid, ctx);
    } catch (err) {
      this.watch = watchSocket(this.socketPath, (why) => void this.recheck(why));
      this.set(previous);
      throw err;
    }
    await waitGone(method, pid, ctx);
    clearRecord(this.opts.stateDir);
    this.record = undefined;
    this.child = undefined;
    return this.set({ status: 'stopped', reason: 'stopped from Berth' });
  }

  private async doRecheck(reason: string): Promise<EngineState> {
    if (this.s.status !== 'running') return this.state;
    const r = await probe(this.socketPath);
    if (r.kind === 'berth') {
      // Still (or again) there, e.g. restarted by systemd: watch the new one.
      return this.adopt(this.socketPath, r.version, this.s.method);
    }
    this.watch?.close();
    this.watch = undefined;
    const ours = this.s.origin !== 'external';
    const exit = this.child?.exit;
    const how = exit ? (exit.signal ? ` (killed by ${exit.signal})` : ` (exit code ${exit.code})`) : '';
    this.child = undefined;
    if (ours) clearRecord(this.opts.stateDir);
    const tail = ours ? this.logs(20) : [];
    return this.set({
      status: 'stopped',
      code: 'Exited',
      reason: `the engine stopped unexpectedly${how}: ${reason}`,
      hint: 'Start it again; its containers keep running and are found again.',
      ...(tail.length ? { logTail: tail } : {}),
    });
  }
}
