/**
 * Semantic checks of a create/update request, with dockerd's messages where users know them
 * (daemon/container.go, daemon/daemon_unix.go): limits in range, conflicting options, restart
 * policy, health check durations, names.
 */
import { InvalidArgument } from '../errdefs';
import type { ContainerConfig, HealthConfig, HostConfig, RestartPolicy } from './docker-types';

export const MIN_MEMORY = 6 * 1024 * 1024;
const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export interface HostLimits {
  ncpu: number;
  /** CPU ids available (e.g. [0, 1]). */
  cpus: number[];
}

export function validateName(name: string): string {
  if (!NAME_RE.test(name))
    throw new InvalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.startsWith('/') ? name.slice(1) : name;
}

export function validateRestartPolicy(p: RestartPolicy, autoRemove: boolean): void {
  const name = p.Name || 'no';
  switch (name) {
    case 'no':
    case 'always':
    case 'unless-stopped':
      if (p.MaximumRetryCount !== 0)
        throw new InvalidArgument("invalid restart policy: maximum retry count can only be used with 'on-failure'");
      break;
    case 'on-failure':
      if (p.MaximumRetryCount < 0)
        throw new InvalidArgument('invalid restart policy: maximum retry count cannot be negative');
      break;
    default:
      throw new InvalidArgument(
        `invalid restart policy: unknown policy '${String(name)}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`,
      );
  }
  if (autoRemove && name !== 'no') throw new InvalidArgument("can't create 'AutoRemove' container with restart policy");
}

/** Parse a cpuset list such as "0-2,4" into ids. */
export function parseCpuset(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(p);
    if (!m) throw new InvalidArgument(`Invalid value ${spec} for cpuset cpus`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new InvalidArgument(`Invalid value ${spec} for cpuset cpus`);
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

export function validateResources(h: HostConfig, limits: HostLimits): void {
  if (h.Memory !== 0 && h.Memory < MIN_MEMORY) throw new InvalidArgument('Minimum memory limit allowed is 6MB');
  if (h.Memory < 0) throw new InvalidArgument('Minimum memory limit allowed is 6MB');
  if (h.MemorySwap > 0 && h.Memory === 0)
    throw new InvalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (h.MemorySwap > 0 && h.MemorySwap < h.Memory)
    throw new InvalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (h.MemorySwap < -1)
    throw new InvalidArgument('invalid memory swap limit: want -1 (unlimited), 0 (twice the memory limit) or a size');
  if (h.MemoryReservation !== 0 && h.MemoryReservation < MIN_MEMORY)
    throw new InvalidArgument('Minimum memory reservation allowed is 6MB');
  if (h.Memory > 0 && h.MemoryReservation > 0 && h.Memory < h.MemoryReservation) {
    throw new InvalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  if (h.NanoCpus !== 0) {
    if (h.CpuPeriod !== 0)
      throw new InvalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
    if (h.CpuQuota !== 0) throw new InvalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
    if (h.NanoCpus < 0 || h.NanoCpus < 1e7 || h.NanoCpus > limits.ncpu * 1e9) {
      throw new InvalidArgument(
        `Range of CPUs is from 0.01 to ${limits.ncpu}.00, as there are only ${limits.ncpu} CPUs available`,
      );
    }
  }
  if (h.CpuPeriod !== 0 && (h.CpuPeriod < 1000 || h.CpuPeriod > 1_000_000)) {
    throw new InvalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (h.CpuQuota > 0 && h.CpuQuota < 1000)
    throw new InvalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (h.CpuShares < 0) throw new InvalidArgument('invalid CPU shares: must be 0 (default) or positive');
  if (h.CpusetCpus) {
    const want = parseCpuset(h.CpusetCpus);
    const missing = want.filter((c) => !limits.cpus.includes(c));
    if (missing.length) {
      throw new InvalidArgument(
        `Requested CPUs are not available - requested ${h.CpusetCpus}, available: ${formatCpuset(limits.cpus)}`,
      );
    }
  }
  if (h.BlkioWeight !== 0 && (h.BlkioWeight < 10 || h.BlkioWeight > 1000)) {
    throw new InvalidArgument('Range of blkio weight is from 10 to 1000');
  }
  if (h.ShmSize < 0) throw new InvalidArgument('SHM size can not be less than 0');
}

export function formatCpuset(cpus: number[]): string {
  const s = [...cpus].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export function validateHealthcheck(h: HealthConfig | undefined): void {
  if (!h) return;
  const MS = 1_000_000;
  const check = (v: number | undefined, what: string): void => {
    if (v !== undefined && v !== 0 && v < MS)
      throw new InvalidArgument(`${what} in Healthcheck cannot be less than 1ms`);
  };
  check(h.Interval, 'Interval');
  check(h.Timeout, 'Timeout');
  check(h.StartPeriod, 'StartPeriod');
  check(h.StartInterval, 'StartInterval');
  if ((h.Retries ?? 0) < 0) throw new InvalidArgument('Retries in Healthcheck cannot be negative');
  const test = h.Test ?? [];
  if (test.length > 0 && !['NONE', 'CMD', 'CMD-SHELL'].includes(test[0]!)) {
    throw new InvalidArgument(
      `invalid Healthcheck.Test: the first element must be NONE, CMD or CMD-SHELL, not "${test[0]}"`,
    );
  }
}

export function validateCreate(config: ContainerConfig, host: HostConfig, limits: HostLimits): void {
  if (!config.Image) throw new InvalidArgument('config.Image: image name is required');
  if (host.Privileged) {
    throw new InvalidArgument(
      'privileged containers are not supported by Berth yet: drop --privileged and add only the capabilities you need with --cap-add',
    );
  }
  if (host.Init) throw new InvalidArgument('--init is not supported by Berth yet: run the command without --init');
  if (host.LogConfig.Type !== 'json-file' && host.LogConfig.Type !== '') {
    throw new InvalidArgument(`logging driver "${host.LogConfig.Type}" is not supported: Berth logs with json-file`);
  }
  validateRestartPolicy(host.RestartPolicy, host.AutoRemove);
  validateResources(host, limits);
  validateHealthcheck(config.Healthcheck);
  if (config.StopTimeout !== undefined && config.StopTimeout < -1)
    throw new InvalidArgument('invalid StopTimeout: want -1 or more seconds');
}
