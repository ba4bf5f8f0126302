/**
 * The cgroup v2 code path on a real cgroup2 hierarchy. On a unified host that is the normal
 * manager; on this kind of hybrid host the cgroup2 mount (/sys/fs/cgroup/unified) holds no
 * resource controllers, so this proves what v2 core offers for real — joining via cgroup.procs
 * before the cgroup namespace, the namespaced cgroup2 mount in the container, cgroup.freeze for
 * pause, cgroup.kill and removal — and that limits needing absent controllers are refused.
 * The v2 limit files are covered by the unit tests on v2 file formats.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf } from '../support/env';
import { busyboxRootfsDir } from '../support/rootfs';
import { PATH_ENV } from '../support/images';
import { logsOf, testRuntime, type TestRuntime } from '../support/runtime';
import { detectCgroups } from '../../runtime-agent/src/cgroups/detect';
import { V2CgroupManager } from '../../runtime-agent/src/cgroups/v2/manager';

const unified = detectCgroups().unifiedRoot;

describeIf(
  'runtime: cgroup v2 on a real cgroup2 mount',
  { root: true, files: [unified ?? '/nonexistent-cgroup2'] },
  () => {
    let bb: ReturnType<typeof busyboxRootfsDir>;
    let t: TestRuntime;
    const parent = `berth-test-${crypto.randomBytes(4).toString('hex')}`;
    const image = { Env: [PATH_ENV] };
    const v2 = new V2CgroupManager(unified!, parent, 2);

    beforeAll(async () => {
      bb = busyboxRootfsDir();
      t = await testRuntime({ dir: bb.rootfs }, { cgroups: v2, cgroupParent: parent });
    });
    afterAll(async () => {
      await t?.cleanup();
      bb?.cleanup();
    });

    it('runs a container in its own cgroup2 leaf with a namespaced, read-only cgroup2 mount', async () => {
      const r = await t.run({
        imageConfig: image,
        cmd: [
          'sh',
          '-c',
          'cat /proc/self/cgroup | grep "^0::"; ls /sys/fs/cgroup | grep -c "^cgroup.procs$"; grep " /sys/fs/cgroup " /proc/self/mountinfo | grep -c "ro,.*cgroup2"; grep CapEff /proc/self/status',
        ],
      });
      expect(r.stdout).toBe('0::/\n1\n1\nCapEff:\t00000000a00425fb\n');
      expect(fs.existsSync(path.join(unified!, parent, r.id))).toBe(false);
    });

    it('pauses with cgroup.freeze and resumes', async () => {
      const c = await t.rt.create({
        rootfs: { dir: bb.rootfs },
        imageConfig: image,
        networkMode: 'none',
        cmd: ['sh', '-c', 'while :; do echo t; sleep 0.05; done'],
      });
      await t.rt.start(c.id);
      const dir = path.join(unified!, parent, c.id);
      expect(fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(
        2,
      );
      await new Promise((r) => setTimeout(r, 200));
      await t.rt.pause(c.id);
      expect(fs.readFileSync(path.join(dir, 'cgroup.events'), 'utf8')).toContain('frozen 1');
      const n = (await logsOf(t.rt, c.id)).stdout.length;
      await new Promise((r) => setTimeout(r, 400));
      expect((await logsOf(t.rt, c.id)).stdout.length).toBe(n);
      await t.rt.unpause(c.id);
      await new Promise((r) => setTimeout(r, 400));
      expect((await logsOf(t.rt, c.id)).stdout.length).toBeGreaterThan(n);
      const s = t.rt.stats(c.id);
      expect(s.cpu.usageTotal).toBeGreaterThan(0);
      await t.rt.remove(c.id, { force: true });
      expect(fs.existsSync(dir)).toBe(false);
    });

    it('applies a memory limit through memory.max, or refuses it naming the missing controller', async () => {
      if (v2.available().includes('memory')) {
        const r = await t.run({
          imageConfig: image,
          cmd: ['cat', '/sys/fs/cgroup/memory.max'],
          resources: { memory: 64 * 1024 * 1024 },
        });
        expect(r.stdout).toBe('67108864\n');
        return;
      }
      await expect(
        t.rt.create({ rootfs: { dir: bb.rootfs }, cmd: ['true'], resources: { memory: 64 * 1024 * 1024 } }),
      ).rejects.toMatchObject({
        kind: 'InvalidArgument',
        message: expect.stringContaining('memory cgroup controller'),
      });
    });
  },
);
