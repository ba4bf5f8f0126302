import { describe, expect, it } from 'vitest';
import { parseNetDev, systemCpuUsageNs, toDockerStats, type StatsSample } from './stats';

const sample = (readNs: bigint, total: number, sys: number): StatsSample => ({
  readNs,
  cpu: { totalNs: total, userNs: total / 2, systemNs: total / 2, periods: 0, throttledPeriods: 0, throttledNs: 0 },
  memory: { usage: 50 << 20, limit: 64 << 20, stats: { total_inactive_file: 10 << 20 } },
  pids: { current: 3, limit: 50 },
  blkio: { serviceBytes: [{ major: 8, minor: 0, op: 'read', value: 4096 }], serviceIos: [] },
  networks: {},
  systemCpuNs: sys,
  onlineCpus: 2,
});

describe('stats', () => {
  it('reads host CPU time from /proc/stat', () => {
    expect(systemCpuUsageNs('cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 1 2 3\n')).toBe(1000 * 1e7);
  });
  it('parses net/dev without lo', () => {
    const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
  eth0:    2048      12    0    1    0     0          0         0     1024       8    0    0    0     0       0          0
`;
    expect(parseNetDev(text)).toEqual({
      eth0: {
        rx_bytes: 2048,
        rx_packets: 12,
        rx_errors: 0,
        rx_dropped: 1,
        tx_bytes: 1024,
        tx_packets: 8,
        tx_errors: 0,
        tx_dropped: 0,
      },
    });
  });
  it('gives the CLI what it needs for CPU % and memory', () => {
    const prev = sample(1_000_000_000n, 1e9, 100e9);
    const cur = sample(2_000_000_000n, 1.25e9, 101e9);
    const s = toDockerStats(cur, prev, { id: 'abc', name: 'web' }, 8 * 2 ** 30) as {
      cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number };
      precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number };
      memory_stats: { usage: number; limit: number; stats: Record<string, number> };
      name: string;
    };
    const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
    const sysDelta = s.cpu_stats.system_cpu_usage - s.precpu_stats.system_cpu_usage;
    expect((cpuDelta / sysDelta) * s.cpu_stats.online_cpus * 100).toBeCloseTo(50);
    expect(s.memory_stats.limit).toBe(64 << 20);
    expect(s.name).toBe('/web');
    const unlimited = toDockerStats(
      { ...cur, memory: { ...cur.memory, limit: 0 } },
      undefined,
      { id: 'a', name: 'b' },
      8 * 2 ** 30,
    ) as { memory_stats: { limit: number } };
    expect(unlimited.memory_stats.limit).toBe(8 * 2 ** 30);
  });
});
