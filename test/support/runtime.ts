/**
 * A ContainerRuntime for a test: its own data and exec root under a temp dir and a unique cgroup
 * parent (berth-test-<random>), removed with everything in it by cleanup().
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContainerRuntime, type RuntimeOptions } from '../../runtime-agent/src/runtime/runtime';
import type { CreateOptions } from '../../runtime-agent/src/runtime/spec/types';

export interface TestRuntime {
  rt: ContainerRuntime;
  dir: string;
  cgroupParent: string;
  errors: string[];
  /** Create, start, wait; returns exit code and the log split by stream. */
  run(o: Omit<CreateOptions, 'rootfs'> & { rootfs?: CreateOptions['rootfs'] }): Promise<RunResult>;
  cleanup(): Promise<void>;
}

export interface RunResult {
  id: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function logsOf(rt: ContainerRuntime, id: string): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  for await (const e of rt.logs(id)) {
    if (e.stream === 'stdout') stdout += e.log;
    else stderr += e.log;
  }
  return { stdout, stderr };
}

export async function testRuntime(
  rootfs: CreateOptions['rootfs'],
  opts: Partial<RuntimeOptions> = {},
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rt-')),
): Promise<TestRuntime> {
  const cgroupParent = opts.cgroupParent ?? `berth-test-${crypto.randomBytes(4).toString('hex')}`;
  const errors: string[] = [];
  const rt = new ContainerRuntime({
    dataRoot: path.join(dir, 'data'),
    execRoot: path.join(dir, 'exec'),
    cgroupParent,
    onError: (m, e) => errors.push(`${m}: ${(e as Error)?.message ?? String(e)}`),
    ...opts,
  });
  await rt.init();
  return {
    rt,
    dir,
    cgroupParent,
    errors,
    async run(o) {
      const c = await rt.create({ networkMode: 'none', ...o, rootfs: o.rootfs ?? rootfs });
      await rt.start(c.id);
      const exitCode = await rt.wait(c.id);
      return { id: c.id, exitCode, ...(await logsOf(rt, c.id)) };
    },
    async cleanup() {
      for (const c of rt.list(true)) await rt.remove(c.id, { force: true }).catch(() => undefined);
      const cg = rt.cgroups;
      await rt.close();
      cg.removeParent();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
