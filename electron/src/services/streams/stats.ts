/**
 * Container stats: one engine stats stream per container, shared by every subscriber (the table
 * row and the detail chart see the same stream), computed into StatsSample the way the docker CLI
 * computes `docker stats` (CPU from the delta against precpu_stats, memory without the page cache).
 */
import type Dockerode from 'dockerode';
import type { StatsSample } from '../../contract/models/containers';
import { StreamHub, type Sink } from './hub';
import { readJsonLines } from './json-lines';

interface RawStats {
  read?: string;
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op?: string; value?: number }> | null };
  pids_stats?: { current?: number };
}

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export function toStatsSample(raw: RawStats): StatsSample {
  const cpu = raw.cpu_stats ?? {};
  const pre = raw.precpu_stats ?? {};
  const onlineCpus = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || 1;
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const sysDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const cpuPercent = cpuDelta > 0 && sysDelta > 0 ? (cpuDelta / sysDelta) * onlineCpus * 100 : 0;
  const mem = raw.memory_stats ?? {};
  const ms = mem.stats ?? {};
  // cgroup v2 reports inactive_file, v1 total_inactive_file (or cache): both are reclaimable page cache.
  const cache = ms.inactive_file ?? ms.total_inactive_file ?? ms.cache ?? 0;
  const memUsage = Math.max(0, (mem.usage ?? 0) - (cache < (mem.usage ?? 0) ? cache : 0));
  const memLimit = mem.limit ?? 0;
  let netRx = 0;
  let netTx = 0;
  for (const n of Object.values(raw.networks ?? {})) {
    netRx += n.rx_bytes ?? 0;
    netTx += n.tx_bytes ?? 0;
  }
  let blockRead = 0;
  let blockWrite = 0;
  for (const e of raw.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = (e.op ?? '').toLowerCase();
    if (op === 'read') blockRead += e.value ?? 0;
    else if (op === 'write') blockWrite += e.value ?? 0;
  }
  return {
    read: raw.read ?? new Date().toISOString(),
    cpuPercent: Math.round(cpuPercent * 100) / 100,
    onlineCpus,
    memUsage,
    memLimit,
    memPercent: memLimit > 0 ? Math.round((memUsage / memLimit) * 10000) / 100 : 0,
    netRx,
    netTx,
    blockRead,
    blockWrite,
    pids: raw.pids_stats?.current ?? 0,
  };
}

export class StatsStreams {
  readonly hub = new StreamHub<StatsSample>();

  subscribe(hostId: string, docker: Dockerode, id: string, sink: Sink<StatsSample>): Promise<() => void> {
    return this.hub.subscribe(`${hostId}/${id}`, (up) => openStats(docker, id, up), sink);
  }
}

async function openStats(docker: Dockerode, id: string, sink: Sink<StatsSample>): Promise<{ close(): void }> {
  const stream = (await docker.getContainer(id).stats({ stream: true })) as unknown as NodeJS.ReadableStream;
  const stop = readJsonLines(stream, {
    object: (o) => sink.data(toStatsSample(o as RawStats)),
    end: (err) => sink.end(err),
  });
  return { close: stop };
}
