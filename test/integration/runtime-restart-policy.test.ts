/**
 * Restart policies: on-failure with a retry limit, always until stopped by the user, bad
 * combinations refused, and containers started again when an agent starts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRoot } from '../support/env';
import { busyboxRootfsDir } from '../support/rootfs';
import { PATH_ENV } from '../support/images';
import { logsOf, testRuntime, type TestRuntime } from '../support/runtime';

async function until(fn: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeRoot('runtime: restart policies', () => {
  let bb: ReturnType<typeof busyboxRootfsDir>;
  let t: TestRuntime;
  const image = { Env: [PATH_ENV] };

  beforeAll(async () => {
    bb = busyboxRootfsDir();
    t = await testRuntime({ dir: bb.rootfs });
  });
  afterAll(async () => {
    await t?.cleanup();
    bb?.cleanup();
  });

  it('restarts on failure up to the retry count', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      networkMode: 'none',
      cmd: ['sh', '-c', 'echo run; exit 3'],
      restartPolicy: { name: 'on-failure', maximumRetryCount: 2 },
    });
    const starts: string[] = [];
    t.rt.on('event', (e) => e.id === c.id && e.action === 'start' && starts.push(e.action));
    await t.rt.start(c.id);
    await until(() => starts.length === 3 && t.rt.inspect(c.id).state.status === 'exited');
    await new Promise((r) => setTimeout(r, 600));
    const rec = t.rt.inspect(c.id);
    expect(rec.restartCount).toBe(2);
    expect(rec.state.exitCode).toBe(3);
    expect((await logsOf(t.rt, c.id)).stdout).toBe('run\nrun\nrun\n');
  });

  it('restarts "always" until the user stops it', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      networkMode: 'none',
      cmd: ['sh', '-c', 'echo run; sleep 0.2'],
      restartPolicy: { name: 'always' },
    });
    await t.rt.start(c.id);
    await until(() => t.rt.inspect(c.id).restartCount >= 2);
    await t.rt.stop(c.id, 1);
    await new Promise((r) => setTimeout(r, 800));
    expect(t.rt.inspect(c.id).state.status).toBe('exited');
    expect(t.rt.inspect(c.id).state.manuallyStopped).toBe(true);
  });

  it('a stop that comes while an exit is being recorded still ends the restarts', async () => {
    const c = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      networkMode: 'none',
      cmd: ['true'],
      restartPolicy: { name: 'always' },
    });
    // The exit's record-keeping (cgroup and network clean-up) is held open here, so that the
    // stop comes while the status says "exited" and the policy has not yet scheduled a restart.
    const rt = t.rt;
    const detach = rt.detachNetwork.bind(rt);
    let entered!: () => void;
    let release!: () => void;
    const inWindow = new Promise<void>((r) => (entered = r));
    const gate = new Promise<void>((r) => (release = r));
    rt.detachNetwork = async (rec, removing) => {
      if (rec.id === c.id && !removing) {
        entered();
        await gate;
      }
      return detach(rec, removing);
    };
    try {
      await rt.start(c.id);
      await inWindow;
      expect(rt.inspect(c.id).state.status).toBe('exited');
      const stopped = rt.stop(c.id, 1).catch((e: { kind?: string }) => {
        if (e.kind !== 'NotModified') throw e;
      });
      await new Promise((r) => setTimeout(r, 50));
      release();
      await stopped;
    } finally {
      release();
      rt.detachNetwork = detach;
    }
    await new Promise((r) => setTimeout(r, 700)); // longer than the first back-off steps
    expect(t.rt.inspect(c.id).state.status).toBe('exited');
    expect(t.rt.inspect(c.id).state.manuallyStopped).toBe(true);
    await t.rt.remove(c.id);
  });

  it('refuses bad policies and --rm together with a policy', async () => {
    const base = { rootfs: { dir: bb.rootfs }, imageConfig: image, cmd: ['true'] };
    await expect(
      t.rt.create({ ...base, restartPolicy: { name: 'always', maximumRetryCount: 3 } }),
    ).rejects.toMatchObject({
      kind: 'InvalidArgument',
    });
    await expect(t.rt.create({ ...base, restartPolicy: { name: 'sometimes' as 'always' } })).rejects.toMatchObject({
      kind: 'InvalidArgument',
    });
    await expect(t.rt.create({ ...base, autoRemove: true, restartPolicy: { name: 'always' } })).rejects.toMatchObject({
      kind: 'InvalidArgument',
    });
  });

  it('starts "always" and "unless-stopped" containers again when an agent starts', async () => {
    const mk = (name: 'always' | 'unless-stopped') =>
      t.rt.create({
        rootfs: { dir: bb.rootfs },
        imageConfig: image,
        networkMode: 'none',
        cmd: ['sleep', '100'],
        restartPolicy: { name },
      });
    const always = await mk('always');
    const unless = await mk('unless-stopped');
    const stoppedUnless = await mk('unless-stopped');
    for (const c of [always, unless, stoppedUnless]) await t.rt.start(c.id);
    await t.rt.stop(stoppedUnless.id, 0);
    await t.rt.stop(always.id, 0);
    // The agent goes away; its containers die meanwhile (as on a host reboot).
    await t.rt.kill(unless.id, 9);
    await t.rt.wait(unless.id);
    const dir = t.dir;
    const parent = t.cgroupParent;
    await t.rt.close();
    t = await testRuntime({ dir: bb.rootfs }, { cgroupParent: parent }, dir);
    expect(t.rt.inspect(always.id).state.status).toBe('running');
    expect(t.rt.inspect(unless.id).state.status).toBe('running');
    expect(t.rt.inspect(stoppedUnless.id).state.status).toBe('exited');
  });
});
