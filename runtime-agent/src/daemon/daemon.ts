/**
 * The daemon: takes the data-root lock, builds the backends, registers the API routes (one folder
 * per resource) and serves them on every -H socket until SIGTERM/SIGINT.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApiServer } from '../api/server';
import { Router } from '../api/router';
import { registerSystemRoutes, type SystemBackend } from '../api/routes/system';
import { registerEventRoutes } from '../api/routes/system/events';
import { registerDfRoute } from '../api/routes/system/df';
import { diskUsage } from './disk-usage';
import { registerVolumeRoutes } from '../api/routes/volumes';
import { registerImageRoutes } from '../api/routes/images';
import { registerContainerRoutes } from '../api/routes/containers';
import { registerExecRoutes } from '../api/routes/exec';
import { registerBuildRoutes } from '../api/routes/build';
import { BuildEngine } from '../build/engine/build-engine';
import { runtimeNetworkHook } from '../containers/network-adapter';
import { cleanStaleViews, RootfsViews } from '../containers/rootfs-view';
import { ContainerService } from '../containers/service';
import { EventBus } from '../events/bus';
import { ImageService } from '../images/image-service';
import { VolumeStore } from '../volumes/store';
import { registerNetworkRoutes } from '../api/routes/networks';
import { NetworkApiBackend } from '../network/api-backend';
import { networkConfigFromFlags } from '../network/config';
import { NetworkService } from '../network/service';
import { BERTH_VERSION } from '../version';
import { ContainerRuntime } from '../runtime/runtime';
import { daemonSecurityOptions } from '../runtime/spec/security-opts';
import { readHostInfo, type HostInfo } from './host-info';
import { lockDataRoot, type DataRootLock } from './lockfile';
import type { Logger } from './logger';
import { socketPathFromHost, type DaemonFlags } from './flags';

export interface DaemonOptions {
  flags: DaemonFlags;
  log: Logger;
}

/** Persistent engine ID, as dockerd keeps in <data-root>/engine-id. */
function engineId(dataRoot: string): string {
  const file = path.join(dataRoot, 'engine-id');
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch {
    /* first start */
  }
  const id = crypto.randomUUID();
  fs.writeFileSync(file, id + '\n', { mode: 0o600 });
  return id;
}

export class Daemon {
  private lock: DataRootLock | undefined;
  private server: ApiServer | undefined;
  private hostInfo: HostInfo | undefined;
  /** Networks; the runtime's NetworkHook (network/hook.ts) and the /networks backend. */
  network: NetworkService | undefined;
  private readonly startedAt = new Date();
  private stopping: Promise<void> | undefined;
  readonly router = new Router();
  readonly events = new EventBus();
  volumes: VolumeStore | undefined;
  images: ImageService | undefined;
  /** The containers (set once start() has adopted them). */
  runtime: ContainerRuntime | undefined;
  /** Docker's containers over the runtime (the container and exec routes' backend). */
  containers: ContainerService | undefined;

  /** Build cache records for /system/df (set by the builder). */
  buildCache: (() => Promise<Array<Record<string, unknown>>>) | undefined;

  constructor(private readonly opts: DaemonOptions) {}

  get dataRoot(): string {
    return this.opts.flags.dataRoot;
  }

  async start(): Promise<void> {
    const { flags, log } = this.opts;
    const sockets = flags.hosts.map(socketPathFromHost);
    this.lock = lockDataRoot(flags.dataRoot);
    fs.mkdirSync(flags.execRoot, { recursive: true, mode: 0o700 });
    const id = engineId(flags.dataRoot);
    this.hostInfo = readHostInfo();
    log.info('starting berthd', {
      version: BERTH_VERSION,
      pid: process.pid,
      dataRoot: flags.dataRoot,
      execRoot: flags.execRoot,
      cgroups: this.hostInfo.cgroupSetup,
      kernel: this.hostInfo.kernelVersion,
    });

    this.images = new ImageService({
      root: path.join(flags.dataRoot, 'image'),
      log,
      insecureRegistries: flags.insecureRegistries,
      authFile: flags.registryAuthFile,
    });
    this.images.init();
    this.images.setEventSink((action, imageId, attrs) => this.events.publish('image', action, imageId, attrs));
    registerImageRoutes(this.router, this.images);

    this.volumes = new VolumeStore(path.join(flags.dataRoot, 'volumes'), this.events);
    this.volumes.init();
    registerVolumeRoutes(this.router, this.volumes);

    const network = new NetworkService(networkConfigFromFlags(flags, log));
    this.network = network;
    network.setEventSink((action, networkId, attrs) => this.events.publish('network', action, networkId, attrs));
    cleanStaleViews(path.join(flags.dataRoot, 'containers'));
    // Containers that ran on while no agent was there are adopted before the API answers.
    const runtime = new ContainerRuntime({
      dataRoot: flags.dataRoot,
      execRoot: flags.execRoot,
      cgroupParent: flags.cgroupParent,
      initPool: flags.initPool,
      network: runtimeNetworkHook(network, (cid) => this.containers?.engine(cid)),
      onError: (msg, err) => log.warn(msg, { error: err }),
    });
    this.runtime = runtime;
    // Containers to start by restart policy wait until the network module is up.
    await runtime.init({ startAtBoot: false });
    this.containers = new ContainerService({
      runtime,
      images: this.images,
      volumes: this.volumes,
      network,
      events: this.events,
      views: new RootfsViews(),
      log,
    });
    this.containers.init();
    await network.start(this.containers.containerSource());
    registerNetworkRoutes(this.router, new NetworkApiBackend(network));
    registerContainerRoutes(this.router, this.containers);
    registerExecRoutes(this.router, this.containers.execBackend());
    const builds = new BuildEngine({
      root: path.join(flags.dataRoot, 'build'),
      images: this.images,
      containers: this.containers,
      runtime,
    });
    builds.init();
    for (const id of await builds.removeOrphanedRuns()) log.warn('removed the RUN container of a lost build', { id });
    this.buildCache = () => builds.records();
    registerBuildRoutes(this.router, builds);
    await runtime.startAtBoot();

    const system: SystemBackend = {
      host: () => (this.hostInfo ??= readHostInfo()),
      facts: () => ({
        id,
        dataRoot: flags.dataRoot,
        execRoot: flags.execRoot,
        insecureRegistries: flags.insecureRegistries,
        debug: flags.logLevel === 'debug',
        startedAt: this.startedAt,
      }),
      counts: () => ({ ...runtime.counts(), images: this.images?.count ?? 0 }),
      securityOptions: () => daemonSecurityOptions(),
      networkDrivers: () => ['bridge', 'host', 'null'],
      eventListeners: () => this.events.subscriberCount,
      warnings: () => [],
    };
    registerSystemRoutes(this.router, system);
    registerEventRoutes(this.router, this.events);
    registerDfRoute(this.router, diskUsage(this));

    this.server = new ApiServer({ router: this.router, log, group: flags.group });
    try {
      for (const s of sockets) await this.server.listen(s);
    } catch (err) {
      await this.stop();
      throw err;
    }
    log.info('daemon ready', { sockets });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.opts.log.info('shutting down');
      await this.server?.close();
      // Containers keep running: the next agent re-adopts them.
      this.containers?.close();
      await this.runtime?.close();
      await this.images?.close();
      await this.network?.shutdown();
      this.lock?.release();
      this.opts.log.info('stopped');
    })();
    return this.stopping;
  }
}
