/**
 * `docker build` (classic API) of a small multi-step Dockerfile through berthd: a cold build (base
 * image present, empty build cache, fresh data root per run) and a fully cached rebuild, next to
 * the same builds by a docker or podman engine when one is reachable here (the CLI alone is not
 * enough). The base image is the busybox fixture from a loopback registry.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBerthd } from '../support/berthd';
import { DOCKER, docker } from '../support/docker-cli';
import { hasCommand, missing } from '../support/env';
import { seedRegistry } from '../support/fixtures';
import { startRegistry } from '../support/registry';
import { median, timeMs, type Benchmark, type Figure } from './harness';

const RUNS = Number(process.env.BERTH_BENCH_RUNS ?? 5);

function makeContext(base: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-build-'));
  const files: Record<string, string> = {
    Dockerfile: [
      `FROM ${base}`,
      'ENV APP=/app',
      'WORKDIR /app',
      'COPY src/ /app/src/',
      'RUN for i in $(seq 1 200); do echo "$i" > /app/gen-$i; done',
      'RUN tar -cf /app/src.tar /app/src && rm -r /app/src',
      'COPY config.txt /app/',
      'LABEL bench=build',
      'CMD ["ls", "/app"]',
      '',
    ].join('\n'),
    'config.txt': 'key=value\n',
  };
  for (let i = 0; i < 50; i++) files[`src/mod${i}/file${i}.txt`] = `module ${i}\n`.repeat(50);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** POST /build with a context tar, to the end of the stream: the build without the CLI's start-up. */
