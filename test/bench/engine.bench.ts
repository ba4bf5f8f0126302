/**
 * The Engine API through the real docker CLI (issue 5): `docker run --rm --network none busybox
 * true` from CLI start to exit, `docker ps -a` with 100 containers, and `docker logs` of 100k
 * lines. A dockerd (at $DOCKER_HOST or /var/run/docker.sock) or podman on this machine runs the
 * same commands in the same run for a reference; where neither answers the figure says so.
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

/**
 * dockerd (at $DOCKER_HOST, e.g. ../shared/tools/reference-engines.sh's private one, else
 * /var/run/docker.sock) or podman, when installed and answering; undefined otherwise.
 */
function referenceTool(): Reference | undefined {
  const hosts = [process.env.DOCKER_HOST, 'unix:///var/run/docker.sock'].filter((h): h is string => !!h);
  for (const host of hosts) {
    if (host.startsWith('unix://') && !fs.existsSync(host.slice('unix://'.length))) continue;
    const argv = [DOCKER, '-H', host];
    if (spawnSync(argv[0]!, [...argv.slice(1), 'version'], { stdio: 'ignore', timeout: 10_000 }).status === 0)
      return { tool: 'dockerd', argv };
  }
  if (hasCommand('podman') && spawnSync('podman', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0)
    return { tool: 'podman', argv: ['podman'] };
  return undefined;
}

/** Runs the reference CLI; its wall time in ms (output read in full, as Berth's is). */
function runRef(ref: Reference, args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(ref.argv[0]!, [...ref.argv.slice(1), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`${ref.tool} ${args.join(' ')} exited ${r.status}: ${String(r.stderr)}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function refOut(ref: Reference, args: string[]): string {
  const r = spawnSync(ref.argv[0]!, [...ref.argv.slice(1), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${ref.tool} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
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

        // 1. docker run --rm --network none busybox true, CLI start to exit (as the targets'
        // reference figures; a pooled init is refilled in between). Alternated with the
        // reference so load from elsewhere hits both alike.
        const run = ['run', '--rm', '--network', 'none', img, 'true'];
        const berthRun: number[] = [];
        const refRuns: number[] = [];
        for (let i = 0; i < RUNS + 2; i++) {
          await new Promise((r) => setTimeout(r, 300));
          const ms = await timeMs(() => cli(d!, run));
          if (i >= 2) berthRun.push(ms);
          if (ref) {
            const refMs = runRef(ref, run);
            if (i >= 2) refRuns.push(refMs);
          }
        }
        figures.push({
          name: 'docker run --rm --network none busybox true (CLI start to exit)',
          value: median(berthRun),
          unit: 'ms',
          samples: RUNS,
          reference: ref ? { tool: ref.tool, value: median(refRuns) } : undefined,
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
        let refPs: number | undefined;
        if (ref) {
          const refIds: string[] = [];
          for (let i = 0; i < 100; i++)
            refIds.push(refOut(ref, ['create', '--network', 'none', '--label', 'bench=ps', img, 'true']).trim());
          refPs = median(Array.from({ length: 10 }, () => runRef(ref, ['ps', '-a'])));
          refOut(ref, ['rm', ...refIds]);
        }
        figures.push({
          name: 'docker ps -a with 100 containers',
          value: ps.median,
          unit: 'ms',
          samples: 10,
          reference: ref && refPs !== undefined ? { tool: ref.tool, value: refPs } : undefined,
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
        let refLogs: { all: number; tail: number } | undefined;
        if (ref) {
          const rid = refOut(ref, ['run', '-d', '--network', 'none', img, ...LOG_CMD]).trim();
          refOut(ref, ['wait', rid]);
          const n = refOut(ref, ['logs', rid]).split('\n').length - 1;
          if (n !== 100_000) throw new Error(`${ref.tool} logs gave ${n} lines`);
          refLogs = {
            all: median(Array.from({ length: 5 }, () => runRef(ref, ['logs', rid]))),
            tail: median(Array.from({ length: 5 }, () => runRef(ref, ['logs', '--tail', '100', rid]))),
          };
          refOut(ref, ['rm', rid]);
        }
        figures.push({
          name: 'docker logs of 100k lines (CLI start to exit)',
          value: logs.median,
          unit: 'ms',
          samples: 5,
          reference: ref && refLogs ? { tool: ref.tool, value: refLogs.all } : undefined,
          ...(ref ? {} : { note: noRef }),
        });
        figures.push({
          name: 'docker logs --tail 100 of 100k lines',
          value: tail.median,
          unit: 'ms',
          samples: 5,
          reference: ref && refLogs ? { tool: ref.tool, value: refLogs.tail } : undefined,
        });
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
