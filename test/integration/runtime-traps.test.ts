/**
 * The Node-specific traps of a Node container init (prototype §3), each undone before execve, and
 * bad input: a clear typed error and nothing left behind (no mounts, cgroups, processes, files).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRoot } from '../support/env';
import { busyboxRootfsDir } from '../support/rootfs';
import { PATH_ENV } from '../support/images';
import { compileShared } from '../support/cprog';
import { testRuntime, type TestRuntime } from '../support/runtime';
import { hostTraces } from '../support/host-traces';
import type { CreateOptions } from '../../runtime-agent/src/runtime/spec/types';

describeRoot(
  'runtime: Node traps and bad input',
  () => {
    let bb: ReturnType<typeof busyboxRootfsDir>;
    let t: TestRuntime;
    let work: string;
    const image = { Env: [PATH_ENV], Cmd: ['sh'] };
    const sh = (script: string, o: Record<string, unknown> = {}) =>
      t.run({ imageConfig: image, cmd: ['sh', '-c', script], ...o });

    beforeAll(async () => {
      bb = busyboxRootfsDir();
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-traps-'));
      t = await testRuntime({ dir: bb.rootfs });
    });
    afterAll(async () => {
      await t?.cleanup();
      bb?.cleanup();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it('starts the command with stdio open (fds 0-2 not close-on-exec) and no other fd leaked', async () => {
      const r = await sh('ls /proc/self/fd | tr "\\n" " "; echo; echo to-stderr >&2');
      // ls itself holds fd 3 for the directory it lists.
      expect(r.stdout).toBe('0 1 2 3 \n');
      expect(r.stderr).toBe('to-stderr\n');
    });

    it('resets signal dispositions and the mask (Node ignores SIGPIPE and SIGXFSZ)', async () => {
      const r = await t.run({ imageConfig: image, cmd: ['grep', '-E', '^Sig(Ign|Blk)', '/proc/self/status'] });
      expect(r.stdout).toBe('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
      // A writer whose reader went away dies of SIGPIPE (141), as outside Node.
      const p = await sh('(yes; echo "status=$?" >&2) | head -c 1 >/dev/null');
      expect(p.stderr).toBe('status=141\n');
    });

    it("sets RLIMIT_NOFILE to Docker's default or the configured value, not Node's raised one", async () => {
      const def = await sh('ulimit -n; ulimit -Hn');
      const hard = execFileSync('sh', ['-c', 'ulimit -Hn']).toString().trim();
      expect(def.stdout).toBe(`1024\n${hard}\n`);
      const set = await sh('ulimit -n; ulimit -Hn', { ulimits: [{ name: 'nofile', soft: 100, hard: 200 }] });
      expect(set.stdout).toBe('100\n200\n');
    });

    it('gives the command exactly its env: nothing from the agent (NODE_*, the agent PATH)', async () => {
      const r = await t.run({ imageConfig: { Env: [PATH_ENV, 'FROM_IMAGE=1'] }, cmd: ['env'], hostname: 'envbox' });
      expect(r.stdout.trim().split('\n').sort()).toEqual(
        ['FROM_IMAGE=1', 'HOME=/root', 'HOSTNAME=envbox', PATH_ENV].sort(),
      );
    });

    it("never lets the image's LD_PRELOAD reach a host binary", async () => {
      const marker = path.join(work, 'preload-marker');
      const lib = compileShared('preload', path.join(work, 'preload.so'), { BERTH_MARKER: JSON.stringify(marker) });
      // The library works: a host binary loading it leaves the marker.
      execFileSync('/bin/true', { env: { LD_PRELOAD: lib } });
      expect(fs.existsSync(marker)).toBe(true);
      fs.rmSync(marker);
      const r = await t.run({
        imageConfig: { Env: [PATH_ENV, `LD_PRELOAD=${lib}`, `LD_LIBRARY_PATH=${work}`] },
        cmd: ['sh', '-c', 'echo $LD_PRELOAD'],
      });
      expect(r.stdout).toBe(`${lib}\n`);
      expect(r.stderr).toBe('');
      const tty = await t.run({ imageConfig: { Env: [PATH_ENV, `LD_PRELOAD=${lib}`] }, cmd: ['true'], tty: true });
      expect(tty.exitCode).toBe(0);
      expect(fs.existsSync(marker)).toBe(false);
    });

    it('refuses bad input with typed errors and leaves nothing behind', async () => {
      const traces = () => hostTraces(t.cgroupParent, { dataRoot: path.join(t.dir, 'data') });
      const before = traces();
      const rt = t.rt;
      const countBefore = rt.list(true).length;
      const base = { rootfs: { dir: bb.rootfs }, imageConfig: image, networkMode: 'none' };
      await expect(rt.create({ ...base, imageConfig: { Env: [PATH_ENV] } })).rejects.toMatchObject({
        kind: 'InvalidArgument',
        message: 'No command specified',
      });
      await expect(rt.create({ ...base, cmd: ['true'], binds: ['/nonexistent/berth:/x'] })).rejects.toMatchObject({
        kind: 'InvalidArgument',
        message: expect.stringContaining('bind source path does not exist'),
      });
      await expect(rt.create({ ...base, cmd: ['true'], resources: { memory: 1024 } })).rejects.toMatchObject({
        kind: 'InvalidArgument',
        message: 'Minimum memory limit allowed is 6MB',
      });
      await expect(rt.create({ ...base, cmd: ['true'], resources: { nanoCpus: 1e12 } })).rejects.toMatchObject({
        kind: 'InvalidArgument',
      });
      await expect(rt.create({ ...base, cmd: ['true'], resources: { pidsLimit: 1.5 } })).rejects.toMatchObject({
        kind: 'InvalidArgument',
      });
      await expect(
        rt.create({ ...base, cmd: ['true'], securityOpt: ['seccomp=/my/profile.json'] }),
      ).rejects.toMatchObject({
        kind: 'InvalidArgument',
        message: expect.stringContaining('seccomp=/my/profile.json'),
      });
      await expect(rt.create({ ...base, cmd: ['true'], privileged: true })).rejects.toMatchObject({
        kind: 'NotImplemented',
        message: expect.stringContaining('privileged'),
      });
      await expect(rt.create({ ...base, cmd: ['true'], capAdd: ['NOT_A_CAP'] })).rejects.toMatchObject({
        kind: 'InvalidArgument',
      });
      await expect(rt.create({ ...base, cmd: ['true'], rootfs: { dir: '/nonexistent/rootfs' } })).rejects.toMatchObject(
        {
          kind: 'InvalidArgument',
        },
      );
      expect(rt.list(true)).toHaveLength(countBefore);
      // Errors found at start: the container stays "created" with the error, nothing else remains.
      const startErrors: [Partial<CreateOptions>, string][] = [
        [{ cmd: ['nosuchcommand'] }, 'executable file not found in $PATH'],
        [{ cmd: ['true'], user: 'nosuchuser' }, 'unable to find user nosuchuser'],
        [{ cmd: ['true'], user: 'berth:nosuchgroup' }, 'unable to find group nosuchgroup'],
      ];
      for (const [o, msg] of startErrors) {
        const c = await rt.create({ ...base, ...o });
        await expect(rt.start(c.id)).rejects.toMatchObject({
          kind: 'InvalidArgument',
          message: expect.stringContaining(msg),
        });
        const st = rt.inspect(c.id).state;
        expect(st.status).toBe('created');
        expect(st.error).toContain(msg);
        expect(st.exitCode).toBeGreaterThanOrEqual(126);
        await rt.remove(c.id);
      }
      expect(traces()).toEqual(before);
    });
  },
  ['gcc'],
);
