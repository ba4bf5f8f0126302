/**
 * SshConnection: one long-lived SSH connection to a host, carrying the Docker API to the Berth
 * agent (installed and started over the same connection when needed) or to an engine already
 * running there (config.remoteSocket).
 */
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import type { ParsedKey } from 'ssh2';
import { ConnectionFailure } from '../errors';
import { agentVersionOver, identifyOver, isBundleAgent, type AgentVersion } from '../identify';
import { ManagedConnection, type EstablishContext, type Established, type TransportInfo } from '../managed';
import type { AgentBundle } from '../remote/bundle';
import { DEFAULT_SOCKET, probeFacts, resolvePlacement } from '../remote/facts';
import { provisionAgent } from '../remote/provision';
import type {
  AgentConnection,
  ConnectionPrompter,
  ConnectionState,
  EngineIdentity,
  SshConnectionConfig,
} from '../types';
import { connectSsh } from './connect';
import { dialStdioDialer, probeForwarding, streamLocalDialer, type AgentDialer } from './dialer';
import type { RemoteHost } from '../remote/host';
import { SshRemoteHost } from './remote-host';
import { ShellSessionHost } from './shell-host';
import type { SshSession } from './session';

export interface SshDeps {
  prompter: ConnectionPrompter;
  /** The agent bundle (loaded on first use); not needed with config.remoteSocket. */
  bundle: () => AgentBundle;
}

export class SshConnection implements AgentConnection {
  readonly kind = 'ssh' as const;
  private readonly managed: ManagedConnection;
  /** Keys decrypted for this connection, kept for reconnects; dropped on close. */
  private readonly keyCache = new Map<string, ParsedKey>();
  /** What the last set-up did (for diagnostics and tests). */
  lastSetup: { reused: boolean; uploaded: boolean; transport: string } | undefined;

  constructor(
    readonly id: string,
    readonly config: SshConnectionConfig,
    private readonly deps: SshDeps,
  ) {
    if (!config.host || !config.username)
      throw new ConnectionFailure('InvalidConfig', 'an SSH connection needs a host and a user name');
    this.managed = new ManagedConnection(this.label, (ctx) => this.establish(ctx), config);
  }

  private get label(): string {
    return `${this.config.username}@${this.config.host}${this.config.port && this.config.port !== 22 ? `:${this.config.port}` : ''}`;
  }

  get state(): ConnectionState {
    return this.managed.state;
  }

  onState(listener: (s: ConnectionState) => void): () => void {
    return this.managed.onState(listener);
  }

  connect(signal?: AbortSignal): Promise<EngineIdentity> {
    return this.managed.connect(signal);
  }

  docker(): Dockerode {
    return this.managed.docker();
  }

  info(): TransportInfo {
    return this.managed.info();
  }

  async close(): Promise<void> {
    await this.managed.close();
    this.keyCache.clear();
  }

  private async establish(ctx: EstablishContext): Promise<Established> {
    const cfg = this.config;
    const port = cfg.port ?? 22;
    const session = await connectSsh({
      label: this.label,
      host: cfg.host,
      port,
      username: cfg.username,
      auth: { host: cfg.host, auth: cfg.auth, prompter: this.deps.prompter, keyCache: this.keyCache },
      hostKeys: {
        host: cfg.host,
        port,
        knownHostsPath: cfg.knownHostsPath ?? path.join(os.homedir(), '.ssh', 'known_hosts'),
        prompter: this.deps.prompter,
      },
      keepaliveIntervalMs: cfg.keepaliveIntervalMs ?? 15_000,
      timeoutMs: cfg.connectTimeoutMs ?? 20_000,
      signal: ctx.signal,
    });
    const onAbort = (): void => void session.close();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const t = cfg.commandTimeoutMs ?? 60_000;
      // Not awaited: the exec behind it may take a while (login shell rc files) and nothing
      // waits on it; sshd turns Nagle off as soon as it stands.
      void session.keepPtyOpen(t);
      const { dialer, engine } = cfg.remoteSocket
        ? await this.existingEngine(session, cfg.remoteSocket, t)
        : await this.berthAgent(session, ctx, t);
      if (ctx.signal.aborted) throw new ConnectionFailure('Cancelled', `connecting to ${this.label} was cancelled`);
      return {
        engine,
        dial: dialer.dial,
        maxSockets: dialer.maxSockets,
        transport: `ssh ${dialer.kind}`,
        lost: session.closed,
        close: () => session.close(),
        openChannels: () => session.openChannelCount(),
      };
    } catch (err) {
      await session.close();
      if (ctx.signal.aborted) throw new ConnectionFailure('Cancelled', `connecting to ${this.label} was cancelled`);
      throw err;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
  }

