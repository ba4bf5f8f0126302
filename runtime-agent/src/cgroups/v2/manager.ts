/**
 * cgroup v2: one directory <root>/<parent>/<id>; controllers enabled down the path through
 * cgroup.subtree_control; cgroup.freeze for pause, cgroup.kill to kill everything,
 * memory.events for OOM kills. The root is a constructor argument so unit tests can run it on a
 * fake tree of v2 files and integration tests on a real cgroup2 mount.
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
import {
  blkioToIoWeight,
  cpuQuota,
  sharesToWeight,
  swapTotal,
  type CgroupManager,
  type CgroupResources,
  type CgroupStats,
  type ContainerCgroup,
} from '../manager';
import { validateResources } from '../validate';

const WANTED = ['cpuset', 'cpu', 'io', 'memory', 'pids', 'hugetlb'];

export class V2CgroupManager implements CgroupManager {
  readonly version = 2 as const;
  readonly parent: string;

  constructor(
    readonly root: string,
    parent: string,
    private readonly ncpu = 1,
  ) {
    this.parent = normaliseParent(parent);
  }

  /** Controllers available at the root. */
  available(): string[] {
    return (readText(path.join(this.root, 'cgroup.controllers')) ?? '').trim().split(/\s+/).filter(Boolean);
  }

  validate(r: CgroupResources): void {
    validateResources(r, this.ncpu);
    const have = new Set(this.available());
    const need = (cond: unknown, ctrl: string, what: string): void => {
      if (cond && !have.has(ctrl))
        throw new InvalidArgument(`${what} is not supported: the ${ctrl} cgroup controller is not available`);
    };
    need(r.memory || r.memoryReservation || (r.memorySwap && r.memorySwap > 0), 'memory', 'a memory limit');
    need(r.nanoCpus || r.cpuQuota || r.cpuShares, 'cpu', 'a CPU limit');
    need(r.cpusetCpus || r.cpusetMems, 'cpuset', 'cpuset');
    need(r.pidsLimit && r.pidsLimit > 0, 'pids', 'a pids limit');
    need(r.blkioWeight, 'io', 'a blkio weight');
  }

  /** Enable every wanted controller from the root down to the parent's children. */
  private enableControllers(): void {
    const have = new Set(this.available());
    const ctrls = WANTED.filter((c) => have.has(c));
    let dir = this.root;
    const levels = [this.root];
    for (const part of this.parent.split('/')) {
      dir = path.join(dir, part);
      fs.mkdirSync(dir, { recursive: true });
      levels.push(dir);
    }
    for (const level of levels) {
      const enabled = new Set((readText(path.join(level, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/));
      for (const c of ctrls) {
        if (enabled.has(c)) continue;
        try {
          fs.writeFileSync(path.join(level, 'cgroup.subtree_control'), `+${c}`);
        } catch {
          /* e.g. a threaded or busy level: the limit writes will say what is missing */
        }
      }
    }
  }

  create(id: string, r: CgroupResources): ContainerCgroup {
    this.validate(r);
    this.enableControllers();
    const dir = path.join(this.root, this.parent, id);
    try {
      fs.mkdirSync(dir);
    } catch (err) {
      // An empty leftover of an earlier run is reused.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || readPids(path.join(dir, 'cgroup.procs')).length > 0)
        throw err;
    }
    const cg = new V2Cgroup(id, dir);
    try {
      cg.update(r);
    } catch (err) {
      fs.rmdirSync(dir);
      throw err;
    }
    return cg;
  }

  open(id: string): ContainerCgroup {
    const dir = path.join(this.root, this.parent, id);
    if (!fs.existsSync(dir)) throw new NotFound(`no cgroup for ${id}`);
    return new V2Cgroup(id, dir);
  }

  list(): string[] {
    try {
      return fs
        .readdirSync(path.join(this.root, this.parent), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return [];
    }
  }

  removeParent(): void {
    const parts = this.parent.split('/');
    for (let i = parts.length; i > 0; i--) {
      try {
        fs.rmdirSync(path.join(this.root, ...parts.slice(0, i)));
      } catch {
        return;
      }
    }
  }

  containerMounts(): { version: 2 } {
    return { version: 2 };
  }
}

export class V2Cgroup implements ContainerCgroup {
  readonly procsFiles: string[];

  constructor(
    readonly id: string,
    readonly dir: string,
  ) {
    this.procsFiles = [path.join(dir, 'cgroup.procs')];
  }

  private f(name: string): string {
    return path.join(this.dir, name);
  }

  pids(): number[] {
    return readPids(this.f('cgroup.procs'));
  }

  update(r: CgroupResources): void {
    if (r.memory !== undefined) {
      writeFile(this.f('memory.max'), r.memory > 0 ? r.memory : 'max');
      const total = swapTotal(r);
      if (total !== undefined && fs.existsSync(this.f('memory.swap.max')))
        writeFile(this.f('memory.swap.max'), total < 0 ? 'max' : Math.max(0, total - r.memory));
    }
    if (r.memoryReservation !== undefined)
      writeFile(this.f('memory.low'), r.memoryReservation > 0 ? r.memoryReservation : 0);
    const q = cpuQuota(r);
    if (q) writeFile(this.f('cpu.max'), `${q.quota} ${q.period}`);
    if (r.cpuShares) writeFile(this.f('cpu.weight'), sharesToWeight(r.cpuShares));
    if (r.cpusetCpus) writeFile(this.f('cpuset.cpus'), r.cpusetCpus);
    if (r.cpusetMems) writeFile(this.f('cpuset.mems'), r.cpusetMems);
    if (r.pidsLimit !== undefined) writeFile(this.f('pids.max'), r.pidsLimit > 0 ? r.pidsLimit : 'max');
    if (r.blkioWeight) {
      if (fs.existsSync(this.f('io.weight')))
        writeFile(this.f('io.weight'), `default ${blkioToIoWeight(r.blkioWeight)}`);
      else if (fs.existsSync(this.f('io.bfq.weight'))) writeFile(this.f('io.bfq.weight'), r.blkioWeight);
      else throw new InvalidArgument('a blkio weight is not supported: no io.weight on this host');
    }
  }

  private frozen(): boolean {
    return readKeyed(this.f('cgroup.events')).frozen === 1;
  }

  async freeze(): Promise<void> {
    writeFile(this.f('cgroup.freeze'), '1');
    for (let i = 0; i < 1000 && !this.frozen(); i++) await sleep(2);
  }

  async thaw(): Promise<void> {
    writeFile(this.f('cgroup.freeze'), '0');
    for (let i = 0; i < 500 && this.frozen(); i++) await sleep(2);
  }

  isFrozen(): boolean {
    return readText(this.f('cgroup.freeze'))?.trim() === '1';
  }

  oomKills(): number {
    return readKeyed(this.f('memory.events')).oom_kill ?? 0;
  }

  stats(): CgroupStats {
    const cpu = readKeyed(this.f('cpu.stat'));
    const mem = readKeyed(this.f('memory.stat'));
    const max = readText(this.f('memory.max'))?.trim();
    const pidsMax = readText(this.f('pids.max'))?.trim();
    const blkio: CgroupStats['blkio'] = [];
    for (const line of (readText(this.f('io.stat')) ?? '').split('\n')) {
      const m = /^(\d+):(\d+) (.*)$/.exec(line.trim());
      if (!m) continue;
      const kv = Object.fromEntries(m[3]!.split(' ').map((x) => x.split('=') as [string, string]));
      for (const [key, op] of [
        ['rbytes', 'read'],
        ['wbytes', 'write'],
      ] as const)
        if (kv[key] !== undefined) blkio.push({ major: Number(m[1]), minor: Number(m[2]), op, value: Number(kv[key]) });
    }
    return {
      cpu: {
        usageTotal: (cpu.usage_usec ?? 0) * 1000,
        usageUser: (cpu.user_usec ?? 0) * 1000,
        usageSystem: (cpu.system_usec ?? 0) * 1000,
        perCpu: [],
        periods: cpu.nr_periods ?? 0,
        throttledPeriods: cpu.nr_throttled ?? 0,
        throttledTime: (cpu.throttled_usec ?? 0) * 1000,
      },
      memory: {
        usage: readNumber(this.f('memory.current')),
        maxUsage: readNumber(this.f('memory.peak')),
        limit: max && max !== 'max' ? Number(max) : 0,
        failcnt: readKeyed(this.f('memory.events')).max ?? 0,
        stat: mem,
      },
      pids: { current: readNumber(this.f('pids.current')), limit: pidsMax && pidsMax !== 'max' ? Number(pidsMax) : 0 },
      blkio,
      oomKills: this.oomKills(),
    };
  }

  async destroy(): Promise<void> {
    if (!fs.existsSync(this.dir)) return;
    if (fs.existsSync(this.f('cgroup.kill'))) {
      try {
        writeFile(this.f('cgroup.kill'), '1');
      } catch {
        /* fall back to signals */
      }
    } else if (this.isFrozen()) await this.thaw();
    for (let i = 0; i < 100; i++) {
      const pids = this.pids();
      if (pids.length === 0) break;
      killAll(pids);
      await sleep(i < 10 ? 5 : 20);
    }
    await removeDir(this.dir, this.f('cgroup.procs'));
  }
}
