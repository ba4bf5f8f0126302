/**
 * cgroup v1: one directory per hierarchy (<mount>/<parent>/<id>); memory, cpu/cpuacct, cpuset,
 * pids, blkio, freezer and the devices allow-list. Used on legacy and hybrid hosts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgument, NotFound } from '../../errdefs';
import {
  readKeyed,
  readNumber,
  readPids,
  readText,
  removeDir,
  sleep,
  writeFile,
  normaliseParent,
  killAll,
} from '../cgfs';
import type { CgroupLayout } from '../detect';
import {
  cpuQuota,
  swapTotal,
  type CgroupManager,
  type CgroupResources,
  type CgroupStats,
  type ContainerCgroup,
} from '../manager';
import { validateResources } from '../validate';
import { DEFAULT_DEVICE_RULES } from './devices';

const USER_HZ_NS = 1e7;

export class V1CgroupManager implements CgroupManager {
  readonly version = 1 as const;
  readonly parent: string;
  /** controller → hierarchy mount point. */
  private readonly ctrl: Map<string, string>;
  private readonly hierarchies: { mount: string; controllers: string[] }[];

  constructor(
    private readonly layout: CgroupLayout,
    parent: string,
    private readonly ncpu = 1,
  ) {
    this.parent = normaliseParent(parent);
    this.ctrl = new Map(layout.v1);
    const seen = new Map<string, string[]>();
    for (const m of layout.mounts)
      if (m.fsType === 'cgroup' && !seen.has(m.mountPoint)) seen.set(m.mountPoint, m.controllers);
    this.hierarchies = [...seen].map(([mount, controllers]) => ({ mount, controllers }));
  }

  private dir(ctrl: string, id?: string): string | undefined {
    const mp = this.ctrl.get(ctrl);
    return mp ? path.join(mp, this.parent, id ?? '') : undefined;
  }

  validate(r: CgroupResources): void {
    validateResources(r, this.ncpu);
    const need = (cond: unknown, ctrl: string, what: string): void => {
      if (cond && !this.ctrl.has(ctrl))
        throw new InvalidArgument(`${what} is not supported: the ${ctrl} cgroup controller is not available`);
    };
    need(r.memory || r.memoryReservation, 'memory', 'a memory limit');
    need(r.nanoCpus || r.cpuQuota || r.cpuShares, 'cpu', 'a CPU limit');
    need(r.cpusetCpus || r.cpusetMems, 'cpuset', 'cpuset');
    need(r.pidsLimit && r.pidsLimit > 0, 'pids', 'a pids limit');
    need(r.blkioWeight, 'blkio', 'a blkio weight');
    const memDir = this.ctrl.get('memory');
    if (r.memorySwap && r.memorySwap > 0 && memDir && !fs.existsSync(path.join(memDir, 'memory.memsw.limit_in_bytes')))
      throw new InvalidArgument('a swap limit is not supported: this kernel has no swap accounting');
  }

  create(id: string, r: CgroupResources): ContainerCgroup {
    this.validate(r);
    const made: string[] = [];
    try {
      for (const h of this.hierarchies) {
        const parentDir = path.join(h.mount, this.parent);
        fs.mkdirSync(parentDir, { recursive: true });
        if (h.controllers.includes('cpuset')) inheritCpuset(parentDir);
        const dir = path.join(parentDir, id);
        if (!mkdirFresh(dir)) made.push(dir);
        if (h.controllers.includes('cpuset')) inheritCpuset(dir);
      }
      const cg = new V1Cgroup(id, this);
      const dev = this.dir('devices', id);
      if (dev) {
        writeFile(path.join(dev, 'devices.deny'), 'a');
        for (const rule of DEFAULT_DEVICE_RULES) writeFile(path.join(dev, 'devices.allow'), rule);
      }
      cg.update(r);
      return cg;
    } catch (err) {
      for (const d of made.reverse()) {
        try {
          fs.rmdirSync(d);
        } catch {
          /* best effort */
        }
      }
      throw err;
    }
  }

  open(id: string): ContainerCgroup {
    const any = this.hierarchies.some((h) => fs.existsSync(path.join(h.mount, this.parent, id)));
    if (!any) throw new NotFound(`no cgroup for ${id}`);
    return new V1Cgroup(id, this);
  }

  list(): string[] {
    const ids = new Set<string>();
    for (const h of this.hierarchies) {
      try {
        for (const e of fs.readdirSync(path.join(h.mount, this.parent), { withFileTypes: true }))
          if (e.isDirectory()) ids.add(e.name);
      } catch {
        /* no parent yet */
      }
    }
    return [...ids];
  }

  removeParent(): void {
    for (const h of this.hierarchies) {
      try {
        fs.rmdirSync(path.join(h.mount, this.parent));
      } catch {
        /* not empty or not there */
      }
    }
  }

  containerMounts(): { version: 1; hierarchies: { dir: string; options: string }[]; unified: boolean } {
    return {
      version: 1,
      hierarchies: this.hierarchies.map((h) => ({
        dir: path.basename(h.mount),
        options: h.controllers.map((c) => (c.startsWith('name=') ? `none,${c}` : c)).join(','),
      })),
      unified: this.layout.unifiedRoot !== undefined,
    };
  }

  /** Internal: directories of one container. */
  dirsOf(id: string): { ctrl: (c: string) => string | undefined; all: string[] } {
    return {
      ctrl: (c) => this.dir(c, id),
      all: this.hierarchies.map((h) => path.join(h.mount, this.parent, id)),
    };
  }
}

