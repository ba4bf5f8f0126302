/** POST /containers/{id}/update bodies (Docker's UpdateConfig) → runtime updates + HostConfig fields. */
import { InvalidArgument } from '../errdefs';
import type { CgroupResources } from '../cgroups/manager';
import type { UpdateRequest } from '../runtime/update';
import type { RestartPolicy } from './docker-types';

const FIELDS: Array<[string, keyof CgroupResources, 'int' | 'string']> = [
  ['Memory', 'memory', 'int'],
  ['MemorySwap', 'memorySwap', 'int'],
  ['MemoryReservation', 'memoryReservation', 'int'],
  ['NanoCpus', 'nanoCpus', 'int'],
  ['CpuShares', 'cpuShares', 'int'],
  ['CpuQuota', 'cpuQuota', 'int'],
  ['CpuPeriod', 'cpuPeriod', 'int'],
  ['CpusetCpus', 'cpusetCpus', 'string'],
  ['CpusetMems', 'cpusetMems', 'string'],
  ['PidsLimit', 'pidsLimit', 'int'],
  ['BlkioWeight', 'blkioWeight', 'int'],
];

export function parseUpdate(body: Record<string, unknown>): {
  runtime: UpdateRequest;
  hostConfig: Record<string, unknown>;
} {
  const resources: CgroupResources = {};
  const hostConfig: Record<string, unknown> = {};
  let any = false;
  for (const [api, key, kind] of FIELDS) {
    const v = body[api];
    if (v === undefined || v === null) continue;
    if (kind === 'int' && (typeof v !== 'number' || !Number.isInteger(v)))
      throw new InvalidArgument(`invalid update: ${api} must be an integer`);
    if (kind === 'string' && typeof v !== 'string')
      throw new InvalidArgument(`invalid update: ${api} must be a string`);
    // Docker treats zero as "leave as is" for these fields (the CLI sends only what was given).
    if (v === 0 || v === '') continue;
    (resources as Record<string, unknown>)[key] = key === 'pidsLimit' && (v as number) <= 0 ? 0 : v;
    hostConfig[api] = v;
    any = true;
  }
  const out: UpdateRequest = {};
  if (any) out.resources = resources;
  const rp = body.RestartPolicy as RestartPolicy | undefined;
  if (rp && typeof rp === 'object' && rp.Name) {
    out.restartPolicy = { name: rp.Name as 'no', maximumRetryCount: rp.MaximumRetryCount ?? 0 };
    hostConfig.RestartPolicy = { Name: rp.Name, MaximumRetryCount: rp.MaximumRetryCount ?? 0 };
  }
  return { runtime: out, hostConfig };
}
