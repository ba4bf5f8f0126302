import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { V2Cgroup, V2CgroupManager } from './manager';

/** A fake cgroup2 tree: plain files in the v2 formats (the kernel would create them on mkdir). */
describe('cgroup v2 manager on v2 file formats', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cg2-'));
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
    fs.writeFileSync(path.join(root, 'cgroup.subtree_control'), '');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('enables controllers down the parent path and writes the limits in v2 syntax', () => {
    const m = new V2CgroupManager(root, 'berth/test', 4);
    const cg = m.create('c1', {
      memory: 64 * 1024 * 1024,
      memoryReservation: 32 * 1024 * 1024,
      nanoCpus: 250_000_000,
      cpuShares: 512,
      pidsLimit: 50,
      cpusetCpus: '0-1',
      cpusetMems: '0',
    });
    const dir = path.join(root, 'berth', 'test', 'c1');
    const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
    expect(read('memory.max')).toBe(String(64 * 1024 * 1024));
    expect(read('memory.low')).toBe(String(32 * 1024 * 1024));
    expect(read('cpu.max')).toBe('25000 100000');
    expect(read('cpu.weight')).toBe('20');
    expect(read('pids.max')).toBe('50');
    expect(read('cpuset.cpus')).toBe('0-1');
    expect(cg.procsFiles).toEqual([path.join(dir, 'cgroup.procs')]);
    // Each level got "+controller" writes (a fake file keeps only the last one).
    for (const level of [root, path.join(root, 'berth'), path.join(root, 'berth', 'test')])
      expect(fs.readFileSync(path.join(level, 'cgroup.subtree_control'), 'utf8')).toMatch(/^\+\w+$/);
    expect(m.list()).toEqual(['c1']);
    expect(m.containerMounts()).toEqual({ version: 2 });
  });

  it('writes swap as memory.swap.max = total - memory, and unlimited as "max"', () => {
    const dir = path.join(root, 'c2');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'memory.swap.max'), 'max\n');
    fs.writeFileSync(path.join(dir, 'io.weight'), 'default 100\n');
    const cg = new V2Cgroup('c2', dir);
    cg.update({ memory: 100, memorySwap: 300, blkioWeight: 500, pidsLimit: 0 });
    expect(fs.readFileSync(path.join(dir, 'memory.swap.max'), 'utf8')).toBe('200');
    expect(fs.readFileSync(path.join(dir, 'io.weight'), 'utf8')).toBe('default 4950');
    expect(fs.readFileSync(path.join(dir, 'pids.max'), 'utf8')).toBe('max');
    cg.update({ memory: 100, memorySwap: -1 });
    expect(fs.readFileSync(path.join(dir, 'memory.swap.max'), 'utf8')).toBe('max');
  });

  it('reads stats, OOM kills and the frozen state from v2 files', async () => {
    const dir = path.join(root, 'c3');
    fs.mkdirSync(dir);
    const w = (f: string, t: string) => fs.writeFileSync(path.join(dir, f), t);
    w(
      'cpu.stat',
      'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 4\nthrottled_usec 300\n',
    );
    w('memory.current', '4096\n');
    w('memory.peak', '8192\n');
    w('memory.max', '65536\n');
    w('memory.stat', 'anon 1024\nfile 2048\n');
    w('memory.events', 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    w('pids.current', '7\n');
    w('pids.max', 'max\n');
    w('io.stat', '8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n');
    w('cgroup.events', 'populated 1\nfrozen 1\n');
    const cg = new V2Cgroup('c3', dir);
    const s = cg.stats();
    expect(s.cpu).toMatchObject({ usageTotal: 1_500_000, usageUser: 1_000_000, usageSystem: 500_000, periods: 10 });
    expect(s.cpu).toMatchObject({ throttledPeriods: 4, throttledTime: 300_000 });
    expect(s.memory).toMatchObject({
      usage: 4096,
      maxUsage: 8192,
      limit: 65536,
      failcnt: 3,
      stat: { anon: 1024, file: 2048 },
    });
    expect(s.pids).toEqual({ current: 7, limit: 0 });
    expect(s.blkio).toEqual([
      { major: 8, minor: 0, op: 'read', value: 100 },
      { major: 8, minor: 0, op: 'write', value: 200 },
    ]);
    expect(cg.oomKills()).toBe(1);
    await cg.freeze();
    expect(fs.readFileSync(path.join(dir, 'cgroup.freeze'), 'utf8')).toBe('1');
    expect(cg.isFrozen()).toBe(true);
  });

  it('reuses an empty leftover directory but not one with processes', () => {
    const m = new V2CgroupManager(root, 'berth', 2);
    const dir = path.join(root, 'berth', 'left');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), '');
    expect(m.create('left', { pidsLimit: 5 }).procsFiles).toEqual([path.join(dir, 'cgroup.procs')]);
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), '1234\n');
    expect(() => m.create('left', {})).toThrow(/EEXIST/);
  });

  it('refuses limits whose controller the hierarchy lacks', () => {
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'hugetlb\n');
    const m = new V2CgroupManager(root, 'berth', 2);
    expect(() => m.validate({ memory: 64 * 1024 * 1024 })).toThrow(/memory cgroup controller is not available/);
    expect(() => m.validate({ pidsLimit: 10 })).toThrow(/pids cgroup controller/);
    expect(() => m.validate({})).not.toThrow();
  });
});
