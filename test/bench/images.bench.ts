/**
 * Pull + unpack through berthd from a loopback registry, next to `skopeo copy` of the same image
 * to a directory (transfer only), GNU tar's unpack of the same layers (the gunzip+write floor) and
 * docker/podman pull when such an engine is reachable here.
 *  - "big": ~100 MB of real files taken from /usr/share (many small files), 4 gzip layers;
 *  - "small": 5 layers, ~10 MB in all.
 * Each berthd pull is cold: a fresh data root per run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { startBerthd } from '../support/berthd';
import { hasCommand, missing } from '../support/env';
import { apiPull } from '../support/image-tools';
import { OciLayoutWriter } from '../support/oci-layout';
import { startRegistry, type TestRegistry } from '../support/registry';
import { skopeoCopy } from '../support/skopeo';
import { median, timeMs, type Benchmark, type Figure } from './harness';

const RUNS = Number(process.env.BERTH_BENCH_RUNS ?? 5);

interface BuiltImage {
  name: string;
  layoutDir: string;
  /** gzip layer files, for the tar floor. */
  layers: string[];
  files: number;
  bytes: number;
}

/** Files under /usr/share, sorted, until `limit` bytes; split into `n` layers of similar size. */
function pickFiles(limit: number, n: number): { groups: string[][]; files: number; bytes: number } {
  const all: Array<[string, number]> = [];
  let total = 0;
  const walk = (dir: string): void => {
    if (total >= limit) return;
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (total >= limit) return;
      const p = path.join(dir, name);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() || st.isSymbolicLink()) {
        all.push([p.slice(1), st.isFile() ? st.size : 0]);
        total += st.isFile() ? st.size : 0;
      }
    }
  };
  walk('/usr/share');
  const groups: string[][] = Array.from({ length: n }, () => []);
  let acc = 0;
  for (const [p, size] of all) {
    groups[Math.min(n - 1, Math.floor((acc / total) * n))]!.push(p);
    acc += size;
  }
  return { groups, files: all.length, bytes: total };
}

