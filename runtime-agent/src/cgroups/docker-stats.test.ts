import { describe, expect, it } from 'vitest';
import { dockerStatsJson, systemCpuUsage } from './docker-stats';
import type { CgroupStats } from './manager';

const stats: CgroupStats = {
  cpu: {
    usageTotal: 5e9,
    usageUser: 3e9,
    usageSystem: 2e9,
    perCpu: [2e9, 3e9],
    periods: 10,
    throttledPeriods: 2,
    throttledTime: 7,
  },
  memory: { usage: 1000, maxUsage: 2000, limit: 4096, failcnt: 1, stat: { cache: 5 } },
  pids: { current: 3, limit: 50 },
  blkio: [{ major: 8, minor: 0, op: 'read', value: 9 }],
  oomKills: 0,
};

describe('Docker stats JSON', () => {
  it('sums /proc/stat into nanoseconds', () => {
    expect(systemCpuUsage('cpu  100 0 50 850 0 0 0 0 0 0\ncpu0 1 2 3\n')).toBe(10e9);
  });

  it('maps v1 and v2 counters onto the Engine API fields', () => {
    const now = { stats, system: 20e9, read: new Date('2024-01-01T00:00:01Z') };
    const prev = {
      stats: { ...stats, cpu: { ...stats.cpu, usageTotal: 4e9 } },
      system: 10e9,
      read: new Date('2024-01-01T00:00:00Z'),
    };
    const v1 = dockerStatsJson('abc', 'web', 1, now, prev) as Record<string, Record<string, unknown>>;
    expect(v1.name).toBe('/web');
    expect(v1.cpu_stats).toMatchObject({
      cpu_usage: { total_usage: 5e9, percpu_usage: [2e9, 3e9] },
      system_cpu_usage: 20e9,
    });
    expect(v1.precpu_stats).toMatchObject({ cpu_usage: { total_usage: 4e9 }, system_cpu_usage: 10e9 });
    expect(v1.memory_stats).toEqual({ usage: 1000, max_usage: 2000, stats: { cache: 5 }, failcnt: 1, limit: 4096 });
    expect(v1.pids_stats).toEqual({ current: 3, limit: 50 });
    const v2 = dockerStatsJson('abc', 'web', 2, now, undefined) as Record<string, Record<string, unknown>>;
    expect(v2.memory_stats).toEqual({ usage: 1000, stats: { cache: 5 }, limit: 4096 });
    expect(v2.preread).toBe('0001-01-01T00:00:00Z');
    expect((v2.cpu_stats as { cpu_usage: Record<string, unknown> }).cpu_usage.percpu_usage).toBeUndefined();
  });
});
