/**
 * Docker's stats JSON (GET /containers/{id}/stats) from normalised counters, so `docker stats`
 * computes CPU % as (Δcontainer / Δsystem) × online CPUs and memory as usage − inactive file.
 */
import fs from 'node:fs';
import os from 'node:os';
import { rfc3339Nano } from '../api/timestamps';

export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface NetCounters {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/** One sample of a container's counters, whatever the cgroup version. */
export interface StatsSample {
  readNs: bigint;
  cpu: {
    totalNs: number;
    userNs: number;
    systemNs: number;
    perCpuNs?: number[];
    periods: number;
    throttledPeriods: number;
    throttledNs: number;
  };
  memory: {
    usage: number;
    maxUsage?: number;
    /** 0 = no limit. */
    limit: number;
    failcnt?: number;
    /** v1 names (total_inactive_file …) or v2 names (inactive_file …), as the kernel gives them. */
    stats: Record<string, number>;
  };
  pids: { current: number; limit: number };
  blkio: { serviceBytes: BlkioEntry[]; serviceIos: BlkioEntry[] };
  networks: Record<string, NetCounters>;
  /** Host CPU time (ns) at the sample, from /proc/stat. */
  systemCpuNs: number;
  onlineCpus: number;
}

const CLK_TCK = 100;

/** Host CPU time in ns: the sum of /proc/stat's first line (as moby's getSystemCPUUsage). */
export function systemCpuUsageNs(procStat = fs.readFileSync('/proc/stat', 'utf8')): number {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const fields = line.trim().split(/\s+/).slice(1, 8).map(Number);
  return (fields.reduce((a, b) => a + b, 0) * 1e9) / CLK_TCK;
}

/** Parse /proc/<pid>/net/dev (the container's netns), skipping lo as Docker does. */
export function parseNetDev(text: string): Record<string, NetCounters> {
  const out: Record<string, NetCounters> = {};
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const name = m[1]!.trim();
    if (name === 'lo') continue;
    const v = m[2]!.trim().split(/\s+/).map(Number);
    out[name] = {
      rx_bytes: v[0] ?? 0,
      rx_packets: v[1] ?? 0,
      rx_errors: v[2] ?? 0,
      rx_dropped: v[3] ?? 0,
      tx_bytes: v[8] ?? 0,
      tx_packets: v[9] ?? 0,
      tx_errors: v[10] ?? 0,
      tx_dropped: v[11] ?? 0,
    };
  }
  return out;
}

function cpuStats(s: StatsSample | undefined): Record<string, unknown> {
  if (!s)
    return {
      cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
      throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    };
  return {
    cpu_usage: {
      total_usage: s.cpu.totalNs,
      ...(s.cpu.perCpuNs ? { percpu_usage: s.cpu.perCpuNs } : {}),
      usage_in_kernelmode: s.cpu.systemNs,
      usage_in_usermode: s.cpu.userNs,
    },
    system_cpu_usage: s.systemCpuNs,
    online_cpus: s.onlineCpus,
    throttling_data: {
      periods: s.cpu.periods,
      throttled_periods: s.cpu.throttledPeriods,
      throttled_time: s.cpu.throttledNs,
    },
  };
}

export function toDockerStats(
  cur: StatsSample,
  prev: StatsSample | undefined,
  who: { id: string; name: string },
  hostMemory = os.totalmem(),
): Record<string, unknown> {
  const limit = cur.memory.limit > 0 && cur.memory.limit < hostMemory ? cur.memory.limit : hostMemory;
  return {
    read: rfc3339Nano(cur.readNs),
    preread: prev ? rfc3339Nano(prev.readNs) : '0001-01-01T00:00:00Z',
    pids_stats: { current: cur.pids.current, ...(cur.pids.limit > 0 ? { limit: cur.pids.limit } : {}) },
    blkio_stats: {
      io_service_bytes_recursive: cur.blkio.serviceBytes,
      io_serviced_recursive: cur.blkio.serviceIos,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(cur),
    precpu_stats: cpuStats(prev),
    memory_stats: {
      usage: cur.memory.usage,
      ...(cur.memory.maxUsage !== undefined ? { max_usage: cur.memory.maxUsage } : {}),
      stats: cur.memory.stats,
      ...(cur.memory.failcnt !== undefined ? { failcnt: cur.memory.failcnt } : {}),
      limit,
    },
    name: `/${who.name}`,
    id: who.id,
    networks: cur.networks,
  };
}
