/**
 * One interface over cgroup v1 and v2 (chosen from detect.ts at run time). A manager owns the
 * cgroups of one daemon: <parent>/<container id> in every hierarchy it uses.
 */

export interface CgroupResources {
  /** Bytes; 0 = unlimited. */
  memory?: number;
  /** Memory + swap in bytes (Docker's MemorySwap); -1 = unlimited swap; 0/undefined = same as memory ×2. */
  memorySwap?: number;
  /** Soft limit in bytes (v1 soft_limit_in_bytes, v2 memory.low). */
  memoryReservation?: number;
  /** Docker's NanoCpus (1e9 = one CPU). */
  nanoCpus?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  /** Docker's CpuShares (1024 = default). */
  cpuShares?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** 0/undefined/-1 = unlimited. */
  pidsLimit?: number;
  /** 10…1000 (Docker's BlkioWeight). */
  blkioWeight?: number;
}

/** Counters in one shape for both versions; the API maps it onto Docker's stats JSON. */
export interface CgroupStats {
  cpu: {
    /** Nanoseconds. */
    usageTotal: number;
    usageUser: number;
    usageSystem: number;
    perCpu: number[];
    periods: number;
    throttledPeriods: number;
    throttledTime: number;
  };
  memory: {
    usage: number;
    maxUsage: number;
    limit: number;
    failcnt: number;
    /** memory.stat keys (v1 names where they exist, v2 names otherwise). */
    stat: Record<string, number>;
  };
  pids: { current: number; limit: number };
  blkio: { major: number; minor: number; op: string; value: number }[];
  oomKills: number;
}

export interface ContainerCgroup {
  readonly id: string;
  /** Files the shim writes its own pid into to join (before the cgroup namespace is created). */
  readonly procsFiles: string[];
  /** Host pids in the cgroup. */
  pids(): number[];
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  isFrozen(): boolean;
  /** OOM kills counted so far. */
  oomKills(): number;
  stats(): CgroupStats;
  update(r: CgroupResources): void;
  /** SIGKILL everything inside (cgroup.kill on v2), then remove the directories. */
  destroy(): Promise<void>;
}

export interface CgroupManager {
  readonly version: 1 | 2;
  /** Parent path relative to each hierarchy root, e.g. "berth". */
  readonly parent: string;
  /** Validate resources against what the host supports (throws InvalidArgument). */
  validate(r: CgroupResources): void;
  create(id: string, r: CgroupResources): ContainerCgroup;
  /** An existing container's cgroup (after an agent restart). */
  open(id: string): ContainerCgroup;
  /** Container ids that have a cgroup under the parent. */
  list(): string[];
  /** Remove the (empty) parent directories; for tests and uninstall. */
  removeParent(): void;
  /** What the init mounts at /sys/fs/cgroup. */
  containerMounts(): { version: 2 } | { version: 1; hierarchies: { dir: string; options: string }[]; unified: boolean };
}

export const MAX_PERIOD = 1_000_000;
export const MIN_PERIOD = 1000;
export const DEFAULT_PERIOD = 100_000;

/** cpu quota/period from NanoCpus or explicit CpuQuota/CpuPeriod; undefined = unlimited. */
export function cpuQuota(r: CgroupResources): { quota: number; period: number } | undefined {
  if (r.nanoCpus) {
    const period = DEFAULT_PERIOD;
    return { quota: Math.max(1000, Math.round((r.nanoCpus * period) / 1e9)), period };
  }
  if (r.cpuQuota && r.cpuQuota > 0) return { quota: r.cpuQuota, period: r.cpuPeriod || DEFAULT_PERIOD };
  return undefined;
}

/** cgroup v2 cpu.weight from v1 shares (the conversion runc and crun use). */
export function sharesToWeight(shares: number): number {
  if (shares <= 0) return 100;
  const s = Math.min(Math.max(shares, 2), 262144);
  return Math.floor(1 + ((s - 2) * 9999) / 262142);
}

/** cgroup v2 io.weight from Docker's blkio weight (10…1000). */
export function blkioToIoWeight(w: number): number {
  return Math.floor(1 + ((w - 10) * 9999) / 990);
}

/** Swap limit in bytes for memory+swap semantics; undefined = leave default. */
export function swapTotal(r: CgroupResources): number | undefined {
  if (!r.memory) return undefined;
  if (r.memorySwap === -1) return -1;
  if (r.memorySwap === undefined || r.memorySwap === 0) return r.memory * 2;
  return r.memorySwap;
}
