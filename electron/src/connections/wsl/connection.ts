/**
 * WslConnection: one long-lived process per distro carries every API connection —
 * `wsl.exe -d <distro> -u root --exec sh -c <start script>`, which execs the installed agent's
 * `berthd stdio-mux --ensure-agent` (an SSH server on its stdio; the agent is started or reused
 * first). The app runs the same SSH client code as for a remote host over the child's stdio.
 * When the install is missing (the script says BERTH-NEED-INSTALL) or damaged (the mux exits
 * with InstallCorrupt), the bundle is copied in through wsl.exe, verified and unpacked under the
 * install lock, and the process is started again.
 */
import type Dockerode from 'dockerode';
import { ConnectionFailure, errorText } from '../errors';
import { settlesWithin } from '../transport/deadline';
import { agentVersionOver, isBundleAgent } from '../identify';
import { ManagedConnection, type EstablishContext, type Established, type TransportInfo } from '../managed';
import type { AgentBundle, BundleTarget } from '../remote/bundle';
import { resolvePlacement, type ResolvedPlacement } from '../remote/facts';
import { script } from '../remote/host';
import { ensureInstalled, installIsCurrent, removeOldVersions } from '../remote/install';
import { connectSsh } from '../ssh/connect';
import { streamLocalDialer } from '../ssh/dialer';
import type {
  AgentConnection,
  ConnectionPrompter,
  ConnectionState,
  EngineIdentity,
  WslConnectionConfig,
} from '../types';
import { ChildStdio, exitOf, spawnInDistro, stopChild, type WslTarget } from './child';
import { WslRemoteHost } from './remote-host';

export interface WslDeps {
  prompter: ConnectionPrompter;
  bundle: () => AgentBundle;
}

export const WSL_INSTALL_ROOT = '/opt/berth';

const START_SCRIPT = script(
  'd=$1',
  'id=$2',
  'shift 2',
  `if [ "$(head -c 100 "$d/BUNDLE-ID" 2>/dev/null | tr -d '\\n')" = "$id" ]; then exec "$d/node" "$d/berthd.cjs" stdio-mux --ensure-agent "$@"; fi`,
  'echo "BERTH-NEED-INSTALL $(uname -m)"',
  'exit 3',
);

type Started =
  | { kind: 'ssh'; stream: ChildStdio; child: ReturnType<typeof spawnInDistro>; stderr: () => string }
  | { kind: 'need-install'; machine: string }
  | { kind: 'corrupt'; message: string }
  /** Exited without a word of SSH or a handshake: maybe a damaged install, maybe not. */
  | { kind: 'failed'; error: ConnectionFailure };

export class WslConnection implements AgentConnection {
  readonly kind = 'wsl' as const;
  private readonly managed: ManagedConnection;
  private readonly target: WslTarget;
  lastSetup: { uploaded: boolean; handshake: string | undefined; pid: number | undefined } | undefined;