/**
 * mkdir, tolerating an empty leftover of an earlier run (a destroy that lost a race with an
 * exiting task); returns true when the directory was already there.
 */
function mkdirFresh(dir: string): boolean {
  try {
    fs.mkdirSync(dir);
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || readPids(path.join(dir, 'cgroup.procs')).length > 0)
      throw err;
    return true;
  }
}

function inheritCpuset(dir: string): void {
  for (const f of ['cpuset.cpus', 'cpuset.mems']) {
    const own = readText(path.join(dir, f))?.trim();
    if (own) continue;
    const fromParent = readText(path.join(path.dirname(dir), f))?.trim();
    if (fromParent) writeFile(path.join(dir, f), fromParent);
  }
}

class V1Cgroup implements ContainerCgroup {
  readonly procsFiles: string[];
  private readonly d: ReturnType<V1CgroupManager['dirsOf']>;

  constructor(
    readonly id: string,
    mgr: V1CgroupManager,
  ) {
    this.d = mgr.dirsOf(id);
    this.procsFiles = this.d.all.map((d) => path.join(d, 'cgroup.procs'));
  }

  private file(ctrl: string, name: string): string | undefined {
    const d = this.d.ctrl(ctrl);
    return d ? path.join(d, name) : undefined;
  }

  pids(): number[] {
    const f = this.file('pids', 'cgroup.procs') ?? this.procsFiles[0];
    return f ? readPids(f) : [];
  }

  update(r: CgroupResources): void {
    const set = (ctrl: string, name: string, v: string | number | undefined): void => {
      const f = this.file(ctrl, name);
      if (f && v !== undefined) writeFile(f, v);
    };
    if (r.memory !== undefined) {
      const lim = r.memory > 0 ? r.memory : -1;
      const swap = swapTotal(r);
      const memsw = this.file('memory', 'memory.memsw.limit_in_bytes');
      const hasMemsw = memsw !== undefined && fs.existsSync(memsw);
      // memsw must stay >= limit at every step: raise memsw first when growing.
      if (hasMemsw && swap !== undefined) {
        try {
          writeFile(memsw, -1);
        } catch {
          /* keep going */
        }
      }
      set('memory', 'memory.limit_in_bytes', lim);
      if (hasMemsw && swap !== undefined) set('memory', 'memory.memsw.limit_in_bytes', swap);
    }
    if (r.memoryReservation !== undefined)
      set('memory', 'memory.soft_limit_in_bytes', r.memoryReservation > 0 ? r.memoryReservation : -1);
    const q = cpuQuota(r);
    if (q) {
      set('cpu', 'cpu.cfs_period_us', q.period);
      set('cpu', 'cpu.cfs_quota_us', q.quota);
    }
    if (r.cpuShares) set('cpu', 'cpu.shares', Math.max(2, r.cpuShares));
    if (r.cpusetCpus) set('cpuset', 'cpuset.cpus', r.cpusetCpus);
    if (r.cpusetMems) set('cpuset', 'cpuset.mems', r.cpusetMems);
    if (r.pidsLimit !== undefined) set('pids', 'pids.max', r.pidsLimit > 0 ? r.pidsLimit : 'max');
    if (r.blkioWeight) {
      const f = this.file('blkio', 'blkio.weight');
      const bfq = this.file('blkio', 'blkio.bfq.weight');
      if (f && fs.existsSync(f)) writeFile(f, r.blkioWeight);
      else if (bfq && fs.existsSync(bfq)) writeFile(bfq, r.blkioWeight);
      else throw new InvalidArgument('a blkio weight is not supported: no blkio.weight on this host');
    }
  }

