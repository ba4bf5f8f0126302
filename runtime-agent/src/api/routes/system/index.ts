/** System routes: /_ping, /version, /info. */
import fs from 'node:fs';
import type { Router } from '../../router';
import { API_VERSION, BERTH_VERSION, GIT_COMMIT, MIN_API_VERSION } from '../../../version';
import type { SystemBackend } from './backend';

export type { SystemBackend } from './backend';

const PING_HEADERS = {
  'Builder-Version': '1',
  Swarm: 'inactive',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
};

export function registerSystemRoutes(router: Router, backend: SystemBackend): void {
  // HEAD /_ping is served by this GET route (the server falls back to GET and sends no body).
  router.get('/_ping', (ctx) => {
    ctx.sendText(200, 'OK', 'text/plain; charset=utf-8', PING_HEADERS);
  });
  router.get('/version', (ctx) => ctx.sendJson(200, versionBody(backend)));
  router.get('/info', (ctx) => ctx.sendJson(200, infoBody(backend)));
}

export function versionBody(backend: SystemBackend): Record<string, unknown> {
  const h = backend.host();
  const buildTime = new Date().toISOString();
  return {
    Platform: { Name: `Berth Engine ${BERTH_VERSION}` },
    Components: [
      {
        Name: 'Engine',
        Version: BERTH_VERSION,
        Details: {
          ApiVersion: API_VERSION,
          Arch: h.goArch,
          BuildTime: buildTime,
          Experimental: 'false',
          GitCommit: GIT_COMMIT,
          GoVersion: `node${process.versions.node}`,
          KernelVersion: h.kernelVersion,
          MinAPIVersion: MIN_API_VERSION,
          Os: 'linux',
        },
      },
    ],
    Version: BERTH_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: GIT_COMMIT,
    GoVersion: `node${process.versions.node}`,
    Os: 'linux',
    Arch: h.goArch,
    KernelVersion: h.kernelVersion,
    BuildTime: buildTime,
  };
}

function countFds(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

export function infoBody(backend: SystemBackend): Record<string, unknown> {
  const h = backend.host();
  const f = backend.facts();
  const c = backend.counts();
  return {
    ID: f.id,
    Containers: c.containers,
    ContainersRunning: c.running,
    ContainersPaused: c.paused,
    ContainersStopped: c.stopped,
    Images: c.images,
    Driver: 'overlay2',
    DriverStatus: [
      ['Backing Filesystem', 'extfs'],
      ['Supports d_type', 'true'],
      ['Using metacopy', 'false'],
      ['Native Overlay Diff', 'true'],
    ],
    Plugins: {
      Volume: ['local'],
      Network: backend.networkDrivers(),
      Authorization: null,
      Log: ['json-file'],
    },
    MemoryLimit: h.memoryLimit,
    SwapLimit: h.swapLimit,
    KernelMemory: false,
    KernelMemoryTCP: false,
    CpuCfsPeriod: h.cpuCfsQuota,
    CpuCfsQuota: h.cpuCfsQuota,
    CPUShares: h.cpuShares,
    CPUSet: h.cpuSet,
    PidsLimit: h.pidsLimit,
    OomKillDisable: h.cgroupVersion === '1' && h.memoryLimit,
    IPv4Forwarding: h.ipv4Forwarding,
    BridgeNfIptables: h.bridgeNfIptables,
    BridgeNfIp6tables: h.bridgeNfIp6tables,
    Debug: f.debug,
    NFd: countFds(),
    NGoroutines: 1,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: h.cgroupVersion,
    NEventsListener: backend.eventListeners(),
    KernelVersion: h.kernelVersion,
    OperatingSystem: h.operatingSystem,
    OSVersion: h.osVersion,
    OSType: 'linux',
    Architecture: h.machine,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      AllowNondistributableArtifactsCIDRs: [],
      AllowNondistributableArtifactsHostnames: [],
      InsecureRegistryCIDRs: ['127.0.0.0/8'],
      IndexConfigs: Object.fromEntries([
        ['docker.io', { Name: 'docker.io', Mirrors: [], Secure: true, Official: true }],
        ...f.insecureRegistries.map((r) => [r, { Name: r, Mirrors: [], Secure: false, Official: false }]),
      ]),
      Mirrors: [],
    },
    NCPU: h.ncpu,
    MemTotal: h.memTotal,
    GenericResources: null,
    DockerRootDir: f.dataRoot,
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: h.hostname,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: BERTH_VERSION,
    Runtimes: { berth: { path: 'berth-init' } },
    DefaultRuntime: 'berth',
    Swarm: {
      NodeID: '',
      NodeAddr: '',
      LocalNodeState: 'inactive',
      ControlAvailable: false,
      Error: '',
      RemoteManagers: null,
    },
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '', Expected: '' },
    RuncCommit: { ID: '', Expected: '' },
    InitCommit: { ID: '', Expected: '' },
    SecurityOptions: backend.securityOptions(),
    CDISpecDirs: [],
    Warnings: backend.warnings(),
  };
}
