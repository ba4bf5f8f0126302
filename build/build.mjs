#!/usr/bin/env node
// Builds every part into dist/:
//   dist/agent/berthd.cjs, init.cjs, native/<triplet>/koffi.node   (esbuild, Node 20, CommonJS)
//   dist/electron/main.cjs, preload.cjs                             (esbuild)
//   dist/web/berth-web.cjs                                          (esbuild: web mode server)
//   dist/renderer/                                                  (vite)
// Flags: --if-stale (skip when dist is newer than every source), --agent-bundle (also the
// multi-arch agent bundle with Node runtimes, see build/agent-bundle.mjs), --no-renderer.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const args = new Set(process.argv.slice(2));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

function newestMtime(dir, skip = new Set(['node_modules', 'dist', '.git', '.tsbuild', 'test-output'])) {
  let newest = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (skip.has(e.name)) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

function isStale() {
  const stamp = path.join(dist, '.build-stamp');
  if (!fs.existsSync(stamp)) return true;
  const built = fs.statSync(stamp).mtimeMs;
  for (const d of ['runtime-agent', 'electron', 'renderer', 'build']) {
    if (newestMtime(path.join(root, d)) > built) return true;
  }
  return fs.statSync(path.join(root, 'package.json')).mtimeMs > built;
}

if (args.has('--if-stale') && !isStale()) {
  console.log('build: dist is up to date');
  process.exit(0);
}

const define = {
  __BERTH_VERSION__: JSON.stringify(pkg.version),
  __BERTH_COMMIT__: JSON.stringify(gitCommit()),
  'import.meta.url': '__berth_import_meta_url',
};
const cjsBanner = "const __berth_import_meta_url = require('url').pathToFileURL(__filename).href;";

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  define,
  // Native addons are loaded by path at run time (sys/koffi.ts), never bundled.
  external: ['*.node', 'electron', 'cpu-features'],
  loader: { '.node': 'empty' },
};

async function buildAgent() {
  const outdir = path.join(dist, 'agent');
  fs.mkdirSync(outdir, { recursive: true });
  const entries = [['berthd', 'runtime-agent/src/main.ts', '#!/usr/bin/env node\n']];
  for (const [name, rel] of [
    ['init', 'runtime-agent/src/runtime/init/main.ts'],
    ['exec-init', 'runtime-agent/src/runtime/init/exec-main.ts'],
    ['unpack-worker', 'runtime-agent/src/images/unpack-worker.ts'],
  ]) {
    if (fs.existsSync(path.join(root, rel))) entries.push([name, rel, '']);
  }
  await Promise.all(
    entries.map(([name, rel, shebang]) =>
      esbuild.build({
        ...common,
        entryPoints: [path.join(root, rel)],
        outfile: path.join(outdir, `${name}.cjs`),
        banner: { js: shebang + cjsBanner },
        // The container init must start fast: keep it small and without source maps.
        sourcemap: name === 'berthd' ? 'linked' : false,
      }),
    ),
  );
  fs.chmodSync(path.join(outdir, 'berthd.cjs'), 0o755);
  // koffi's prebuilt native module for this host.
  const koffiPkg = path.dirname(require_resolve(`@koromix/koffi-linux-${process.arch}/package.json`));
  for (const triplet of fs.readdirSync(koffiPkg)) {
    const src = path.join(koffiPkg, triplet, 'koffi.node');
    if (!fs.existsSync(src)) continue;
    const dst = path.join(outdir, 'native', triplet, 'koffi.node');
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.copyFileSync(src, dst);
  }
  fs.writeFileSync(path.join(outdir, 'VERSION'), pkg.version + '\n');
}

function require_resolve(spec) {
  return import.meta.resolve ? fileURLToPath(import.meta.resolve(spec)) : spec;
}

async function buildElectron() {
  const outdir = path.join(dist, 'electron');
  const targets = [
    ['main', 'electron/src/main/main.ts'],
    ['preload', 'electron/src/preload/preload.ts'],
  ];
  await Promise.all(
    targets
      .filter(([, rel]) => fs.existsSync(path.join(root, rel)))
      .map(([name, rel]) =>
        esbuild.build({
          ...common,
          entryPoints: [path.join(root, rel)],
          outfile: path.join(outdir, `${name}.cjs`),
          banner: { js: cjsBanner },
        }),
      ),
  );
  const web = 'electron/src/web/main.ts';
  if (fs.existsSync(path.join(root, web))) {
    await esbuild.build({
      ...common,
      entryPoints: [path.join(root, web)],
      outfile: path.join(dist, 'web', 'berth-web.cjs'),
      banner: { js: '#!/usr/bin/env node\n' + cjsBanner },
    });
  }
}

async function buildRenderer() {
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
}

const t0 = Date.now();
await Promise.all([buildAgent(), buildElectron()]);
if (!args.has('--no-renderer') && fs.existsSync(path.join(root, 'renderer', 'vite.config.ts'))) await buildRenderer();
if (args.has('--agent-bundle')) {
  const { buildAgentBundle } = await import('./agent-bundle.mjs');
  await buildAgentBundle({ root, dist, version: pkg.version });
}
fs.writeFileSync(path.join(dist, '.build-stamp'), new Date().toISOString() + '\n');
console.log(`build: done in ${Date.now() - t0} ms`);
