/**
 * The Engine API through the real docker CLI (issue 5): `docker run --rm busybox true` from CLI
 * start to exit, `docker ps -a` with 100 containers, and `docker logs` of 100k lines. A dockerd
 * (its socket answering at /var/run/docker.sock) or podman on this machine runs the same
 * commands in the same run for a reference; where neither is installed the figure says so.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { request, startBerthd, type BerthdHandle } from '../support/berthd';
import { DOCKER, docker } from '../support/docker-cli';
import { hasCommand, missing } from '../support/env';
import { seedRegistry } from '../support/fixtures';
import { startRegistry } from '../support/registry';
import { median, medianMs, timeMs, type Benchmark, type Figure } from './harness';

const RUNS = 20;

interface Reference {
  tool: string;
  /** argv prefix of the tool's CLI. */
  argv: string[];
}

/** dockerd or podman when installed and answering; undefined otherwise. */
function referenceTool(): Reference | undefined {
  if (fs.existsSync('/var/run/docker.sock')) {
    const argv = [DOCKER, '-H', 'unix:///var/run/docker.sock'];
    if (spawnSync(argv[0]!, [...argv.slice(1), 'version'], { stdio: 'ignore' }).status === 0)
      return { tool: 'dockerd', argv };
  }
  if (hasCommand('podman')) return { tool: 'podman', argv: ['podman'] };
  return undefined;
}

function runRef(ref: Reference, args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(ref.argv[0]!, [...ref.argv.slice(1), ...args], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${ref.tool} ${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function cli(d: BerthdHandle, args: string[]): Promise<string> {
  const r = await docker(d.host, args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const LOG_CMD = ['sh', '-c', 'seq 1 100000 | sed "s/^/log line number /"'];

export const benchmarks: Benchmark[] = [
  {
    id: 'engine.cli',
    title: 'Engine API through the docker CLI: run --rm true, ps -a with 100 containers, logs of 100k lines',
    skip: () => missing({ root: true, commands: ['docker-registry', 'skopeo', 'busybox', DOCKER] }),
    async run() {
      const registry = await startRegistry();
      const ref = referenceTool();
      const noRef = 'no dockerd or podman installed here: no reference figure';
      if (!ref) console.log(`  note: ${noRef}`);
      const figures: Figure[] = [];
      let d: BerthdHandle | undefined;
      try {
        const img = (await seedRegistry(registry)).images.busybox;
        d = await startBerthd({ logLevel: 'warn', args: ['--insecure-registry', registry.host] });
        await cli(d, ['pull', '-q', img]);
        if (ref) runRef(ref, ref.tool === 'podman' ? ['pull', '--tls-verify=false', img] : ['pull', '-q', img]);

        // 1. docker run --rm busybox true, CLI start to exit (a pooled init is refilled in between)
        const berthRun: number[] = [];
        for (let i = 0; i < RUNS + 2; i++) {
          await new Promise((r) => setTimeout(r, 300));
          const ms = await timeMs(() => cli(d!, ['run', '--rm', img, 'true']));
          if (i >= 2) berthRun.push(ms);
        }
        const refRun = ref ? median(Array.from({ length: RUNS }, () => runRef(ref, ['run', '--rm', img, 'true']))) : 0;
        figures.push({
          name: 'docker run --rm busybox true (CLI start to exit)',
          value: median(berthRun),
          unit: 'ms',
          samples: RUNS,
          reference: ref ? { tool: ref.tool, value: refRun } : undefined,
          target: '≤ 40 ms (run, CLI to exit)',
          ...(ref ? {} : { note: noRef }),
        });

        // 2. docker ps -a with 100 containers (created through the API)
        const ids: string[] = [];
        for (let i = 0; i < 100; i++) {
          const r = await request(d.socket, 'POST', `/containers/create?name=bench-ps-${i}`, {
            Image: img,
            Cmd: ['true'],
            Labels: { bench: 'ps' },
          });
          if (r.status !== 201) throw new Error(`create: ${r.status} ${r.body}`);
          ids.push((r.json() as { Id: string }).Id);
        }
        const count = (await cli(d, ['ps', '-aq'])).trim().split('\n').length;
        if (count !== 100) throw new Error(`docker ps -a listed ${count} containers`);
        const ps = await medianMs(10, () => cli(d!, ['ps', '-a']));
        figures.push({
          name: 'docker ps -a with 100 containers',
          value: ps.median,
          unit: 'ms',
          samples: 10,
          ...(ref ? {} : { note: noRef }),
        });
        await cli(d, ['rm', ...ids]);

        // 3. docker logs of 100k lines (json-file on disk)
        const id = (await cli(d, ['run', '-d', img, ...LOG_CMD])).trim();
        await cli(d, ['wait', id]);
        const logs = await medianMs(5, async () => {
          const out = await cli(d!, ['logs', id]);
          const n = out.split('\n').length - 1;
          if (n !== 100_000) throw new Error(`docker logs gave ${n} lines`);
        });
        const tail = await medianMs(5, () => cli(d!, ['logs', '--tail', '100', id]));
        figures.push({
          name: 'docker logs of 100k lines (CLI start to exit)',
          value: logs.median,
          unit: 'ms',
          samples: 5,
          ...(ref ? {} : { note: noRef }),
        });
        figures.push({ name: 'docker logs --tail 100 of 100k lines', value: tail.median, unit: 'ms', samples: 5 });
        await cli(d, ['rm', id]);
        return figures;
      } finally {
        if (d) {
          const left = (await docker(d.host, ['ps', '-aq'])).stdout.split('\n').filter(Boolean);
          if (left.length) await docker(d.host, ['rm', '-f', ...left]);
          await d.stop();
          d.cleanup();
        }
        await registry.stop();
      }
    },
  },
];