function buildLayout(
  key: string,
  makeLayers: (dir: string) => { tars: string[]; files: number; bytes: number },
): BuiltImage {
  const dir = path.join(os.tmpdir(), 'berth-bench', key);
  const meta = path.join(dir, 'bench.json');
  if (fs.existsSync(meta)) return JSON.parse(fs.readFileSync(meta, 'utf8')) as BuiltImage;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const { tars, files, bytes } = makeLayers(dir);
  const w = new OciLayoutWriter(path.join(dir, 'layout'));
  const layers: string[] = [];
  const descs = tars.map((t, i) => {
    const tar = fs.readFileSync(t);
    const gz = path.join(dir, `layer${i}.tar.gz`);
    fs.writeFileSync(gz, zlib.gzipSync(tar, { level: 6 }));
    layers.push(gz);
    fs.rmSync(t);
    return w.addLayer(tar);
  });
  w.tag(
    'img',
    w.addImage(descs, { architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', config: { Cmd: ['sh'] } }),
  );
  const built: BuiltImage = { name: key, layoutDir: path.join(dir, 'layout'), layers, files, bytes };
  fs.writeFileSync(meta, JSON.stringify(built));
  return built;
}

function bigImage(): BuiltImage {
  return buildLayout('usr-share-100m-v1', (dir) => {
    const { groups, files, bytes } = pickFiles(100 * 1024 * 1024, 4);
    const tars = groups.map((g, i) => {
      const list = path.join(dir, `files${i}`);
      fs.writeFileSync(list, g.join('\n') + '\n');
      const tar = path.join(dir, `layer${i}.tar`);
      execFileSync('tar', ['--format=pax', '-C', '/', '-cf', tar, '--no-recursion', '-T', list]);
      return tar;
    });
    return { tars, files, bytes };
  });
}

function smallImage(): BuiltImage {
  return buildLayout('five-layers-10m-v1', (dir) => {
    // Half text-like, half random: about what a small service image compresses like.
    const rnd = crypto.createHash('sha256');
    const tars: string[] = [];
    let files = 0;
    let bytes = 0;
    for (let i = 0; i < 5; i++) {
      const root = path.join(dir, `src${i}`);
      fs.mkdirSync(path.join(root, `layer${i}`), { recursive: true });
      for (let f = 0; f < 200; f++) {
        rnd.update(`${i}/${f}`);
        const seed = rnd.copy().digest();
        const text = Buffer.from(`line ${i}/${f} `.repeat(300));
        const noise = crypto.createHash('sha512').update(seed).digest();
        const content = Buffer.concat([text, ...Array.from({ length: 60 }, () => noise)]);
        fs.writeFileSync(path.join(root, `layer${i}`, `f${f}.dat`), content);
        files++;
        bytes += content.length;
      }
      const tar = path.join(dir, `layer${i}.tar`);
      execFileSync('tar', ['--format=pax', '-C', root, '-cf', tar, `layer${i}`]);
      fs.rmSync(root, { recursive: true, force: true });
      tars.push(tar);
    }
    return { tars, files, bytes };
  });
}

/** A docker or podman engine reachable here, if any (the CLI alone is not enough). */
function referenceEngine(): { tool: string; pull: (ref: string) => void; rmi: (ref: string) => void } | undefined {
  const docker = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  if (docker.status === 0 && docker.stdout.trim()) {
    return {
      tool: 'docker pull',
      pull: (ref) => execFileSync('docker', ['pull', '-q', ref], { stdio: 'ignore' }),
      rmi: (ref) => void spawnSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' }),
    };
  }
  if (hasCommand('podman') && spawnSync('podman', ['info'], { stdio: 'ignore', timeout: 10000 }).status === 0) {
    return {
      tool: 'podman pull',
      pull: (ref) => execFileSync('podman', ['pull', '-q', '--tls-verify=false', ref], { stdio: 'ignore' }),
      rmi: (ref) => void spawnSync('podman', ['rmi', '-f', ref], { stdio: 'ignore' }),
    };
  }
  return undefined;
}

async function measure(registry: TestRegistry, img: BuiltImage, label: string): Promise<Figure[]> {
  const ref = `${registry.host}/bench/${img.name}:latest`;
  await skopeoCopy(`oci:${img.layoutDir}:img`, `docker://${ref}`);
  // Interleaved, so load changes on this shared machine hit every tool alike.
  const berth: number[] = [];
  const skopeo: number[] = [];
  const floor: number[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-run-'));
  try {
    for (let i = 0; i < RUNS; i++) {
      const d = await startBerthd({ logLevel: 'warn', args: ['--insecure-registry', registry.host] });
      try {
        let error: string | undefined;
        berth.push(await timeMs(async () => ({ error } = await apiPull(d.socket, ref))));
        if (error) throw new Error(`berthd pull failed: ${error}`);
      } finally {
        await d.stop();
        d.cleanup();
      }
      const out = path.join(tmp, `skopeo${i}`);
      skopeo.push(await timeMs(() => skopeoCopy(`docker://${ref}`, `dir:${out}`)));
      fs.rmSync(out, { recursive: true, force: true });
      const dest = path.join(tmp, `tar${i}`);
      fs.mkdirSync(dest);
      floor.push(
        await timeMs(async () => {
          for (const l of img.layers) execFileSync('tar', ['-xzf', l, '-C', dest]);
        }),
      );
      fs.rmSync(dest, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const mb = (img.bytes / 1e6).toFixed(0);
  const name = `${label}: pull+unpack ${mb} MB, ${img.files} files, ${img.layers.length} layers`;
  const figs: Figure[] = [
    {
      name,
      value: median(berth) / 1000,
      unit: 's',
      samples: RUNS,
      reference: { tool: 'skopeo copy to dir (transfer only)', value: median(skopeo) / 1000 },
    },
    {
      name,
      value: median(berth) / 1000,
      unit: 's',
      samples: RUNS,
      reference: { tool: 'tar -xzf of the layers (unpack floor)', value: median(floor) / 1000 },
    },
  ];
  const engine = referenceEngine();
  if (engine) {
    const ref2: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      engine.rmi(ref);
      ref2.push(await timeMs(async () => engine.pull(ref)));
    }
    engine.rmi(ref);
    figs.push({
      name,
      value: median(berth) / 1000,
      unit: 's',
      samples: RUNS,
      reference: { tool: engine.tool, value: median(ref2) / 1000 },
      target: label === 'big' ? '≤ 0.8× docker' : '≤ 0.6× docker',
    });
  } else {
    figs.push({
      name: `${name} (docker/podman: no engine reachable here)`,
      value: median(berth) / 1000,
      unit: 's',
      samples: RUNS,
    });
  }
  return figs;
}

export const benchmarks: Benchmark[] = [
  {
    id: 'images.pull',
    title: 'Pull + unpack from a loopback registry (berthd vs skopeo, tar, docker/podman)',
    skip: () => missing({ root: true, commands: ['docker-registry', 'skopeo', 'tar'] }),
    async run() {
      const big = bigImage();
      const small = smallImage();
      const registry = await startRegistry();
      try {
        return [...(await measure(registry, small, 'small')), ...(await measure(registry, big, 'big'))];
      } finally {
        await registry.stop();
      }
    },
  },
];
