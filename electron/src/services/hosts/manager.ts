/**
 * The hosts the app knows and their connections: add/edit/remove (persisted through ConfigStore),
 * connect/disconnect, state broadcast, and recovery. A host that was connected and loses its
 * engine reconnects with exponential back-off and jitter, a bounded number of times, then stays
 * failed until the user retries (no endless polling). The built-in local host is not retried on
 * a timer: it follows the engine supervisor, which knows when berthd is back.
 */
import crypto from 'node:crypto';
import type Dockerode from 'dockerode';
import type { HostSpec, HostState, HostSummary } from '../../contract/models/hosts';
import type { AgentConnection, ConnectionState } from '../../connections/types';
import type { ConfigStore } from '../config/store';
import { ServiceError, isTransportFailure, toErrorPayload } from '../errors';
import type { EventBus } from '../events';
import type { ConnectionFactory } from './connection-factory';
import type { PromptBroker } from './prompts';

export const BUILTIN_HOST_ID = 'local';

export interface BuiltinHost {
  name: string;
  socketPath: string;
  /** Called when the built-in host's engine stops answering (the supervisor re-checks berthd). */
  onLost(reason: string): void;
}

interface Entry {
  id: string;
  spec: HostSpec;
  builtin: boolean;
  state: HostState;
  conn?: AgentConnection;
  offState?: () => void;
  connecting?: Promise<HostSummary>;
  abort?: AbortController;
  /** The user wants it connected: losses are recovered. */
  wanted: boolean;
  retryTimer?: NodeJS.Timeout;
  attempt: number;
}

export interface HostManagerOptions {
  store: ConfigStore;
  bus: EventBus;
  prompts: PromptBroker;
  factory: ConnectionFactory;
  builtin?: BuiltinHost;
  maxRetries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

type HostListener = (hostId: string) => void;

export class HostManager {
  private readonly entries = new Map<string, Entry>();
  private readonly upListeners = new Set<HostListener>();
  private readonly downListeners = new Set<HostListener>();
  private disposed = false;

  constructor(private readonly opts: HostManagerOptions) {
    if (opts.builtin) {
      this.entries.set(BUILTIN_HOST_ID, {
        id: BUILTIN_HOST_ID,
        spec: {
          name: opts.builtin.name,
          config: { kind: 'local', socketPath: opts.builtin.socketPath },
          autoConnect: true,
        },
        builtin: true,
        state: { status: 'idle' },
        wanted: false,
        attempt: 0,
      });
    }
    for (const h of opts.store.hosts) {
      if (h.id === BUILTIN_HOST_ID) continue;
      this.entries.set(h.id, {
        id: h.id,
        spec: h.spec,
        builtin: false,
        state: { status: 'idle' },
        wanted: false,
        attempt: 0,
      });
    }
  }

  list(): HostSummary[] {
    return [...this.entries.values()].map((e) => this.summary(e));
  }

  get(id: string): HostSummary {
    return this.summary(this.entry(id));
  }

  /** Connect every host marked autoConnect (not the built-in one: the supervisor brings it up). */
  autoConnect(): void {
    for (const e of this.entries.values()) {
      if (!e.builtin && e.spec.autoConnect !== false) this.connect(e.id).catch(() => undefined);
    }
  }

  add(spec: HostSpec): HostSummary {
    const id = crypto.randomUUID();
    const e: Entry = { id, spec, builtin: false, state: { status: 'idle' }, wanted: false, attempt: 0 };
    this.entries.set(id, e);
    this.persist();
    this.opts.bus.emit('hosts:changed', this.list());
    return this.summary(e);
  }

  async update(id: string, spec: HostSpec): Promise<HostSummary> {
    const e = this.entry(id);
    if (e.builtin && JSON.stringify(spec.config) !== JSON.stringify(e.spec.config))
      throw new ServiceError(
        'FailedPrecondition',
        'the built-in host follows the local engine; change its socket in the engine settings',
        {
          field: ['spec', 'config'],
        },
      );
    const reconnect = e.wanted;
    if (!e.builtin) await this.disconnect(id);
    e.spec = spec;
    this.persist();
    this.changed(e);
    if (reconnect && !e.builtin) this.connect(id).catch(() => undefined);
    return this.summary(e);
  }

  async remove(id: string): Promise<void> {
    const e = this.entry(id);
    if (e.builtin) throw new ServiceError('FailedPrecondition', 'the built-in local host cannot be removed');
    await this.disconnect(id);
    this.entries.delete(id);
    this.persist();
    this.opts.bus.emit('hosts:changed', this.list());
  }