  constructor(
    readonly id: string,
    readonly config: WslConnectionConfig,
    private readonly deps: WslDeps,
  ) {
    if (!config.distro) throw new ConnectionFailure('InvalidConfig', 'a WSL connection needs a distro name');
    if (config.wslCommand && config.wslCommand.length === 0)
      throw new ConnectionFailure('InvalidConfig', 'wslCommand is empty');
    this.target = { wslCommand: config.wslCommand ?? ['wsl.exe'], distro: config.distro };
    this.managed = new ManagedConnection(`WSL distro ${config.distro}`, (ctx) => this.establish(ctx), config);
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

  close(): Promise<void> {
    return this.managed.close();
  }

  private muxArgs(p: ResolvedPlacement): string[] {
    return [
      '-H',
      `unix://${p.socketPath}`,
      '--data-root',
      p.dataRoot,
      '--exec-root',
      p.execRoot,
      ...(p.logFile ? ['--log-file', p.logFile] : []),
    ];
  }

  private async startMux(
    setup: WslTarget,
    target: BundleTarget,
    p: ResolvedPlacement,
    timeoutMs: number,
  ): Promise<Started> {
    const child = spawnInDistro(setup, 'sh', ['-c', START_SCRIPT, 'sh', p.installDir, target.id, ...this.muxArgs(p)]);
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      if (stderr.length < 65_536) stderr += d;
    });
    const spawnFailed = new Promise<never>((_, reject) =>
      child.once('error', (err) =>
        reject(new ConnectionFailure('Unreachable', `cannot start ${this.target.wslCommand[0]}: ${errorText(err)}`)),
      ),
    );
    const stream = new ChildStdio(child);
    let first: Buffer;
    try {
      first = await Promise.race([stream.first(4, timeoutMs), spawnFailed]);
    } catch (err) {
      stream.destroy();
      await stopChild(child, 0);
      throw err;
    }
    const text = first.toString('latin1');
    if (text.startsWith('SSH-')) return { kind: 'ssh', stream, child, stderr: () => stderr };
    stream.destroy();
    // 'close' comes once stderr is drained too (the handshake line may come last).
    await settlesWithin(closed, 5000);
    const code = child.exitCode;
    await stopChild(child, 0);
    const need = /^BERTH-NEED-INSTALL (\S+)/.exec(text);
    if (need) return { kind: 'need-install', machine: need[1]! };
    const handshake = /\{"berth":"agent".*\}/.exec(stderr)?.[0];
    if (code === 4 || handshake?.includes('"InstallCorrupt"'))
      return { kind: 'corrupt', message: handshake ?? stderr.trim() };
    // Whatever the mux said besides the handshake is the reason (the handshake may say ok).
    const said = [handshake, handshake ? stderr.replace(handshake, '').trim() : stderr.trim()].filter(Boolean);
    if (text.length > 0) said.push(`stdout began with ${JSON.stringify(text.slice(0, 16))}`);
    const error = new ConnectionFailure(
      code === 1 && handshake ? 'AgentFailed' : 'Unreachable',
      `the Berth agent could not start in WSL distro ${this.config.distro} (exit ${code}): ${said.join(' ').slice(-600) || 'no output'}`,
    );
    if (handshake) throw error;
    return { kind: 'failed', error };
  }

  private async install(
    setup: WslTarget,
    target: BundleTarget,
    version: string,
    force: boolean,
    t: number,
    ctx: EstablishContext,
  ): Promise<void> {
    const host = new WslRemoteHost(setup);
    ctx.progress(`installing the Berth agent into WSL distro ${this.config.distro}`);
    const root = this.config.agent?.installRoot ?? WSL_INSTALL_ROOT;
    const release = await host.lock(root, 120_000);
    try {
      await ensureInstalled(host, {
        root,
        version,
        target,
        force,
        commandTimeoutMs: t,
        progress: (d) => ctx.progress(d),
      });
    } finally {
      await release();
    }
  }

  private async establish(ctx: EstablishContext): Promise<Established> {
    try {
      return await this.setUp(ctx);
    } catch (err) {
      if (ctx.signal.aborted)
        throw new ConnectionFailure('Cancelled', `connecting to WSL distro ${this.config.distro} was cancelled`);
      throw err;
    }
  }

  private async setUp(ctx: EstablishContext): Promise<Established> {
    // Set-up processes die with a cancelled connect; the mux outlives it (see overMux).
    const setup: WslTarget = { ...this.target, signal: ctx.signal };
    const bundle = this.deps.bundle();
    const t = this.config.commandTimeoutMs ?? 60_000;
    const p = resolvePlacement(this.config.agent, this.config.agent?.installRoot ?? WSL_INSTALL_ROOT, bundle.version);
    // WSL2 runs the Windows host's architecture; the start script reports it if not.
    let target = bundle.targetForArch(process.arch) ?? bundle.targetForArch(bundle.arches()[0]!)!;
    let uploaded = false;
    for (let round = 0; round < 3; round++) {
      if (ctx.signal.aborted) throw new ConnectionFailure('Cancelled', 'connecting was cancelled');
      ctx.progress(`starting the Berth agent in WSL distro ${this.config.distro}`);
      let started = await this.startMux(setup, target, p, t);
      if (started.kind === 'failed') {
        // The agent's own code did not run far enough to say why: check the install's files.
        const intact = await installIsCurrent(new WslRemoteHost(setup), p.installDir, target.id, true, t);
        if (intact || round === 2) throw started.error;
        started = { kind: 'corrupt', message: started.error.message };
      }
      if (started.kind === 'need-install' || started.kind === 'corrupt') {
        if (started.kind === 'need-install') target = bundle.targetForMachine(started.machine);
        if (round === 2) break;
        bundle.checkFiles(target);
        await this.install(setup, target, bundle.version, started.kind === 'corrupt', t, ctx);
        uploaded = true;
        continue;
      }
      return await this.overMux(started, p, bundle, uploaded, t, ctx);
    }
    throw new ConnectionFailure(
      'InstallFailed',
      `the Berth agent install in WSL distro ${this.config.distro} does not start after reinstalling`,
    );
  }

  private async overMux(
    started: Extract<Started, { kind: 'ssh' }>,
    p: ResolvedPlacement,
    bundle: AgentBundle,
    uploaded: boolean,
    t: number,
    ctx: EstablishContext,
  ): Promise<Established> {
    const { stream, child } = started;
    const stop = async (): Promise<void> => {
      stream.destroy();
      await stopChild(child);
    };
    const onAbort = (): void => void stop();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    stream.start();
    try {
      const session = await connectSsh({
        label: `WSL distro ${this.config.distro}`,
        sock: stream,
        username: 'root',
        strictVendor: false,
        keepaliveIntervalMs: this.config.keepaliveIntervalMs ?? 15_000,
        timeoutMs: this.config.connectTimeoutMs ?? 20_000,
        signal: ctx.signal,
      });
      const dialer = streamLocalDialer(session, p.socketPath, t);
      const found = await agentVersionOver(dialer.dial, t);
      if (!found || !isBundleAgent(found, bundle)) {
        await session.close();
        throw new ConnectionFailure(
          'AgentFailed',
          `the Berth agent in WSL distro ${this.config.distro} does not answer on ${p.socketPath}: ${started.stderr().trim().slice(-400)}`,
        );
      }
      const handshake = /\{"berth":"agent".*\}/.exec(started.stderr())?.[0];
      let pid: number | undefined;
      try {
        pid = handshake ? (JSON.parse(handshake) as { pid?: number }).pid : undefined;
      } catch {
        /* diagnostics only */
      }
      this.lastSetup = { uploaded, handshake, pid };
      if (uploaded) {
        const host = new WslRemoteHost(this.target);
        const release = await host.lock(p.installRoot, 120_000);
        await removeOldVersions(host, p.installRoot, bundle.version, t).finally(release);
      }
      const lost = Promise.race([session.closed, exitOf(child).then(() => new Error('the WSL process exited'))]);
      return {
        engine: found.engine,
        dial: dialer.dial,
        maxSockets: undefined,
        transport: 'wsl stdio-mux',
        lost,
        close: async () => {
          await session.close();
          await stopChild(child);
        },
        openChannels: () => session.openChannelCount(),
      };
    } catch (err) {
      await stop();
      throw err;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
  }
}
