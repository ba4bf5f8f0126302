/** Range checks shared by both cgroup versions (Docker's messages where it has one). */
import { InvalidArgument } from '../errdefs';
import { MAX_PERIOD, MIN_PERIOD, type CgroupResources } from './manager';

const MIN_MEMORY = 6 * 1024 * 1024;

export function validateResources(r: CgroupResources, ncpu: number): void {
  const int = (v: number | undefined, name: string): void => {
    if (v !== undefined && (!Number.isSafeInteger(v) || Number.isNaN(v)))
      throw new InvalidArgument(`invalid ${name}: ${v}`);
  };
  int(r.memory, 'memory');
  int(r.memorySwap, 'memory swap');
  int(r.memoryReservation, 'memory reservation');
  int(r.nanoCpus, 'NanoCpus');
  int(r.cpuShares, 'CPU shares');
  int(r.pidsLimit, 'pids limit');
  if (r.memory !== undefined && r.memory !== 0 && r.memory < MIN_MEMORY)
    throw new InvalidArgument('Minimum memory limit allowed is 6MB');
  if (r.memory !== undefined && r.memory < 0) throw new InvalidArgument('invalid memory limit: must be positive');
  if (r.memorySwap !== undefined && r.memorySwap > 0) {
    if (!r.memory) throw new InvalidArgument('You should always set the Memory limit when using Memoryswap limit');
    if (r.memorySwap < r.memory)
      throw new InvalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (r.memoryReservation !== undefined && r.memoryReservation < 0)
    throw new InvalidArgument('invalid memory reservation: must be positive');
  if (r.memory && r.memoryReservation && r.memoryReservation > r.memory)
    throw new InvalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  if (r.nanoCpus !== undefined) {
    if (r.nanoCpus < 0) throw new InvalidArgument('invalid NanoCpus: must be positive');
    if (r.nanoCpus > ncpu * 1e9)
      throw new InvalidArgument(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
    if (r.nanoCpus > 0 && r.nanoCpus < 1e7)
      throw new InvalidArgument(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
    if (r.nanoCpus && (r.cpuQuota || r.cpuPeriod))
      throw new InvalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  }
  if (r.cpuPeriod && (r.cpuPeriod < MIN_PERIOD || r.cpuPeriod > MAX_PERIOD))
    throw new InvalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if (r.cpuQuota && r.cpuQuota > 0 && r.cpuQuota < 1000)
    throw new InvalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (r.cpuShares !== undefined && r.cpuShares < 0) throw new InvalidArgument('invalid CPU shares: must be positive');
  if (r.blkioWeight !== undefined && r.blkioWeight !== 0 && (r.blkioWeight < 10 || r.blkioWeight > 1000))
    throw new InvalidArgument('Range of blkio weight is from 10 to 1000');
  for (const [name, v] of [
    ['cpuset-cpus', r.cpusetCpus],
    ['cpuset-mems', r.cpusetMems],
  ] as const) {
    if (v !== undefined && v !== '' && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v))
      throw new InvalidArgument(`Invalid value ${v} for ${name}`);
  }
  if (r.cpusetCpus) {
    for (const n of cpusetNumbers(r.cpusetCpus))
      if (n >= ncpu) throw new InvalidArgument(`Requested CPUs are not available - requested ${r.cpusetCpus}`);
  }
}

export function cpusetNumbers(s: string): number[] {
  const out: number[] = [];
  for (const part of s.split(',')) {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}