  private async existingEngine(
    session: SshSession,
    socket: string,
    t: number,
  ): Promise<{ dialer: AgentDialer; engine: EngineIdentity }> {
    const fwd = await probeForwarding(session, socket, t);
    const dialer = streamLocalDialer(session, socket, t);
    const engine = fwd === 'open' ? await identifyOver(dialer.dial, t) : undefined;
    if (!engine) {
      // An existing engine has no dial-stdio of ours to fall back on.
      throw new ConnectionFailure(
        'Unreachable',
        `no engine answers on ${socket} at ${this.label}, or the server does not forward to it ` +
          `(AllowStreamLocalForwarding/AllowTcpForwarding, or the socket's permissions)`,
      );
    }
    this.lastSetup = { reused: true, uploaded: false, transport: 'ssh streamlocal' };
    return { dialer, engine };
  }

  private async berthAgent(
    session: SshSession,
    ctx: EstablishContext,
    t: number,
  ): Promise<{ dialer: AgentDialer; engine: EngineIdentity }> {
    const cfg = this.config;
    const bundle = this.deps.bundle();
    const socket = cfg.agent?.socketPath ?? DEFAULT_SOCKET;
    const fwd = await probeForwarding(session, socket, t);

    // The quick way back: this app's agent answers on the socket. No command runs on the host.
    if (fwd === 'open') {
      const dialer = streamLocalDialer(session, socket, t);
      const found = await agentVersionOver(dialer.dial, t);
      if (found && isBundleAgent(found, bundle)) {
        this.lastSetup = { reused: true, uploaded: false, transport: `ssh ${dialer.kind}` };
        return { dialer, engine: found.engine };
      }
    }

    ctx.progress(`inspecting ${this.label}`);
    // An upload may follow: SFTP starts meanwhile (each session start may run slow rc files).
    session.sftp(t).catch(() => undefined);
    const host = await this.setupHost(session, t);
    try {
      const facts = await probeFacts(host, {
        installRoot: cfg.agent?.installRoot,
        version: bundle.version,
        socketPath: socket,
        timeoutMs: t,
      });
      const target = bundle.targetForMachine(facts.machine);
      bundle.checkFiles(target);
      const placement = resolvePlacement(cfg.agent, facts.installRoot, bundle.version);
      // sshd answers a refused forwarding and a missing socket alike; dial-stdio tells them apart.
      const streamlocal = streamLocalDialer(session, socket, t);
      const stdio = dialStdioDialer(session, placement.installDir, socket, t);
      const candidates = fwd === 'open' ? [streamlocal] : fwd === 'prohibited' ? [stdio] : [streamlocal, stdio];
      const reach = async (): Promise<{ dialer: AgentDialer; found: AgentVersion } | undefined> => {
        for (const dialer of candidates) {
          const found = await agentVersionOver(dialer.dial, t);
          if (found) return { dialer, found };
        }
        return undefined;
      };

      if (fwd !== 'open' && facts.installedId === target.id && facts.sidecar?.bundleId === target.id) {
        const r = await reach();
        if (r && isBundleAgent(r.found, bundle)) {
          this.lastSetup = { reused: true, uploaded: false, transport: `ssh ${r.dialer.kind}` };
          return { dialer: r.dialer, engine: r.found.engine };
        }
      }
      const ready = await provisionAgent({
        host,
        version: bundle.version,
        target,
        placement,
        facts,
        username: cfg.username,
        hostName: cfg.host,
        prompter: this.deps.prompter,
        commandTimeoutMs: t,
        progress: (d) => ctx.progress(d),
      });
      const r = await reach();
      if (!r || !isBundleAgent(r.found, bundle)) {
        throw new ConnectionFailure(
          'AgentFailed',
          `the Berth agent started on ${this.label} (pid ${ready.pid}) but ${r ? `another engine (${r.found.engine.version}) answers` : 'does not answer'} on ${socket}`,
        );
      }
      this.lastSetup = { reused: ready.reused, uploaded: ready.uploaded, transport: `ssh ${r.dialer.kind}` };
      return { dialer: r.dialer, engine: r.found.engine };
    } finally {
      session.endSftp();
      await host.close?.();
    }
  }

  /** One shell for the whole set-up; one exec per command when the host cannot give one. */
  private async setupHost(session: SshSession, t: number): Promise<RemoteHost & { close?: () => Promise<void> }> {
    try {
      return await ShellSessionHost.open(session, t);
    } catch (err) {
      if (session.isClosed) throw err;
      return new SshRemoteHost(session);
    }
  }
}
