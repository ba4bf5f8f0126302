/**
 * The life cycle the ssh and wsl connections share: one dockerode for the connection's whole
 * life; an `establish` step (transport + agent set-up) that yields a dialer, and per transport a
 * fresh ChannelAgent behind the dockerode's modem, so pooled channels of a lost transport are
 * never reused (an ssh2 channel on a dead connection is not closed until its session is);
 * a health check; on loss, reconnect with back-off (state `reconnecting`) until it works, a
 * permanent error (auth, host key, sudo, space) or the attempts run out (state `failed`).
 * Requests made while reconnecting wait a little for the connection to come back.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type Modem from 'docker-modem';
import Dockerode from 'dockerode';
import { asFailure, ConnectionFailure, errorText, isPermanent } from './errors';
import { pinnedModem } from './modem';
import { backoffDelay, DEFAULT_RECONNECT, HealthMonitor } from './reconnect';
import { StateHolder } from './state';
import { ChannelAgent, type Dial } from './transport/channel-agent';
import { settlesWithin } from './transport/deadline';
import { ChannelOpenError, OPEN_CONNECT_FAILED } from './ssh/session';
import type { ConnectionState, EngineIdentity, TransportTuning } from './types';

export interface Established {
  engine: EngineIdentity;
  dial: Dial;
  maxSockets: number | undefined;
  /** e.g. "ssh streamlocal", "ssh dial-stdio", "wsl stdio-mux". */
  transport: string;
  /** Resolves when the transport is lost (with the cause, when known). */
  lost: Promise<Error | undefined>;
  /** Tears the transport down; resolves when nothing of it is left. */
  close(): Promise<void>;
  /** Channels open on the transport right now. */
  openChannels(): number;
}

export interface EstablishContext {
  signal: AbortSignal;
  progress(detail: string): void;
  /** 0 for connect(), n for the n-th reconnect attempt. */
  attempt: number;
}

export type Establish = (ctx: EstablishContext) => Promise<Established>;

export interface TransportInfo {
  transport: string | undefined;
  openChannels: number;
  pooledConnections: number;
}

const DIAL_WAIT_MS = 10_000;

export class ManagedConnection {
  private readonly states = new StateHolder();
  private agent: ChannelAgent;
  private readonly modem: Modem;
  private readonly client: Dockerode;
  private current: Established | undefined;
  private connecting: Promise<EngineIdentity> | undefined;
  private abort: AbortController | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private health: HealthMonitor | undefined;
  private closed = false;
  private readonly waiters = new Set<(err?: Error) => void>();

  constructor(
    private readonly label: string,
    private readonly establish: Establish,
    private readonly tuning: TransportTuning = {},
  ) {
    this.agent = new ChannelAgent(() => this.dial(), { label });
    this.modem = pinnedModem({ agent: this.agent });
    this.client = new Dockerode({ modem: this.modem } as unknown as Dockerode.DockerOptions);
  }

  get state(): ConnectionState {
    return this.states.current;
  }

  onState(listener: (s: ConnectionState) => void): () => void {
    return this.states.subscribe(listener);
  }

  docker(): Dockerode {
    return this.client;
  }

  info(): TransportInfo {
    return {
      transport: this.current?.transport,
      openChannels: this.current?.openChannels() ?? 0,
      pooledConnections: this.agent.openConnections(),
    };
  }

  connect(signal?: AbortSignal): Promise<EngineIdentity> {
    if (this.closed)
      return Promise.reject(new ConnectionFailure('Cancelled', `the connection to ${this.label} was closed`));
    const s = this.states.current;
    if (s.status === 'connected') return Promise.resolve(s.engine);
    if (this.connecting) return this.connecting;
    clearTimeout(this.reconnectTimer);
    this.states.set({ status: 'connecting', detail: `connecting to ${this.label}` });
    this.connecting = this.attempt(0, signal).then(
      (engine) => {
        this.connecting = undefined;
        return engine;
      },
      (err: unknown) => {
        this.connecting = undefined;
        const f = asFailure(err, 'Unreachable');
        if (!this.closed) this.fail(f);
        throw f;
      },
    );
    return this.connecting;
  }