function apiBuild(socket: string, tar: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: socket,
        path: '/build?t=berth-bench/build&q=1',
        method: 'POST',
        headers: { 'Content-Type': 'application/x-tar' },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          res.statusCode === 200 && !body.includes('errorDetail')
            ? resolve()
            : reject(new Error(`build failed: ${body}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(tar);
  });
}

interface Engine {
  tool: string;
  /** cold build, then warm rebuild; ms. */
  build: (ctx: string, base: string) => { cold: number; warm: number };
}

function timedSync(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** IDs of the untagged images of a reference engine. */
function untagged(cmd: string, pre: string[]): Set<string> {
  const r = spawnSync(cmd, [...pre, 'images', '-a', '--no-trunc', '--format', '{{.ID}} {{.Repository}}'], {
    encoding: 'utf8',
  });
  const ids = (r.stdout ?? '')
    .split('\n')
    .filter((l) => l.endsWith(' <none>'))
    .map((l) => l.split(' ')[0] as string);
  return new Set(ids);
}

/** Builds with a reference CLI (`argv`): cold (`--no-cache`, base present), then a cached rebuild. */
function refEngine(tool: string, argv: string[], registryArgs: string[]): Engine {
  const env = { ...process.env, DOCKER_BUILDKIT: '0' };
  const [cmd, ...pre] = argv as [string, ...string[]];
  return {
    tool,
    build: (ctx, base) => {
      const before = untagged(cmd, pre);
      spawnSync(cmd, [...pre, 'pull', '-q', ...registryArgs, base], { stdio: 'ignore' });
      const build = [...pre, 'build', '-q', ...registryArgs];
      const cold = timedSync(cmd, [...build, '--no-cache', '-t', 'berth-bench/build', ctx], env);
      // buildah keeps no layers from a --no-cache build: one untimed build fills its cache.
      timedSync(cmd, [...build, '-t', 'berth-bench/build', ctx], env);
      const warm = timedSync(cmd, [...build, '-t', 'berth-bench/build', ctx], env);
      spawnSync(cmd, [...pre, 'rmi', '-f', 'berth-bench/build', base], { stdio: 'ignore' });
      // Intermediate images the builds left (buildah keeps one per step): untagged and new.
      for (const id of untagged(cmd, pre))
        if (!before.has(id)) spawnSync(cmd, [...pre, 'rmi', id], { stdio: 'ignore' });
      return { cold, warm };
    },
  };
}

/**
 * dockerd (at $DOCKER_HOST, e.g. ../shared/tools/reference-engines.sh's private one, else
 * /var/run/docker.sock; classic builder) or podman, when installed and answering.
 */
function referenceEngine(): Engine | undefined {
  const hosts = [process.env.DOCKER_HOST, 'unix:///var/run/docker.sock'].filter((h): h is string => !!h);
  for (const host of hosts) {
    if (host.startsWith('unix://') && !fs.existsSync(host.slice('unix://'.length))) continue;
    const v = spawnSync(DOCKER, ['-H', host, 'version', '--format', '{{.Server.Platform.Name}}'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (v.status === 0 && !v.stdout.includes('Berth')) {
      return refEngine('docker build (classic)', [DOCKER, '-H', host], []);
    }
  }
  if (hasCommand('podman') && spawnSync('podman', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0) {
    const oci = refEngine('podman build', ['podman'], ['--tls-verify=false']);
    // Where crun cannot make containers (e.g. cgroups v1/v2 hybrid), buildah's chroot isolation
    // still builds: lighter than a container per RUN, and named so in the figure.
    const chroot = refEngine(
      'podman build --isolation=chroot',
      ['podman'],
      ['--tls-verify=false', '--isolation=chroot'],
    );
    let chosen: Engine | undefined;
    return {
      get tool() {
        return chosen?.tool ?? oci.tool;
      },
      build: (ctx, base) => {
        if (chosen) return chosen.build(ctx, base);
        try {
          const r = oci.build(ctx, base);
          chosen = oci;
          return r;
        } catch (err) {
          console.log(`  note: podman build failed (${String(err).split('\n')[0]}); using --isolation=chroot`);
          chosen = chroot;
          return chroot.build(ctx, base);
        }
      },
    };
  }
  return undefined;
}

export const benchmarks: Benchmark[] = [
  {
    id: 'build.dockerfile',
    title: 'docker build (classic) of a small 9-step Dockerfile: cold and fully cached',
    skip: () => missing({ root: true, commands: ['docker-registry', 'skopeo', 'busybox'] }),
    async run() {
      const registry = await startRegistry();
      try {
        const base = (await seedRegistry(registry)).images.busybox;
        const context = makeContext(base);
        const tar = execFileSync('tar', ['-cf', '-', '-C', context, '.'], { maxBuffer: 64 * 1024 * 1024 });
        const cold: number[] = [];
        const warm: number[] = [];
        const apiWarm: number[] = [];
        try {
          for (let i = 0; i < RUNS; i++) {
            const d = await startBerthd({ logLevel: 'warn', args: ['--insecure-registry', registry.host] });
            try {
              const pull = await docker(d.host, ['pull', '-q', base]);
              if (pull.code !== 0) throw new Error(`pull failed: ${pull.stderr}`);
              const build = async (): Promise<void> => {
                const r = await docker(d.host, ['build', '-q', '-t', 'berth-bench/build', context], {
                  timeoutMs: 300_000,
                });
                if (r.code !== 0) throw new Error(`build failed: ${r.stderr}`);
              };
              cold.push(await timeMs(build));
              warm.push(await timeMs(build));
              apiWarm.push(await timeMs(() => apiBuild(d.socket, tar)));
            } finally {
              await d.stop();
              d.cleanup();
            }
          }
          const engine = referenceEngine();
          if (!engine) console.log('  note: no dockerd or podman installed here: no reference figure');
          const ref = engine ? Array.from({ length: RUNS }, () => engine.build(context, base)) : undefined;
          const figure = (which: 'cold' | 'warm', xs: number[]): Figure => {
            const name = `${which === 'cold' ? 'cold build' : 'cached rebuild'} (CLI start to exit)`;
            return {
              name: engine ? name : `${name} (docker/podman: no engine reachable here)`,
              value: median(xs),
              unit: 'ms',
              samples: xs.length,
              ...(engine && ref ? { reference: { tool: engine.tool, value: median(ref.map((r) => r[which])) } } : {}),
            };
          };
          return [
            figure('cold', cold),
            figure('warm', warm),
            {
              name: 'cached rebuild (POST /build to the end of the stream, no CLI start-up)',
              value: median(apiWarm),
              unit: 'ms',
              samples: apiWarm.length,
            },
          ];
        } finally {
          fs.rmSync(context, { recursive: true, force: true });
        }
      } finally {
        await registry.stop();
      }
    },
  },
];
