/**
 * CgroupStats → the Engine API's stats JSON (GET /containers/{id}/stats), as dockerd fills it
 * for cgroup v1 and v2: cpu_stats/precpu_stats with system_cpu_usage from /proc/stat,
 * memory_stats (v1: usage, max_usage, failcnt; v2: usage and the memory.stat keys), pids_stats,
 * blkio_stats.io_service_bytes_recursive.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { CgroupStats } from './manager';

const USER_HZ = 100;

/** Host CPU time in nanoseconds: the sum of the "cpu" line of /proc/stat. */
export function systemCpuUsage(procStat?: string): number {
  const text = procStat ?? fs.readFileSync('/proc/stat', 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const ticks = line
    .trim()
    .split(/\s+/)
    .slice(1, 8)
    .reduce((a, v) => a + Number(v), 0);
  return (ticks * 1e9) / USER_HZ;
}

export interface StatsSample {
  stats: CgroupStats;
  /** systemCpuUsage() when the sample was taken. */
  system: number;
  read: Date;
}

function cpuJson(s: StatsSample | undefined, version: 1 | 2): Record<string, unknown> {
  if (!s) return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: {} };
  const c = s.stats.cpu;
  return {
    cpu_usage: {
      total_usage: c.usageTotal,
      ...(version === 1 ? { percpu_usage: c.perCpu } : {}),
      usage_in_kernelmode: c.usageSystem,
      usage_in_usermode: c.usageUser,
    },
    system_cpu_usage: s.system,
    online_cpus: os.availableParallelism?.() ?? os.cpus().length,
    throttling_data: { periods: c.periods, throttled_periods: c.throttledPeriods, throttled_time: c.throttledTime },
  };
}

export function dockerStatsJson(
  id: string,
  name: string,
  version: 1 | 2,
  now: StatsSample,
  prev: StatsSample | undefined,
): Record<string, unknown> {
  const m = now.stats.memory;
  const memory =
    version === 1
      ? {
          usage: m.usage,
          max_usage: m.maxUsage,
          stats: m.stat,
          failcnt: m.failcnt,
          limit: m.limit && m.limit < os.totalmem() ? m.limit : os.totalmem(),
        }
      : { usage: m.usage, stats: m.stat, limit: m.limit && m.limit < os.totalmem() ? m.limit : os.totalmem() };
  return {
    read: now.read.toISOString(),
    preread: prev ? prev.read.toISOString() : '0001-01-01T00:00:00Z',
    pids_stats: { current: now.stats.pids.current, ...(now.stats.pids.limit ? { limit: now.stats.pids.limit } : {}) },
    blkio_stats: {
      io_service_bytes_recursive: now.stats.blkio.map((b) => ({
        major: b.major,
        minor: b.minor,
        op: b.op,
        value: b.value,
      })),
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuJson(now, version),
    precpu_stats: cpuJson(prev, version),
    memory_stats: memory,
    name: '/' + name,
    id,
  };
}
