/**
 * berthd wiring: the daemon adopts containers at start (counts in /info), reports its security
 * options truthfully, takes --cgroup-parent, and leaves containers running on SIGTERM.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeRoot } from '../support/env';
import { request, startBerthd } from '../support/berthd';
import { busyboxRootfsDir } from '../support/rootfs';
import { PATH_ENV } from '../support/images';
import { testRuntime } from '../support/runtime';
import { processStartTime } from '../../runtime-agent/src/runtime/proc';

describeRoot('berthd: runtime wiring', () => {
  const bb = busyboxRootfsDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-test-'));
  const cgroupParent = `berth-test-${path.basename(dir).replace(/^berthd-test-/, '')}`;
  afterAll(() => {
    bb.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('adopts containers at start, counts them in /info and leaves them running on SIGTERM', async () => {
    const image = { Env: [PATH_ENV] };
    const t = await testRuntime({ dir: bb.rootfs }, { cgroupParent }, dir);
    const running = await t.rt.create({
      rootfs: { dir: bb.rootfs },
      imageConfig: image,
      cmd: ['sleep', '1000'],
      networkMode: 'none',
    });
    await t.rt.start(running.id);
    const done = await t.run({ imageConfig: image, cmd: ['true'] });
    await t.rt.create({ rootfs: { dir: bb.rootfs }, imageConfig: image, cmd: ['true'], networkMode: 'none' });
    const pid = t.rt.inspect(running.id).state.pid;
    await t.rt.close();

    const d = await startBerthd({ dir });
    try {
      expect(d.cgroupParent).toBe(cgroupParent);
      const info = (await request(d.socket, 'GET', '/info')).json() as Record<string, unknown>;
      expect(info.Containers).toBe(3);
      expect(info.ContainersRunning).toBe(1);
      expect(info.ContainersPaused).toBe(0);
      expect(info.ContainersStopped).toBe(2);
      expect(info.SecurityOptions).toEqual(['name=cgroupns']);
      expect(await d.stop()).toBe(0);
      expect(processStartTime(pid)).toBeGreaterThan(0);
    } finally {
      await d.kill9();
    }
    const again = await testRuntime({ dir: bb.rootfs }, { cgroupParent }, dir);
    expect(again.rt.inspect(running.id).state.status).toBe('running');
    expect(again.rt.inspect(done.id).state.exitCode).toBe(0);
    await again.cleanup();
    expect(processStartTime(pid)).toBe(0);
  });
});