  /** Connect (or join a connect under way); rejects with a typed error when the engine cannot be reached. */
  connect(id: string): Promise<HostSummary> {
    const e = this.entry(id);
    e.wanted = true;
    this.clearRetry(e);
    if (e.state.status === 'connected' && e.conn) return Promise.resolve(this.summary(e));
    e.connecting ??= this.doConnect(e).finally(() => {
      e.connecting = undefined;
    });
    return e.connecting;
  }

  async disconnect(id: string, reason?: string): Promise<HostSummary> {
    const e = this.entry(id);
    e.wanted = false;
    this.clearRetry(e);
    e.abort?.abort();
    await this.closeConn(e);
    this.setState(e, reason ? { status: 'disconnected', reason } : { status: 'disconnected' });
    return this.summary(e);
  }

  /** The host's dockerode, or Unavailable when it is not connected. */
  docker(hostId: string): Dockerode {
    const e = this.entry(hostId);
    if (e.state.status !== 'connected' || !e.conn)
      throw new ServiceError('Unavailable', `host "${e.spec.name}" is not connected`, {
        hostId,
        hint: e.state.status === 'failed' ? e.state.error.message : 'Connect the host first.',
      });
    return e.conn.docker();
  }

  /** Runs an engine call; a transport failure marks the host lost (and starts its recovery). */
  async call<T>(hostId: string, fn: (docker: Dockerode) => Promise<T>): Promise<T> {
    const docker = this.docker(hostId);
    try {
      return await fn(docker);
    } catch (err) {
      if (isTransportFailure(err)) this.lost(hostId, (err as Error).message);
      if (err instanceof ServiceError) err.hostId ??= hostId;
      throw err;
    }
  }

  /** Something (a request, an event stream) saw the engine go away. */
  lost(hostId: string, reason: string): void {
    const e = this.entries.get(hostId);
    if (!e || e.state.status !== 'connected') return;
    void this.closeConn(e).then(() => {
      if (this.disposed) return;
      this.downListeners.forEach((l) => l(hostId));
      if (e.builtin) {
        this.setState(e, { status: 'disconnected', reason });
        this.opts.builtin?.onLost(reason);
      } else if (e.wanted) this.scheduleRetry(e, reason);
      else this.setState(e, { status: 'disconnected', reason });
    });
  }

  onUp(l: HostListener): () => void {
    this.upListeners.add(l);
    return () => this.upListeners.delete(l);
  }

  onDown(l: HostListener): () => void {
    this.downListeners.add(l);
    return () => this.downListeners.delete(l);
  }

  /** The engine settings moved the local engine's socket: the built-in host follows. */
  async setBuiltinSocket(socketPath: string): Promise<void> {
    const e = this.entries.get(BUILTIN_HOST_ID);
    if (!e?.builtin || (e.spec.config.kind === 'local' && e.spec.config.socketPath === socketPath)) return;
    await this.closeConn(e);
    e.spec = { ...e.spec, config: { kind: 'local', socketPath } };
    this.changed(e);
  }

  isConnected(hostId: string): boolean {
    return this.entries.get(hostId)?.state.status === 'connected';
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const e of this.entries.values()) {
      this.clearRetry(e);
      e.abort?.abort();
      await this.closeConn(e);
    }
    this.upListeners.clear();
    this.downListeners.clear();
  }

  /** `retrying`: a back-off attempt, whose failure keeps the host 'reconnecting' (no flicker to 'failed'). */
  private async doConnect(e: Entry, retrying = false): Promise<HostSummary> {
    await this.closeConn(e);
    const abort = new AbortController();
    e.abort = abort;
    let conn: AgentConnection;
    try {
      conn = this.opts.factory(e.id, e.spec.config, this.opts.prompts.prompterFor(e.id, abort.signal));
    } catch (err) {
      const p = toErrorPayload(err, { hostId: e.id });
      this.setState(e, { status: 'failed', error: { code: 'InvalidConfig', message: p.message } });
      throw err;
    }
    e.conn = conn;
    e.offState = conn.onState((s) => this.fromConnection(e, conn, s));
    if (!retrying) this.setState(e, { status: 'connecting', detail: describe(e) });
    try {
      const engine = await conn.connect(abort.signal);
      if (e.conn !== conn || abort.signal.aborted) throw new ServiceError('Cancelled', 'the connection was cancelled');
      e.attempt = 0;
      this.setState(e, { status: 'connected', engine });
      this.upListeners.forEach((l) => l(e.id));
      return this.summary(e);
    } catch (err) {
      if (e.conn === conn && retrying) await this.closeConn(e);
      else if (e.conn === conn) {
        await this.closeConn(e);
        const p = toErrorPayload(err, { hostId: e.id });
        const code = (err as { code?: unknown }).code;
        this.setState(e, {
          status: 'failed',
          error: { code: typeof code === 'string' && isHostErrorCode(code) ? code : 'Unreachable', message: p.message },
        });
      }
      throw new ServiceError(toErrorPayload(err).code, toErrorPayload(err).message, { hostId: e.id, cause: err });
    }
  }

