/**
 * Starts from the pre-started init pool (pool.ts): the same container as a cold start — output
 * files moved in, cgroup joined before the cgroup namespace, TTY and stdin modes told late, host
 * network joined by setns — and no member left behind when the runtime closes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRoot } from '../support/env';
import { busyboxRootfsDir } from '../support/rootfs';
import { PATH_ENV } from '../support/images';
import { logsOf, testRuntime, type TestRuntime } from '../support/runtime';

function holdersOf(dir: string): number[] {
  const out: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      for (const fd of fs.readdirSync(`/proc/${p}/fd`))
        if (fs.readlinkSync(`/proc/${p}/fd/${fd}`).startsWith(dir + '/')) {
          out.push(Number(p));
          break;
        }
    } catch {
      /* gone */
    }
  }
  return out;
}

describeRoot('runtime: pre-started init pool', () => {
  let bb: ReturnType<typeof busyboxRootfsDir>;
  let t: TestRuntime;
  const image = { Env: [PATH_ENV] };

  beforeAll(async () => {
    bb = busyboxRootfsDir();
    t = await testRuntime({ dir: bb.rootfs }, { initPool: 1 });
  });
  afterAll(async () => {
    await t?.cleanup();
    bb?.cleanup();
  });

  it('runs a pooled container like a cold one: output, exit code, cgroup namespace root', async () => {
    const r = await t.run({
      imageConfig: image,
      cmd: ['sh', '-c', 'echo hi; echo err >&2; grep -c -v ":/$" /proc/self/cgroup; exit 7'],
      resources: { pidsLimit: 20 },
    });
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toBe('err\n');
    expect(r.stdout).toBe('hi\n0\n');
  });

  it("charges only the container's processes to its cgroup (the init joins, not the shim)", async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      networkMode: 'none',
      cmd: ['sleep', '100'],
    });
    await t.rt.start(c.id);
    const st = t.rt.inspect(c.id).state;
    expect(t.rt.cgroupOf(t.rt.get(c.id)).pids()).toEqual([st.pid]);
    await t.rt.remove(c.id, { force: true });
  });

  it('tells the shim the TTY and stdin modes when claimed', async () => {
    const tty = await t.run({ imageConfig: image, cmd: ['tty'], tty: true });
    expect(tty.stdout.replace(/\r/g, '')).toBe('/dev/pts/0\n');
    const noStdin = await t.run({ imageConfig: image, cmd: ['sh', '-c', 'cat; echo eof'] });
    expect(noStdin.stdout).toBe('eof\n');
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      networkMode: 'none',
      cmd: ['cat'],
      openStdin: true,
    });
    const a = t.rt.attach(c.id, { stdin: true }, () => undefined);
    a.write(Buffer.from('piped\n'));
    await t.rt.start(c.id);
    await new Promise((r) => setTimeout(r, 100));
    a.closeStdin();
    expect(await t.rt.wait(c.id)).toBe(0);
    expect((await logsOf(t.rt, c.id)).stdout).toBe('piped\n');
  });

  it('joins the host network namespace for host mode', async () => {
    const r = await t.run({ imageConfig: image, networkMode: 'host', cmd: ['readlink', '/proc/self/ns/net'] });
    expect(r.stdout.trim()).toBe(fs.readlinkSync('/proc/self/ns/net'));
  });

  it('keeps the log whole across restarts (new output files each start)', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      networkMode: 'none',
      cmd: ['echo', 'run'],
    });
    for (let i = 0; i < 3; i++) {
      await t.rt.start(c.id);
      await t.rt.wait(c.id);
    }
    expect((await logsOf(t.rt, c.id)).stdout).toBe('run\nrun\nrun\n');
    await expect(t.run({ imageConfig: image, cmd: ['nosuchcommand'] })).rejects.toMatchObject({
      kind: 'InvalidArgument',
    });
    expect((await t.run({ imageConfig: image, cmd: ['true'] })).exitCode).toBe(0);
  });

  it('leaves no pre-started chain behind when the runtime closes', async () => {
    const poolDir = path.join(t.dir, 'data', 'pool');
    for (let i = 0; i < 50 && holdersOf(poolDir).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(holdersOf(poolDir).length).toBeGreaterThan(0);
    await t.cleanup();
    for (let i = 0; i < 50 && holdersOf(poolDir).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(holdersOf(poolDir)).toEqual([]);
    expect(t.errors).toEqual([]);
  });
});
