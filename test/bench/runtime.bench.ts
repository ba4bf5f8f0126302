/**
 * The runtime: start-to-exit of `true` through ContainerRuntime next to `crun run` of the same
 * busybox rootfs (Docker's capability set, cgroup and cgroup namespace, pid/net/ipc/uts/mount
 * namespaces), exec latency, memory per running container, and reading 100k log lines.
 *
 * crun 1.8 refuses a v1/v2 hybrid host ("cgroups in hybrid mode not supported"): there it runs
 * inside a private mount namespace with /sys/fs/cgroup/unified unmounted (a helper process holds
 * that namespace and each run enters it with nsenter, adding ~1-2 ms to crun's figure).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasCommand, missing } from '../support/env';
import { busyboxRootfsDir } from '../support/rootfs';
import { PATH_ENV } from '../support/images';
import { testRuntime } from '../support/runtime';
import { detectCgroups } from '../../runtime-agent/src/cgroups/detect';
import { DOCKER_DEFAULT_CAPS } from '../../runtime-agent/src/runtime/spec/caps';
import { readLogs } from '../../runtime-agent/src/runtime/logs/reader';
import { median, medianMs, timeMs, type Benchmark, type Figure } from './harness';

const RUNS = 25;

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    c.on('error', reject);
    c.on('exit', (code) => resolve(code ?? -1));
  });
}

/** A crun bundle of the busybox rootfs running /bin/true, close to what Berth sets up. */
function crunBundle(dir: string, rootfs: string, cgroupsPath: string): void {
  spawnSync('crun', ['spec'], { cwd: dir });
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
    process: Record<string, unknown>;
    root: Record<string, unknown>;
    linux: Record<string, unknown>;
  };
  const caps = DOCKER_DEFAULT_CAPS.map((c) => `CAP_${c}`);
  spec.process.terminal = false;
  spec.process.args = ['/bin/true'];
  spec.process.noNewPrivileges = false;
  spec.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] };
  spec.root = { path: rootfs, readonly: false };
  spec.linux.cgroupsPath = cgroupsPath;
  spec.linux.namespaces = ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'].map((type) => ({ type }));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
}

interface CrunRunner {
  /** One `crun run` of `true`; its wall time in ms. */
  once(): Promise<number>;
  close(): void;
}

/** A crun runner for the busybox rootfs, or undefined when crun is missing or refuses to run. */
async function crunRunner(rootfs: string, work: string): Promise<CrunRunner | undefined> {
  if (!hasCommand('crun')) return undefined;
  const bundle = path.join(work, 'bundle');
  fs.mkdirSync(bundle);
  const cgParent = `berth-bench-crun-${crypto.randomBytes(3).toString('hex')}`;
  crunBundle(bundle, rootfs, `/${cgParent}/c`);
  const layout = detectCgroups();
  let helper: ChildProcess | undefined;
  let prefix: string[] = [];
  if (layout.setup === 'hybrid' && layout.unifiedRoot) {
    helper = spawn(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', `umount ${layout.unifiedRoot} && exec sleep 600`],
      {
        stdio: 'ignore',
      },
    );
    await new Promise((r) => setTimeout(r, 200));
    prefix = ['nsenter', `--mount=/proc/${helper.pid}/ns/mnt`, '--'];
  }
  const root = path.join(work, 'crun-state');
  const argv = [...prefix, 'crun', '--root', root, 'run', '--bundle', bundle];
  let i = 0;
  const close = (): void => {
    helper?.kill('SIGKILL');
    for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      if (!/ - cgroup2? /.test(line)) continue;
      const mp = line.split(' ')[4]!;
      for (const d of [path.join(mp, cgParent, 'c'), path.join(mp, cgParent)]) {
        try {
          fs.rmdirSync(d);
        } catch {
          /* gone */
        }
      }
    }
  };
  if ((await run(argv[0]!, [...argv.slice(1), `bench-${i++}`])) !== 0) {
    close();
    return undefined;
  }
  return {
    once: () => timeMs(() => run(argv[0]!, [...argv.slice(1), `bench-${i++}`])),
    close,
  };
}

