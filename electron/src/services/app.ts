/**
 * The composition root of the service layer: one instance per app (Electron main or the web-mode
 * server), plain Node. It owns every service, stream and child process it starts and disposes of
 * them; clients (windows, WebSockets) come and go as sessions of its dispatcher.
 */
import path from 'node:path';
import type { EngineState } from '../contract/models/engine';
import { BuildHistory } from './builds/history';
import { BuildService } from './builds/service';
import { ConfigStore } from './config/store';
import { ContainerService } from './containers';
import { EventBus } from './events';
import { defaultConnectionFactory, type ConnectionFactory } from './hosts/connection-factory';
import { BUILTIN_HOST_ID, HostManager } from './hosts/manager';
import { PromptBroker } from './hosts/prompts';
import { ImageService } from './images';
import { NetworkService } from './networks';
import { Dispatcher, type DesktopShell } from './rpc/dispatcher';
import { EngineEventFeeds } from './streams/engine-events';
import { StatsStreams } from './streams/stats';
import { EngineSupervisor, type SupervisorOptions } from './supervisor/supervisor';
import { TaskRegistry } from './tasks';
import { UploadStore } from './uploads';
import { VolumeService } from './volumes';

export interface AppServicesOptions {
  mode: 'electron' | 'web';
  version: string;
  /** Settings (hosts, engine settings): e.g. ~/.config/berth. */
  configDir: string;
  /** State (build history): e.g. ~/.local/state/berth. */
  stateDir: string;
  /** The local engine supervisor; omitted where there is no local engine (or in tests). */
  supervisor?: Omit<SupervisorOptions, 'askPassword' | 'settings'>;
  connectionFactory?: ConnectionFactory;
  shell?: DesktopShell;
  promptTimeoutMs?: number;
}

export class AppServices {
  readonly bus = new EventBus();
  readonly config: ConfigStore;
  readonly prompts: PromptBroker;
  readonly hosts: HostManager;
  readonly tasks: TaskRegistry;
  readonly uploads: UploadStore;
  readonly images: ImageService;
  readonly containers: ContainerService;
  readonly volumes: VolumeService;
  readonly networks: NetworkService;
  readonly builds: BuildService;
  readonly stats = new StatsStreams();
  readonly engineEvents: EngineEventFeeds;
  readonly supervisor: EngineSupervisor | undefined;
  readonly dispatcher: Dispatcher;
  private readonly offs: Array<() => void> = [];

  constructor(readonly opts: AppServicesOptions) {
    this.config = new ConfigStore(path.join(opts.configDir, 'config.json'));
    this.prompts = new PromptBroker(this.bus, opts.promptTimeoutMs);
    const sup = opts.supervisor;
    this.supervisor = sup
      ? new EngineSupervisor({
          ...sup,
          settings: this.config.engine,
          askPassword: async (q) => {
            const a = await this.prompts.ask({
              kind: 'secret',
              secretKind: 'sudo',
              prompt: q.prompt,
              host: 'localhost',
              ...(q.retryReason ? { retryReason: q.retryReason } : {}),
            });
            return a?.kind === 'secret' ? a.value : undefined;
          },
        })
      : undefined;
    this.hosts = new HostManager({
      store: this.config,
      bus: this.bus,
      prompts: this.prompts,
      factory: opts.connectionFactory ?? defaultConnectionFactory,
      ...(this.supervisor
        ? {
            builtin: {
              name: 'This computer',
              socketPath: this.supervisor.socketPath,
              onLost: (reason) => void this.supervisor?.recheck(reason),
            },
          }
        : {}),
    });
    this.tasks = new TaskRegistry(this.bus);
    this.uploads = new UploadStore();
    this.images = new ImageService(this.hosts, this.tasks);
    this.containers = new ContainerService(this.hosts, this.images);
    this.volumes = new VolumeService(this.hosts);
    this.networks = new NetworkService(this.hosts);
    this.builds = new BuildService(this.hosts, this.tasks, this.uploads, new BuildHistory(opts.stateDir), this.bus);
    this.engineEvents = new EngineEventFeeds(this.hosts);
    this.dispatcher = new Dispatcher(this, opts.shell);
    if (this.supervisor) this.offs.push(this.supervisor.onState((s) => this.onEngineState(s)));
  }

  /** Bring things up: the local engine (found or started) and the hosts marked to connect. */
  async start(): Promise<void> {
    this.hosts.autoConnect();
    if (this.supervisor) await this.supervisor.ensureRunning();
  }

  private onEngineState(s: EngineState): void {
    this.bus.emit('engine:state', s);
    if (s.status === 'running') {
      void this.hosts
        .setBuiltinSocket(s.socketPath)
        .then(() => this.hosts.connect(BUILTIN_HOST_ID).catch(() => undefined));
    } else if (s.status !== 'probing' && this.hosts.get(BUILTIN_HOST_ID).state.status !== 'disconnected') {
      const reason = s.status === 'starting' ? 'the engine is starting' : (s.reason ?? `the engine is ${s.status}`);
      void this.hosts.disconnect(BUILTIN_HOST_ID, reason);
    }
  }

  async dispose(): Promise<void> {
    this.offs.forEach((o) => o());
    this.dispatcher.closeAll();
    this.prompts.cancelAll();
    await this.tasks.dispose();
    this.stats.hub.closeAll();
    this.engineEvents.closeAll();
    this.supervisor?.dispose();
    await this.hosts.dispose();
    this.uploads.dispose();
  }
}
