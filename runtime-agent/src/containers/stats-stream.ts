/**
 * GET /containers/{id}/stats: one sample per second from the cgroup counters and the
 * container's network namespace, in Docker's JSON (cgroups/docker-stats.ts). Without `stream`
 * two samples a second apart are taken so the CLI can compute CPU % (one with `one-shot`).
 */
import fs from 'node:fs';
import { dockerStatsJson, systemCpuUsage, type StatsSample } from '../cgroups/docker-stats';
import type { ContainerRuntime } from '../runtime/runtime';

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

/** Parse /proc/<pid>/net/dev (the container's netns), without lo as Docker reports it. */
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

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

const ZERO_STATS = {
  read: '0001-01-01T00:00:00Z',
  preread: '0001-01-01T00:00:00Z',
  pids_stats: {},
  blkio_stats: {},
  num_procs: 0,
  storage_stats: {},
  cpu_stats: { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: {} },
  precpu_stats: { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: {} },
  memory_stats: {},
};

export async function* statsStream(
  rt: ContainerRuntime,
  ref: string,
  o: { stream: boolean; oneShot: boolean },
  signal: AbortSignal,
): AsyncGenerator<Record<string, unknown>> {
  const rec = rt.inspect(ref);
  const version = rt.cgroups.version;
  const sample = (): { s: StatsSample; pid: number } | undefined => {
    const now = rt.inspect(rec.id);
    if (now.state.status !== 'running' && now.state.status !== 'paused') return undefined;
    return { s: { stats: rt.stats(rec.id), system: systemCpuUsage(), read: new Date() }, pid: now.state.pid };
  };
  const json = (cur: { s: StatsSample; pid: number }, prev: StatsSample | undefined): Record<string, unknown> => {
    let networks: Record<string, NetCounters> = {};
    try {
      networks = parseNetDev(fs.readFileSync(`/proc/${cur.pid}/net/dev`, 'utf8'));
    } catch {
      /* exited between the samples */
    }
    return { ...dockerStatsJson(rec.id, rec.name, version, cur.s, prev), networks };
  };
  let prev: StatsSample | undefined;
  let cur = sample();
  if (!cur) {
    yield { ...ZERO_STATS, id: rec.id, name: `/${rec.name}` };
    return;
  }
  if (!o.stream && !o.oneShot) {
    await sleep(1000, signal);
    prev = cur.s;
    cur = sample() ?? cur;
  }
  yield json(cur, prev);
  if (!o.stream) return;
  while (!signal.aborted) {
    await sleep(1000, signal);
    if (signal.aborted) return;
    prev = cur.s;
    const next = sample();
    if (!next) {
      yield { ...ZERO_STATS, id: rec.id, name: `/${rec.name}` };
      return;
    }
    cur = next;
    yield json(cur, prev);
  }
}
