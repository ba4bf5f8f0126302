/** Picks the cgroup manager for this host: v2 on a unified host, v1 on legacy and hybrid hosts. */
import os from 'node:os';
import { Unavailable } from '../errdefs';
import { detectCgroups, type CgroupLayout } from './detect';
import type { CgroupManager } from './manager';
import { V1CgroupManager } from './v1/manager';
import { V2CgroupManager } from './v2/manager';

export type { CgroupManager, CgroupResources, CgroupStats, ContainerCgroup } from './manager';

export function createCgroupManager(parent: string, layout: CgroupLayout = detectCgroups()): CgroupManager {
  const ncpu = os.availableParallelism?.() ?? os.cpus().length;
  if (layout.setup === 'unified' && layout.unifiedRoot) return new V2CgroupManager(layout.unifiedRoot, parent, ncpu);
  if (layout.v1.size > 0) return new V1CgroupManager(layout, parent, ncpu);
  throw new Unavailable('no usable cgroup hierarchy is mounted');
}
