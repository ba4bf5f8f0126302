/** Translations between the engine's container JSON and the contract's models (both directions). */
import type {
  ContainerDetail,
  ContainerStateName,
  ContainerSummary,
  HealthStatus,
  HealthcheckSpec,
  MountSummary,
  PortMapping,
  PortProtocol,
  RunSpec,
} from '../contract/models/containers';
import type { FieldHint } from './errors';

const NS_PER_MS = 1e6;

/** The engine's create body for a Run dialog spec (shaped like the docker CLI's `run` flags). */
export function createBody(spec: RunSpec): Record<string, unknown> {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of spec.ports ?? []) {
    const key = `${p.containerPort}/${p.protocol ?? 'tcp'}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.hostPort ? String(p.hostPort) : '' });
  }
  const binds: string[] = [];
  const anonymous: Record<string, object> = {};
  const tmpfs: Record<string, string> = {};
  for (const v of spec.volumes ?? []) {
    if (v.type === 'tmpfs') tmpfs[v.target] = v.sizeBytes ? `size=${v.sizeBytes}` : '';
    else if (v.type === 'volume' && !v.source) anonymous[v.target] = {};
    else binds.push(`${v.source}:${v.target}${v.readOnly ? ':ro' : ''}`);
  }
  const l = spec.limits ?? {};
  const hostConfig: Record<string, unknown> = {
    ...(Object.keys(bindings).length ? { PortBindings: bindings } : {}),
    ...(spec.publishAll ? { PublishAllPorts: true } : {}),
    ...(binds.length ? { Binds: binds } : {}),
    ...(Object.keys(tmpfs).length ? { Tmpfs: tmpfs } : {}),
    ...(spec.network ? { NetworkMode: spec.network } : {}),
    ...(l.memoryBytes !== undefined ? { Memory: l.memoryBytes } : {}),
    ...(l.memorySwapBytes !== undefined ? { MemorySwap: l.memorySwapBytes } : {}),
    ...(l.cpus !== undefined ? { NanoCpus: Math.round(l.cpus * 1e9) } : {}),
    ...(l.cpuShares !== undefined ? { CpuShares: l.cpuShares } : {}),
    ...(l.pids !== undefined ? { PidsLimit: l.pids } : {}),
    ...(spec.restartPolicy
      ? {
          RestartPolicy: {
            Name: spec.restartPolicy.name,
            MaximumRetryCount: spec.restartPolicy.maximumRetryCount ?? 0,
          },
        }
      : {}),
    ...(spec.autoRemove ? { AutoRemove: true } : {}),
    ...(spec.privileged ? { Privileged: true } : {}),
  };
  const hc = spec.healthcheck;
  return {
    Image: spec.image,
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    ...(spec.env?.length ? { Env: spec.env.map((e) => `${e.name}=${e.value}`) } : {}),
    ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    ...(spec.hostname ? { Hostname: spec.hostname } : {}),
    ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
    ...(Object.keys(anonymous).length ? { Volumes: anonymous } : {}),
    ...(spec.labels ? { Labels: spec.labels } : {}),
    Tty: spec.tty ?? false,
    OpenStdin: spec.interactive ?? false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(hc
      ? {
          Healthcheck: {
            Test: hc.test,
            ...(hc.intervalMs !== undefined ? { Interval: hc.intervalMs * NS_PER_MS } : {}),
            ...(hc.timeoutMs !== undefined ? { Timeout: hc.timeoutMs * NS_PER_MS } : {}),
            ...(hc.retries !== undefined ? { Retries: hc.retries } : {}),
            ...(hc.startPeriodMs !== undefined ? { StartPeriod: hc.startPeriodMs * NS_PER_MS } : {}),
          },
        }
      : {}),
    HostConfig: hostConfig,
    ...(spec.networkAliases?.length && spec.network
      ? { NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: spec.networkAliases } } } }
      : {}),
  };
}

/** Engine messages about a create/start that concern one field of the Run dialog. */
export const RUN_FIELD_HINTS: FieldHint[] = [
  { match: /container name .* is already in use|name .* already in use/i, field: ['spec', 'name'] },
  {
    match: /no such image|pull access denied|manifest unknown|repository does not exist|invalid reference format/i,
    field: ['spec', 'image'],
  },
  {
    match: /port is already allocated|address already in use|invalid port|port.*(bind|publish)/i,
    field: ['spec', 'ports'],
  },
  { match: /minimum memory|memory limit|memoryswap|memory-swap/i, field: ['spec', 'limits', 'memoryBytes'] },
  { match: /range of cpus|nanocpus|cpus/i, field: ['spec', 'limits', 'cpus'] },
  { match: /pids/i, field: ['spec', 'limits', 'pids'] },
  { match: /network .*not found|no such network/i, field: ['spec', 'network'] },
  { match: /mount|bind source|volume|invalid.*spec/i, field: ['spec', 'volumes'] },
  { match: /restart policy/i, field: ['spec', 'restartPolicy'] },
  { match: /health/i, field: ['spec', 'healthcheck'] },
  { match: /executable file not found|exec format error|no such file or directory/i, field: ['spec', 'cmd'] },
];

interface RawPort {
  IP?: string;
  PrivatePort?: number;
  PublicPort?: number;
  Type?: string;
}

interface RawMount {
  Type?: string;
  Name?: string;
  Source?: string;
  Destination?: string;
  RW?: boolean;
}

export interface RawContainer {
  Id: string;
  Names?: string[];
  Image?: string;
  ImageID?: string;
  Command?: string;
  Created?: number;
  State?: string;
  Status?: string;
  Ports?: RawPort[];
  Labels?: Record<string, string> | null;
  NetworkSettings?: { Networks?: Record<string, { NetworkID?: string; IPAddress?: string; MacAddress?: string }> };
  Mounts?: RawMount[];
}

function healthFromStatus(status: string): HealthStatus {
  if (/\(healthy\)/.test(status)) return 'healthy';
  if (/\(unhealthy\)/.test(status)) return 'unhealthy';
  if (/health: starting/.test(status)) return 'starting';
  return 'none';
}

const STATES = new Set<ContainerStateName>([
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
]);

function stateName(s: string | undefined): ContainerStateName {
  const v = (s ?? '').toLowerCase() as ContainerStateName;
  return STATES.has(v) ? v : 'created';
}

function mountType(t: string | undefined): MountSummary['type'] {
  return (['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image'] as const).find((x) => x === t) ?? 'bind';
}

function protocol(t: string | undefined): PortProtocol {
  return t === 'udp' || t === 'sctp' ? t : 'tcp';
}

export function toContainerSummary(c: RawContainer): ContainerSummary {
  const labels = c.Labels ?? {};
  const names = (c.Names ?? []).map((n) => n.replace(/^\//, ''));
  const status = c.Status ?? '';
  const summary: ContainerSummary = {
    id: c.Id,
    name: names[0] ?? c.Id.slice(0, 12),
    image: c.Image ?? '',
    imageId: c.ImageID ?? '',
    command: c.Command ?? '',
    created: c.Created ?? 0,
    state: stateName(c.State),
    status,
    health: healthFromStatus(status),
    ports: (c.Ports ?? [])
      .filter((p) => p.PrivatePort !== undefined)
      .map((p) => {
        const m: PortMapping = { privatePort: p.PrivatePort!, protocol: protocol(p.Type) };
        if (p.PublicPort) m.publicPort = p.PublicPort;
        if (p.IP) m.hostIp = p.IP;
        return m;
      }),
    labels,
    networks: Object.keys(c.NetworkSettings?.Networks ?? {}),
    mounts: (c.Mounts ?? []).map((m) => ({
      type: mountType(m.Type),
      source: m.Type === 'volume' ? (m.Name ?? m.Source ?? '') : (m.Source ?? ''),
      destination: m.Destination ?? '',
      readOnly: m.RW === false,
    })),
  };
  const project = labels['com.docker.compose.project'];
  const service = labels['com.docker.compose.service'];
  if (project) summary.composeProject = project;
  if (service) summary.composeService = service;
  return summary;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function toHealthcheck(h: Json): HealthcheckSpec | undefined {
  const test = strs(h.Test);
  if (!test.length) return undefined;
  const spec: HealthcheckSpec = { test };
  if (h.Interval) spec.intervalMs = num(h.Interval) / NS_PER_MS;
  if (h.Timeout) spec.timeoutMs = num(h.Timeout) / NS_PER_MS;
  if (h.Retries) spec.retries = num(h.Retries);
  if (h.StartPeriod) spec.startPeriodMs = num(h.StartPeriod) / NS_PER_MS;
  return spec;
}

export function toContainerDetail(raw: Json): ContainerDetail {
  const state = obj(raw.State);
  const config = obj(raw.Config);
  const host = obj(raw.HostConfig);
  const net = obj(raw.NetworkSettings);
  const health = obj(state.Health);
  const restart = obj(host.RestartPolicy);
  const ports: PortMapping[] = [];
  for (const [key, binds] of Object.entries(obj(net.Ports))) {
    const [p, proto] = key.split('/');
    const list = Array.isArray(binds) ? (binds as Json[]) : [];
    if (!list.length) ports.push({ privatePort: Number(p), protocol: protocol(proto) });
    for (const b of list) {
      const m: PortMapping = { privatePort: Number(p), protocol: protocol(proto) };
      if (b.HostPort) m.publicPort = Number(b.HostPort);
      if (b.HostIp) m.hostIp = str(b.HostIp);
      ports.push(m);
    }
  }
  const hc = toHealthcheck(obj(config.Healthcheck));
  const env = strs(config.Env).map((e) => {
    const i = e.indexOf('=');
    return i < 0 ? { name: e, value: '' } : { name: e.slice(0, i), value: e.slice(i + 1) };
  });
  const detail: ContainerDetail = {
    id: str(raw.Id),
    name: str(raw.Name).replace(/^\//, ''),
    image: str(config.Image),
    imageId: str(raw.Image),
    created: str(raw.Created),
    restartCount: num(raw.RestartCount),
    state: {
      status: stateName(str(state.Status)),
      running: state.Running === true,
      paused: state.Paused === true,
      restarting: state.Restarting === true,
      oomKilled: state.OOMKilled === true,
      pid: num(state.Pid),
      exitCode: num(state.ExitCode),
      error: str(state.Error),
      startedAt: str(state.StartedAt),
      finishedAt: str(state.FinishedAt),
    },
    config: {
      cmd: strs(config.Cmd),
      entrypoint: strs(config.Entrypoint),
      env,
      workingDir: str(config.WorkingDir),
      user: str(config.User),
      hostname: str(config.Hostname),
      tty: config.Tty === true,
      openStdin: config.OpenStdin === true,
      labels: obj(config.Labels) as Record<string, string>,
      exposedPorts: Object.keys(obj(config.ExposedPorts)),
    },
    hostConfig: {
      restartPolicy: {
        name: (['always', 'unless-stopped', 'on-failure'] as const).find((n) => n === restart.Name) ?? 'no',
        ...(restart.MaximumRetryCount ? { maximumRetryCount: num(restart.MaximumRetryCount) } : {}),
      },
      autoRemove: host.AutoRemove === true,
      networkMode: str(host.NetworkMode),
      privileged: host.Privileged === true,
      limits: {
        ...(host.Memory ? { memoryBytes: num(host.Memory) } : {}),
        ...(host.MemorySwap ? { memorySwapBytes: num(host.MemorySwap) } : {}),
        ...(host.NanoCpus ? { cpus: num(host.NanoCpus) / 1e9 } : {}),
        ...(host.CpuShares ? { cpuShares: num(host.CpuShares) } : {}),
        ...(host.PidsLimit ? { pids: num(host.PidsLimit) } : {}),
      },
    },
    ports,
    mounts: (Array.isArray(raw.Mounts) ? (raw.Mounts as Json[]) : []).map((m) => ({
      type: mountType(str(m.Type)),
      source: str(m.Type) === 'volume' ? str(m.Name) || str(m.Source) : str(m.Source),
      destination: str(m.Destination),
      readOnly: m.RW === false,
    })),
    networks: Object.entries(obj(net.Networks)).map(([name, n]) => {
      const e = obj(n);
      return {
        name,
        networkId: str(e.NetworkID),
        ipAddress: str(e.IPAddress),
        gateway: str(e.Gateway),
        macAddress: str(e.MacAddress),
      };
    }),
    raw,
  };
  if (hc) detail.config.healthcheck = hc;
  if (Object.keys(health).length) {
    detail.state.health = {
      status: (['starting', 'healthy', 'unhealthy'] as const).find((s) => s === health.Status) ?? 'none',
      failingStreak: num(health.FailingStreak),
      log: (Array.isArray(health.Log) ? (health.Log as Json[]) : []).map((l) => ({
        start: str(l.Start),
        end: str(l.End),
        exitCode: num(l.ExitCode),
        output: str(l.Output),
      })),
    };
  }
  return detail;
}