  async freeze(): Promise<void> {
    const f = this.file('freezer', 'freezer.state');
    if (!f) throw new InvalidArgument('pause is not supported: no freezer cgroup controller');
    writeFile(f, 'FROZEN');
    for (let i = 0; i < 1000 && readText(f)?.trim() !== 'FROZEN'; i++) {
      await sleep(2);
      if (i % 50 === 49) writeFile(f, 'FROZEN');
    }
  }

  async thaw(): Promise<void> {
    const f = this.file('freezer', 'freezer.state');
    if (!f) return;
    writeFile(f, 'THAWED');
    for (let i = 0; i < 500 && readText(f)?.trim() !== 'THAWED'; i++) await sleep(2);
  }

  isFrozen(): boolean {
    const f = this.file('freezer', 'freezer.state');
    return !!f && readText(f)?.trim() === 'FROZEN';
  }

  oomKills(): number {
    const f = this.file('memory', 'memory.oom_control');
    return f ? (readKeyed(f).oom_kill ?? 0) : 0;
  }

  stats(): CgroupStats {
    const n = (c: string, f: string): number => {
      const p = this.file(c, f);
      return p ? readNumber(p) : 0;
    };
    const acct = this.d.ctrl('cpuacct') ? 'cpuacct' : 'cpu';
    const cpuStat = readKeyed(this.file('cpu', 'cpu.stat') ?? '');
    const acctStat = readKeyed(this.file(acct, 'cpuacct.stat') ?? '');
    const perCpu = (readText(this.file(acct, 'cpuacct.usage_percpu') ?? '') ?? '')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    const memStat = readKeyed(this.file('memory', 'memory.stat') ?? '');
    const limit = n('memory', 'memory.limit_in_bytes');
    const blkio: CgroupStats['blkio'] = [];
    for (const line of (readText(this.file('blkio', 'blkio.throttle.io_service_bytes') ?? '') ?? '').split('\n')) {
      const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
      if (m) blkio.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
    }
    const pidsMax = readText(this.file('pids', 'pids.max') ?? '')?.trim();
    return {
      cpu: {
        usageTotal: n(acct, 'cpuacct.usage'),
        usageUser: (acctStat.user ?? 0) * USER_HZ_NS,
        usageSystem: (acctStat.system ?? 0) * USER_HZ_NS,
        perCpu,
        periods: cpuStat.nr_periods ?? 0,
        throttledPeriods: cpuStat.nr_throttled ?? 0,
        throttledTime: cpuStat.throttled_time ?? 0,
      },
      memory: {
        usage: n('memory', 'memory.usage_in_bytes'),
        maxUsage: n('memory', 'memory.max_usage_in_bytes'),
        limit,
        failcnt: n('memory', 'memory.failcnt'),
        stat: memStat,
      },
      pids: { current: n('pids', 'pids.current'), limit: pidsMax && pidsMax !== 'max' ? Number(pidsMax) : 0 },
      blkio,
      oomKills: this.oomKills(),
    };
  }

  async destroy(): Promise<void> {
    if (this.isFrozen()) await this.thaw();
    for (let i = 0; i < 100; i++) {
      const pids = this.procsFiles.flatMap((f) => readPids(f));
      if (pids.length === 0) break;
      killAll(pids);
      await sleep(i < 10 ? 5 : 20);
    }
    for (const d of this.d.all) await removeDir(d, path.join(d, 'cgroup.procs'));
  }
}
