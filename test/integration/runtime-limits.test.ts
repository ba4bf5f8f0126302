/**
 * cgroup limits enforced by the kernel: memory (OOM kill → 137 + OOMKilled), pids (a fork bomb
 * held at the limit), CPU quota (a busy loop near 25 % of one CPU), freezer (pause/unpause), and
 * the usage counters behind stats.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRoot } from '../support/env';
import { busyboxRootfsDir } from '../support/rootfs';
import { PATH_ENV } from '../support/images';
import { logsOf, testRuntime, type TestRuntime } from '../support/runtime';

const MiB = 1024 * 1024;

describeRoot('runtime: cgroup limits', () => {
  let bb: ReturnType<typeof busyboxRootfsDir>;
  let t: TestRuntime;
  const image = { Env: [PATH_ENV], Cmd: ['sh'] };

  beforeAll(async () => {
    bb = busyboxRootfsDir();
    t = await testRuntime({ dir: bb.rootfs });
  });
  afterAll(async () => {
    await t?.cleanup();
    bb?.cleanup();
  });

  it('OOM-kills an allocator over a 64 MiB limit: exit 137 and OOMKilled', async () => {
    const events: string[] = [];
    t.rt.on('event', (e) => events.push(e.action));
    // A shell variable doubling in size grows the shell itself (PID 1) past the limit.
    const r = await t.run({
      imageConfig: image,
      cmd: ['sh', '-c', 'x=0123456789abcdef; while :; do x="$x$x"; echo ${#x}; done'],
      resources: { memory: 64 * MiB, memorySwap: 64 * MiB },
    });
    expect(r.exitCode).toBe(137);
    expect(t.rt.inspect(r.id).state.oomKilled).toBe(true);
    expect(events).toContain('oom');
    const last = Number(r.stdout.trim().split('\n').pop());
    expect(last).toBeGreaterThan(4 * MiB);
    expect(last).toBeLessThan(64 * MiB);
  });

  it('reports OOMKilled false for a plain exit', async () => {
    const r = await t.run({ imageConfig: image, cmd: ['true'], resources: { memory: 64 * MiB } });
    expect(r.exitCode).toBe(0);
    expect(t.rt.inspect(r.id).state.oomKilled).toBe(false);
  });

  it('holds a fork bomb at a pids limit of 50', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      cmd: ['sh', '-c', 'bomb() { bomb | bomb & }; bomb; sleep 1000'],
      resources: { pidsLimit: 50 },
      networkMode: 'none',
    });
    await t.rt.start(c.id);
    let max = 0;
    // Sample until the bomb has pressed against the limit for a while (slow on a loaded host).
    for (let i = 0, atLimit = 0; i < 200 && atLimit < 10; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const cur = t.rt.stats(c.id).pids.current;
      max = Math.max(max, cur);
      if (cur >= 45) atLimit++;
    }
    const st = t.rt.stats(c.id);
    expect(st.pids.limit).toBe(50);
    expect(max).toBeLessThanOrEqual(50);
    expect(max).toBeGreaterThanOrEqual(45);
    await t.rt.remove(c.id, { force: true });
  });

  it('holds a busy loop near 25 % of a CPU with NanoCpus 0.25e9', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      cmd: ['sh', '-c', 'while :; do :; done'],
      resources: { nanoCpus: 0.25e9 },
      networkMode: 'none',
    });
    await t.rt.start(c.id);
    await new Promise((r) => setTimeout(r, 300));
    const a = t.rt.stats(c.id);
    const t0 = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, 3000));
    const b = t.rt.stats(c.id);
    const wall = Number(process.hrtime.bigint() - t0);
    const share = (b.cpu.usageTotal - a.cpu.usageTotal) / wall;
    await t.rt.remove(c.id, { force: true });
    // Near 25 %: never above the quota; below it only as far as a loaded host starves the loop.
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.3);
    expect(b.cpu.throttledPeriods).toBeGreaterThan(a.cpu.throttledPeriods);
  });

  it('freezes on pause and resumes on unpause', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      cmd: ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done'],
      networkMode: 'none',
    });
    await t.rt.start(c.id);
    await new Promise((r) => setTimeout(r, 300));
    await t.rt.pause(c.id);
    expect(t.rt.inspect(c.id).state.status).toBe('paused');
    const count = async () => (await logsOf(t.rt, c.id)).stdout.split('\n').length;
    await new Promise((r) => setTimeout(r, 100));
    const frozen = await count();
    await new Promise((r) => setTimeout(r, 500));
    expect(await count()).toBe(frozen);
    await expect(t.rt.pause(c.id)).rejects.toMatchObject({ kind: 'Conflict' });
    await t.rt.unpause(c.id);
    expect(t.rt.inspect(c.id).state.status).toBe('running');
    for (let i = 0; i < 200 && (await count()) <= frozen; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await count()).toBeGreaterThan(frozen);
    // SIGKILL reaches a paused container (it is thawed for it).
    await t.rt.pause(c.id);
    await t.rt.kill(c.id, 9);
    expect(await t.rt.wait(c.id)).toBe(137);
    expect(t.rt.inspect(c.id).state.oomKilled).toBe(false);
  });

  it('reports memory and CPU usage counters while running', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      cmd: ['sleep', '1000'],
      resources: { memory: 32 * MiB, cpuShares: 512 },
      networkMode: 'none',
    });
    await t.rt.start(c.id);
    const s = t.rt.stats(c.id);
    expect(s.memory.limit).toBe(32 * MiB);
    expect(s.memory.usage).toBeGreaterThan(0);
    expect(s.cpu.usageTotal).toBeGreaterThan(0);
    expect(s.pids.current).toBeGreaterThanOrEqual(1);
    await t.rt.remove(c.id, { force: true });
    await expect(Promise.resolve().then(() => t.rt.stats(c.id))).rejects.toMatchObject({ kind: 'NotFound' });
  });
});