  /** Mirror what the connection itself reports (an SSH transport may reconnect on its own). */
  private fromConnection(e: Entry, conn: AgentConnection, s: ConnectionState): void {
    if (e.conn !== conn) return;
    if (s.status === 'reconnecting') this.setState(e, s);
    else if (s.status === 'connected' && e.state.status === 'reconnecting') {
      this.setState(e, s);
      this.upListeners.forEach((l) => l(e.id));
    } else if ((s.status === 'failed' || s.status === 'disconnected') && e.state.status === 'connected') {
      this.lost(e.id, s.status === 'failed' ? s.error.message : (s.reason ?? 'the connection closed'));
    }
  }

  private scheduleRetry(e: Entry, lastError: string): void {
    const max = this.opts.maxRetries ?? 8;
    e.attempt += 1;
    if (e.attempt > max) {
      this.setState(e, {
        status: 'failed',
        error: { code: 'Unreachable', message: `gave up after ${max} attempts: ${lastError}` },
      });
      e.attempt = 0;
      return;
    }
    const base = this.opts.baseDelayMs ?? 1000;
    const cap = this.opts.maxDelayMs ?? 30_000;
    const delay = Math.round(Math.min(cap, base * 2 ** (e.attempt - 1)) * (0.8 + Math.random() * 0.4));
    this.setState(e, { status: 'reconnecting', attempt: e.attempt, retryInMs: delay, lastError });
    e.retryTimer = setTimeout(() => {
      e.retryTimer = undefined;
      if (!e.wanted || this.disposed) return;
      e.connecting ??= this.doConnect(e, true).finally(() => {
        e.connecting = undefined;
      });
      e.connecting.catch((err: unknown) => {
        if (e.wanted && !this.disposed) this.scheduleRetry(e, (err as Error).message);
      });
    }, delay);
    e.retryTimer.unref?.();
  }

  private clearRetry(e: Entry): void {
    if (e.retryTimer) clearTimeout(e.retryTimer);
    e.retryTimer = undefined;
  }

  private async closeConn(e: Entry): Promise<void> {
    const conn = e.conn;
    e.offState?.();
    e.offState = undefined;
    e.conn = undefined;
    if (conn) await conn.close().catch(() => undefined);
  }

  private setState(e: Entry, s: HostState): void {
    e.state = s;
    if (!this.disposed) this.opts.bus.emit('hosts:state', this.summary(e));
  }

  private changed(e: Entry): void {
    this.opts.bus.emit('hosts:state', this.summary(e));
    this.opts.bus.emit('hosts:changed', this.list());
  }

  private persist(): void {
    this.opts.store.setHosts(
      [...this.entries.values()].filter((e) => !e.builtin).map((e) => ({ id: e.id, spec: e.spec })),
    );
  }

  private entry(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new ServiceError('NotFound', `no host with id "${id}"`, { field: ['id'] });
    return e;
  }

  private summary(e: Entry): HostSummary {
    return {
      id: e.id,
      name: e.spec.name,
      kind: e.spec.config.kind,
      config: e.spec.config,
      autoConnect: e.spec.autoConnect !== false,
      builtin: e.builtin,
      state: e.state,
    };
  }
}

const HOST_ERROR_CODES = new Set([
  'Unreachable',
  'AuthFailed',
  'HostKeyUnknownRejected',
  'HostKeyChanged',
  'SudoRefused',
  'NoSpace',
  'InstallFailed',
  'AgentFailed',
  'Timeout',
  'Cancelled',
  'InvalidConfig',
  'EngineStopped',
]);

function isHostErrorCode(code: string): code is Extract<HostState, { status: 'failed' }>['error']['code'] {
  return HOST_ERROR_CODES.has(code);
}

function describe(e: Entry): string {
  const c = e.spec.config;
  if (c.kind === 'local') return c.socketPath;
  if (c.kind === 'ssh') return `${c.username}@${c.host}${c.port ? `:${c.port}` : ''}`;
  return `WSL ${c.distro}`;
}