  private async attempt(n: number, signal?: AbortSignal): Promise<EngineIdentity> {
    const ac = new AbortController();
    this.abort = ac;
    const onAbort = (): void => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) throw new ConnectionFailure('Cancelled', `connecting to ${this.label} was cancelled`);
      const est = await this.establish({
        signal: ac.signal,
        attempt: n,
        progress: (detail) => {
          if (!this.closed && this.states.current.status === 'connecting')
            this.states.set({ status: 'connecting', detail });
        },
      });
      if (this.closed || ac.signal.aborted) {
        await est.close();
        throw new ConnectionFailure('Cancelled', `connecting to ${this.label} was cancelled`);
      }
      this.adopt(est);
      return est.engine;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.abort === ac) this.abort = undefined;
    }
  }

  private adopt(est: Established): void {
    this.current = est;
    this.freshPool(est.maxSockets);
    this.states.set({ status: 'connected', engine: est.engine });
    for (const w of [...this.waiters]) w();
    void est.lost.then((err) => this.lost(est, err ?? new Error('the connection closed')));
    this.health = new HealthMonitor(
      () => this.ping(),
      this.tuning.healthIntervalMs ?? 5000,
      (err) => this.lost(est, new Error(`the agent stopped answering: ${err.message}`)),
    );
    this.health.start();
  }

  /** A new ChannelAgent behind the modem; the old pool (and anything on it) is destroyed. */
  private freshPool(maxSockets: number | undefined): void {
    const old = this.agent;
    this.agent = new ChannelAgent(() => this.dial(), { label: this.label, maxSockets });
    (this.modem as unknown as { agent: http.Agent }).agent = this.agent;
    old.destroy();
  }

  private ping(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const req = http.get(
        { agent: this.agent, host: 'berth-agent.invalid', path: '/_ping', timeout: 10_000 },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`/_ping answered ${res.statusCode}`)),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('/_ping timed out')));
      req.on('error', reject);
    });
  }

  private lost(est: Established, err: Error): void {
    if (this.current !== est || this.closed) return;
    this.current = undefined;
    this.health?.stop();
    this.health = undefined;
    // Requests on the lost transport fail now, not when its channels finally close.
    this.freshPool(undefined);
    void est.close();
    this.scheduleReconnect(1, errorText(err));
  }

  private scheduleReconnect(n: number, lastError: string): void {
    const policy = { ...DEFAULT_RECONNECT, ...this.tuning.reconnect };
    if (n > policy.maxAttempts) {
      this.fail(
        new ConnectionFailure(
          'Unreachable',
          `lost the connection to ${this.label} and could not reconnect: ${lastError}`,
        ),
      );
      return;
    }
    const retryInMs = backoffDelay(n, policy);
    this.states.set({ status: 'reconnecting', attempt: n, retryInMs, lastError });
    this.reconnectTimer = setTimeout(() => {
      if (this.closed) return;
      this.connecting = this.attempt(n).then(
        (engine) => {
          this.connecting = undefined;
          return engine;
        },
        (err: unknown) => {
          this.connecting = undefined;
          if (this.closed) throw err;
          if (isPermanent(err)) this.fail(asFailure(err, 'Unreachable'));
          else this.scheduleReconnect(n + 1, errorText(err));
          throw err;
        },
      );
      this.connecting.catch(() => undefined);
    }, retryInMs);
  }

  private fail(f: ConnectionFailure): void {
    this.states.set({ status: 'failed', error: { code: f.code, message: f.message } });
    for (const w of [...this.waiters]) w(f);
  }

  /** The ChannelAgent's dialer: the current transport, or wait briefly while reconnecting. */
  private async dial(): Promise<Duplex> {
    if (!this.current) {
      const s = this.states.current.status;
      if (this.closed || (s !== 'reconnecting' && s !== 'connecting')) {
        throw new ConnectionFailure('Unreachable', `not connected to ${this.label}`);
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new ConnectionFailure('Unreachable', `${this.label} is reconnecting; try again shortly`));
        }, DIAL_WAIT_MS);
        const waiter = (err?: Error): void => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          if (err) reject(err);
          else resolve();
        };
        this.waiters.add(waiter);
      });
    }
    const est = this.current;
    if (!est) throw new ConnectionFailure('Unreachable', `not connected to ${this.label}`);
    try {
      return await est.dial();
    } catch (err) {
      // The socket is gone while the transport stands: the agent died. Check now.
      if (err instanceof ChannelOpenError && err.reason === OPEN_CONNECT_FAILED) this.health?.checkNow();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.abort?.abort();
    this.health?.stop();
    this.agent.destroy();
    const est = this.current;
    this.current = undefined;
    await est?.close();
    // The aborted set-up winds down (its processes and channels are killed with the abort);
    // close() does not wait for it longer than that should take.
    if (this.connecting) await settlesWithin(this.connecting, 15_000);
    for (const w of [...this.waiters])
      w(new ConnectionFailure('Cancelled', `the connection to ${this.label} was closed`));
    this.states.set({ status: 'disconnected' });
    this.states.clear();
  }
}
