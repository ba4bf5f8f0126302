/**
 * POST /containers/create bodies → a typed CreateRequest with Docker's defaults. Wrong JSON
 * types are a 400 naming the field (Go's decoder would refuse them too); unknown fields pass
 * through untouched. Semantic checks live in validate.ts.
 */
import { InvalidArgument } from '../errdefs';
import type { ContainerConfig, CreateRequest, HostConfig, NetworkingConfig } from './docker-types';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(field: string, want: string): never {
  throw new InvalidArgument(`invalid container configuration: ${field} must be ${want}`);
}

function str(o: Obj, k: string, path: string, dflt = ''): string {
  const v = o[k];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') fail(`${path}${k}`, 'a string');
  return v;
}

function bool(o: Obj, k: string, path: string, dflt = false): boolean {
  const v = o[k];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') fail(`${path}${k}`, 'a boolean');
  return v;
}

function int(o: Obj, k: string, path: string, dflt = 0): number {
  const v = o[k];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${path}${k}`, 'an integer');
  return v;
}

function strList(o: Obj, k: string, path: string): string[] | null {
  const v = o[k];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return [v]; // strslice accepts a single string
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(`${path}${k}`, 'an array of strings');
  return v as string[];
}

function strMap(o: Obj, k: string, path: string): Record<string, string> {
  const v = o[k];
  if (v === undefined || v === null) return {};
  if (!isObj(v) || !Object.values(v).every((x) => typeof x === 'string')) fail(`${path}${k}`, 'an object of strings');
  return v as Record<string, string>;
}

function setMap(o: Obj, k: string, path: string): Record<string, Record<string, never>> | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) fail(`${path}${k}`, 'an object');
  return Object.fromEntries(Object.keys(v).map((key) => [key, {}]));
}

function parseConfig(o: Obj): ContainerConfig {
  const p = '';
  const hc = o.Healthcheck;
  if (hc !== undefined && hc !== null && !isObj(hc)) fail('Healthcheck', 'an object');
  const config: ContainerConfig = {
    Hostname: str(o, 'Hostname', p),
    Domainname: str(o, 'Domainname', p),
    User: str(o, 'User', p),
    AttachStdin: bool(o, 'AttachStdin', p),
    AttachStdout: bool(o, 'AttachStdout', p),
    AttachStderr: bool(o, 'AttachStderr', p),
    Tty: bool(o, 'Tty', p),
    OpenStdin: bool(o, 'OpenStdin', p),
    StdinOnce: bool(o, 'StdinOnce', p),
    Env: strList(o, 'Env', p) ?? [],
    Cmd: strList(o, 'Cmd', p),
    Image: str(o, 'Image', p),
    WorkingDir: str(o, 'WorkingDir', p),
    Entrypoint: strList(o, 'Entrypoint', p),
    Labels: strMap(o, 'Labels', p),
    OnBuild: strList(o, 'OnBuild', p),
  };
  const exposed = setMap(o, 'ExposedPorts', p);
  if (exposed) config.ExposedPorts = exposed;
  const volumes = setMap(o, 'Volumes', p);
  if (volumes) config.Volumes = volumes;
  if (o.StopSignal !== undefined && o.StopSignal !== null) config.StopSignal = str(o, 'StopSignal', p);
  if (o.StopTimeout !== undefined && o.StopTimeout !== null) config.StopTimeout = int(o, 'StopTimeout', p);
  if (o.NetworkDisabled !== undefined) config.NetworkDisabled = bool(o, 'NetworkDisabled', p);
  const shell = strList(o, 'Shell', p);
  if (shell) config.Shell = shell;
  if (isObj(hc)) {
    const hp = 'Healthcheck.';
    config.Healthcheck = {
      ...(hc.Test !== undefined ? { Test: strList(hc, 'Test', hp) ?? [] } : {}),
      Interval: int(hc, 'Interval', hp),
      Timeout: int(hc, 'Timeout', hp),
      StartPeriod: int(hc, 'StartPeriod', hp),
      StartInterval: int(hc, 'StartInterval', hp),
      Retries: int(hc, 'Retries', hp),
    };
  }
  return config;
}

function parseHostConfig(o: Obj): HostConfig {
  const p = 'HostConfig.';
  const rp = o.RestartPolicy;
  if (rp !== undefined && rp !== null && !isObj(rp)) fail(`${p}RestartPolicy`, 'an object');
  const pb = o.PortBindings;
  const portBindings: HostConfig['PortBindings'] = {};
  if (pb !== undefined && pb !== null) {
    if (!isObj(pb)) fail(`${p}PortBindings`, 'an object');
    for (const [port, list] of Object.entries(pb)) {
      if (list === null) {
        portBindings[port] = null;
        continue;
      }
      if (!Array.isArray(list)) fail(`${p}PortBindings["${port}"]`, 'an array');
      portBindings[port] = list.map((b: unknown, i) => {
        if (!isObj(b)) fail(`${p}PortBindings["${port}"][${i}]`, 'an object');
        return { HostIp: str(b, 'HostIp', `${p}PortBindings.`), HostPort: str(b, 'HostPort', `${p}PortBindings.`) };
      });
    }
  }
  const mounts = o.Mounts;
  if (mounts !== undefined && mounts !== null && (!Array.isArray(mounts) || !mounts.every(isObj)))
    fail(`${p}Mounts`, 'an array of objects');
  const lc = isObj(o.LogConfig) ? o.LogConfig : {};
  const pids = o.PidsLimit;
  if (pids !== undefined && pids !== null && (typeof pids !== 'number' || !Number.isInteger(pids)))
    fail(`${p}PidsLimit`, 'an integer');
  const init = o.Init;
  if (init !== undefined && init !== null && typeof init !== 'boolean') fail(`${p}Init`, 'a boolean');
  const hc: HostConfig = {
    ...o,
    Binds: strList(o, 'Binds', p),
    ...(mounts ? { Mounts: mounts as unknown as HostConfig['Mounts'] } : {}),
    Tmpfs: strMap(o, 'Tmpfs', p),
    PortBindings: portBindings,
    PublishAllPorts: bool(o, 'PublishAllPorts', p),
    NetworkMode: str(o, 'NetworkMode', p),
    Dns: strList(o, 'Dns', p) ?? [],
    DnsOptions: strList(o, 'DnsOptions', p) ?? [],
    DnsSearch: strList(o, 'DnsSearch', p) ?? [],
    ExtraHosts: strList(o, 'ExtraHosts', p),
    Memory: int(o, 'Memory', p),
    MemorySwap: int(o, 'MemorySwap', p),
    MemoryReservation: int(o, 'MemoryReservation', p),
    NanoCpus: int(o, 'NanoCpus', p),
    CpuShares: int(o, 'CpuShares', p),
    CpuQuota: int(o, 'CpuQuota', p),
    CpuPeriod: int(o, 'CpuPeriod', p),
    CpusetCpus: str(o, 'CpusetCpus', p),
    CpusetMems: str(o, 'CpusetMems', p),
    BlkioWeight: int(o, 'BlkioWeight', p),
    PidsLimit: (pids as number | null | undefined) ?? null,
    RestartPolicy: {
      Name: (isObj(rp) ? str(rp, 'Name', `${p}RestartPolicy.`) : '') as HostConfig['RestartPolicy']['Name'],
      MaximumRetryCount: isObj(rp) ? int(rp, 'MaximumRetryCount', `${p}RestartPolicy.`) : 0,
    },
    AutoRemove: bool(o, 'AutoRemove', p),
    CapAdd: strList(o, 'CapAdd', p),
    CapDrop: strList(o, 'CapDrop', p),
    ReadonlyRootfs: bool(o, 'ReadonlyRootfs', p),
    SecurityOpt: strList(o, 'SecurityOpt', p),
    ShmSize: int(o, 'ShmSize', p),
    Init: (init as boolean | null | undefined) ?? null,
    Privileged: bool(o, 'Privileged', p),
    LogConfig: {
      Type: str(lc, 'Type', `${p}LogConfig.`) || 'json-file',
      Config: strMap(lc, 'Config', `${p}LogConfig.`),
    },
  };
  if (Array.isArray(o.ConsoleSize) && o.ConsoleSize.length === 2 && o.ConsoleSize.every((n) => typeof n === 'number')) {
    hc.ConsoleSize = [o.ConsoleSize[0] as number, o.ConsoleSize[1] as number];
  }
  return hc;
}

function parseNetworking(v: unknown): NetworkingConfig {
  if (v === undefined || v === null) return { EndpointsConfig: {} };
  if (!isObj(v)) fail('NetworkingConfig', 'an object');
  const eps = v.EndpointsConfig;
  if (eps === undefined || eps === null) return { EndpointsConfig: {} };
  if (!isObj(eps) || !Object.values(eps).every((e) => e === null || isObj(e)))
    fail('NetworkingConfig.EndpointsConfig', 'an object of objects');
  return { EndpointsConfig: Object.fromEntries(Object.entries(eps).map(([k, e]) => [k, (e ?? {}) as Obj])) };
}

export function parseCreateRequest(
  body: unknown,
  name: string | undefined,
  platform: string | undefined,
): CreateRequest {
  if (!isObj(body)) throw new InvalidArgument('invalid container configuration: want a JSON object');
  const hostConfig = isObj(body.HostConfig) ? parseHostConfig(body.HostConfig) : parseHostConfig({});
  if (body.HostConfig !== undefined && body.HostConfig !== null && !isObj(body.HostConfig))
    fail('HostConfig', 'an object');
  return {
    name: name || undefined,
    config: parseConfig(body),
    hostConfig,
    networkingConfig: parseNetworking(body.NetworkingConfig),
    platform: platform || undefined,
  };
}
