/**
 * The Engine API's container JSON (inspect, list) from the runtime's record, the engine record,
 * the network module's settings and the health state.
 */
import path from 'node:path';
import type { DockerNetworkSettings } from '../network/hook';
import type { ContainerRecord } from '../runtime/state';
import type { ContainerConfig } from './docker-types';
import type { EngineRecord } from './engine-record';
import type { HealthState } from './health';
import { commandText, type ListSubject, type PortSummary } from './list';
import { inspectState, type StateFacts } from './state';

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function stateFacts(rec: ContainerRecord, health: HealthState | undefined): StateFacts {
  const s = rec.state;
  const running = s.status === 'running' || s.status === 'paused';
  return {
    status: s.status,
    pid: s.pid,
    exitCode: s.exitCode,
    oomKilled: s.oomKilled,
    startedAt: s.startedAt === ZERO_TIME ? undefined : s.startedAt,
    finishedAt: s.finishedAt === ZERO_TIME ? undefined : s.finishedAt,
    error: s.error,
    health: running || health ? health : undefined,
  };
}

function emptyNetworkSettings(mode: string): DockerNetworkSettings {
  const name = mode.startsWith('container:') ? 'container' : mode;
  return {
    Bridge: '',
    SandboxID: '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: {},
    SandboxKey: '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: '',
    Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    MacAddress: '',
    Networks:
      name === 'container'
        ? {}
        : {
            [name]: {
              IPAMConfig: null,
              Links: null,
              Aliases: null,
              NetworkID: '',
              EndpointID: '',
              Gateway: '',
              IPAddress: '',
              IPPrefixLen: 0,
              IPv6Gateway: '',
              GlobalIPv6Address: '',
              GlobalIPv6PrefixLen: 0,
              MacAddress: '',
              DriverOpts: null,
            } as unknown as DockerNetworkSettings['Networks'][string],
          },
  };
}

export function networkSettingsOf(rec: ContainerRecord, net: DockerNetworkSettings | undefined): DockerNetworkSettings {
  return net ?? emptyNetworkSettings(rec.spec.networkMode);
}

/** Docker's inspect Config: the image's config merged with the request, as the container runs. */
export function mergedConfig(rec: ContainerRecord, eng: EngineRecord | undefined): Record<string, unknown> {
  const c = eng?.config;
  const img: Partial<ContainerConfig> = eng?.imageConfig ?? {};
  const volumes = { ...(img.Volumes ?? {}), ...(c?.Volumes ?? {}) };
  const exposed = { ...(img.ExposedPorts ?? {}), ...(c?.ExposedPorts ?? {}) };
  return {
    Hostname: rec.spec.hostname,
    Domainname: rec.spec.domainname,
    User: rec.spec.user,
    AttachStdin: c?.AttachStdin ?? false,
    AttachStdout: c?.AttachStdout ?? false,
    AttachStderr: c?.AttachStderr ?? false,
    ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
    Tty: rec.spec.tty,
    OpenStdin: rec.spec.openStdin,
    StdinOnce: rec.spec.stdinOnce,
    Env: rec.spec.env,
    Cmd: rec.spec.cmd.length ? rec.spec.cmd : null,
    ...(eng?.health ? { Healthcheck: eng.health } : {}),
    Image: rec.image,
    Volumes: Object.keys(volumes).length ? volumes : null,
    WorkingDir: rec.spec.workingDir,
    Entrypoint: rec.spec.entrypoint.length ? rec.spec.entrypoint : null,
    OnBuild: c?.OnBuild ?? null,
    Labels: rec.spec.labels,
    ...(c?.StopSignal || img.StopSignal ? { StopSignal: c?.StopSignal || img.StopSignal } : {}),
    ...(c?.StopTimeout !== undefined ? { StopTimeout: c.StopTimeout } : {}),
  };
}

export interface InspectExtras {
  net: DockerNetworkSettings | undefined;
  health: HealthState | undefined;
  execIds: string[];
  sizes?: { rw: number; rootFs: number } | undefined;
}

export function inspectJson(
  rec: ContainerRecord,
  eng: EngineRecord | undefined,
  dir: string,
  x: InspectExtras,
): Record<string, unknown> {
  const lower = 'lowerDirs' in rec.rootfs ? rec.rootfs.lowerDirs.join(':') : rec.rootfs.dir;
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.spec.args[0] ?? '',
    Args: rec.spec.args.slice(1),
    State: inspectState(stateFacts(rec, x.health)),
    Image: rec.imageId,
    ResolvConfPath: path.join(dir, 'resolv.conf'),
    HostnamePath: path.join(dir, 'hostname'),
    HostsPath: path.join(dir, 'hosts'),
    LogPath: path.join(dir, 'io', 'container.log'),
    Name: `/${rec.name}`,
    RestartCount: rec.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: x.execIds.length ? x.execIds : null,
    HostConfig: eng?.hostConfig ?? { NetworkMode: rec.spec.networkMode },
    GraphDriver: {
      Data: {
        LowerDir: lower,
        MergedDir: path.join(dir, 'rootfs', 'merged'),
        UpperDir: path.join(dir, 'rootfs', 'upper'),
        WorkDir: path.join(dir, 'rootfs', 'work'),
      },
      Name: 'overlay2',
    },
    ...(x.sizes ? { SizeRw: x.sizes.rw, SizeRootFs: x.sizes.rootFs } : {}),
    Mounts: eng?.mounts ?? [],
    Config: mergedConfig(rec, eng),
    NetworkSettings: networkSettingsOf(rec, x.net),
  };
}

function portSummaries(net: DockerNetworkSettings | undefined): PortSummary[] {
  const out: PortSummary[] = [];
  for (const [key, bindings] of Object.entries(net?.Ports ?? {})) {
    const [port, proto] = key.split('/') as [string, string];
    if (!bindings || bindings.length === 0) {
      out.push({ PrivatePort: Number(port), Type: proto ?? 'tcp' });
      continue;
    }
    for (const b of bindings) {
      out.push({
        IP: b.HostIp || '0.0.0.0',
        PrivatePort: Number(port),
        PublicPort: Number(b.HostPort),
        Type: proto ?? 'tcp',
      });
    }
  }
  return out;
}

export function listSubject(
  rec: ContainerRecord,
  eng: EngineRecord | undefined,
  net: DockerNetworkSettings | undefined,
  health: HealthState | undefined,
  imageRefs: string[],
): ListSubject {
  const settings = networkSettingsOf(rec, net);
  const networkIds: Record<string, string> = {};
  for (const [name, ep] of Object.entries(settings.Networks))
    networkIds[name] = (ep as { NetworkID?: string }).NetworkID ?? '';
  return {
    id: rec.id,
    names: [`/${rec.name}`],
    image: rec.image,
    imageId: rec.imageId,
    imageRefs,
    command: commandText(rec.spec.args[0] ?? '', rec.spec.args.slice(1)),
    createdNs: BigInt(Date.parse(rec.created)) * 1_000_000n,
    labels: rec.spec.labels,
    state: stateFacts(rec, health),
    ports: portSummaries(net),
    exposed: Object.keys({ ...(eng?.imageConfig.ExposedPorts ?? {}), ...(eng?.config.ExposedPorts ?? {}) }),
    mounts: (eng?.mounts ?? []).map((m) => ({ ...m })),
    networkMode: eng?.hostConfig.NetworkMode || rec.spec.networkMode,
    networks: settings.Networks as unknown as Record<string, Record<string, unknown>>,
    networkIds,
  };
}