/** Pss of a process in KiB (its fair share of shared pages counted once). */
function pssKiB(pid: number): number {
  const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

export const benchmarks: Benchmark[] = [
  {
    id: 'runtime.start',
    title: 'Container start to exit, exec, memory, logs',
    skip: () => missing({ root: true, commands: ['unshare', 'nsenter'] }),
    async run() {
      const bb = busyboxRootfsDir();
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
      const t = await testRuntime({ dir: bb.rootfs });
      const figures: Figure[] = [];
      try {
        const rt = t.rt;
        const image = { Env: [PATH_ENV] };
        const base = { rootfs: { dir: bb.rootfs }, imageConfig: image, networkMode: 'none' };
        const ids: string[] = [];
        const once = async (r = rt): Promise<void> => {
          const c = await r.create({ ...base, cmd: ['/bin/true'] });
          ids.push(c.id);
          await r.start(c.id);
          await r.wait(c.id);
        };
        // Alternate Berth and crun runs so that load from elsewhere hits both alike.
        const crunner = await crunRunner(bb.rootfs, work);
        const berthSamples: number[] = [];
        const crunSamples: number[] = [];
        await once();
        try {
          for (let i = 0; i < RUNS; i++) {
            berthSamples.push(await timeMs(() => once()));
            if (crunner) crunSamples.push(await crunner.once());
          }
        } finally {
          crunner?.close();
        }
        for (const id of ids.splice(0)) await rt.remove(id);
        const crun = crunSamples.length ? median(crunSamples) : undefined;
        figures.push({
          name: 'create + start + exit of `true` (busybox, --network none)',
          value: median(berthSamples),
          unit: 'ms',
          samples: RUNS,
          reference: crun === undefined ? undefined : { tool: 'crun run', value: crun },
          target: '≤ 40 ms (run, CLI to exit)',
        });

        // The same with a pre-started init (berthd's default --init-pool 1), a member ready each time.
        const pooled = await testRuntime({ dir: bb.rootfs }, { initPool: 1 });
        try {
          const samples: number[] = [];
          for (let i = 0; i < 20; i++) {
            await new Promise((r) => setTimeout(r, 1500));
            samples.push(
              await timeMs(async () => {
                const c = await pooled.rt.create({ ...base, cmd: ['/bin/true'] });
                await pooled.rt.start(c.id);
                await pooled.rt.wait(c.id);
                ids.push(c.id);
              }),
            );
          }
          for (const id of ids.splice(0)) await pooled.rt.remove(id);
          figures.push({
            name: 'the same from a pre-started init (pool)',
            value: median(samples),
            unit: 'ms',
            samples: samples.length,
            reference: crun === undefined ? undefined : { tool: 'crun run', value: crun },
          });
        } finally {
          await pooled.cleanup();
        }

        const sleeper = await rt.create({ ...base, cmd: ['sleep', '1000'] });
        await rt.start(sleeper.id);
        const execMs = await medianMs(10, async () => {
          const e = rt.exec.create(sleeper.id, { cmd: ['true'] });
          const s = await rt.exec.start(e.id, () => undefined);
          await s.exited;
        });
        figures.push({ name: 'exec `true` in a running container', value: execMs.median, unit: 'ms', samples: 10 });
        await rt.remove(sleeper.id, { force: true });

        const N = 10;
        const rssBefore = process.memoryUsage().rss;
        const running: string[] = [];
        for (let i = 0; i < N; i++) {
          const c = await rt.create({ ...base, cmd: ['sleep', '1000'] });
          await rt.start(c.id);
          running.push(c.id);
        }
        await new Promise((r) => setTimeout(r, 300));
        const shims = running.map((id) => rt.inspect(id).state.shimPid);
        const pss = shims.reduce((a, p) => a + pssKiB(p), 0) / N / 1024;
        const agentDelta = Math.max(0, process.memoryUsage().rss - rssBefore) / N / (1024 * 1024);
        figures.push({
          name: 'memory per running container: shim process (Pss)',
          value: pss,
          unit: 'MiB',
          samples: N,
          target: '≤ 1 MiB',
        });
        figures.push({
          name: 'memory per running container: agent RSS growth',
          value: agentDelta,
          unit: 'MiB',
          samples: N,
        });
        for (const id of running) await rt.remove(id, { force: true });

        const logFile = path.join(work, 'container.log');
        let text = '';
        const t0 = Date.now();
        for (let i = 0; i < 100_000; i++)
          text +=
            JSON.stringify({ log: `log line number ${i}\n`, stream: 'stdout', time: new Date(t0 + i).toISOString() }) +
            '\n';
        fs.writeFileSync(logFile, text);
        const readAll = await medianMs(5, async () => {
          let n = 0;
          for await (const _e of readLogs(logFile, undefined, {})) n++;
          if (n !== 100_000) throw new Error(`read ${n} lines`);
        });
        figures.push({ name: 'read 100k json-file log lines', value: readAll.median, unit: 'ms', samples: 5 });
        const tail = await timeMs(async () => {
          for await (const _e of readLogs(logFile, undefined, { tail: 100 })) void _e;
        });
        figures.push({ name: 'tail 100 of 100k log lines', value: tail, unit: 'ms', samples: 1 });
      } finally {
        await t.cleanup();
        bb.cleanup();
        fs.rmSync(work, { recursive: true, force: true });
      }
      return figures;
    },
  },
];
