/**
 * Agent bundles for the connection tests: the real one (build/agent-bundle.mjs over dist/agent,
 * for this machine's arch; the Node runtime comes from the npm registry once, then the cache),
 * and variants of another version, built from the same sources with that version compiled in —
 * what an older or newer app would upload.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { buildAgentBundle } from '../../build/agent-bundle.mjs';
import { distDir, repoRoot } from './env';

const pkgVersion = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string })
  .version;

let current: Promise<string> | undefined;

/** dist/agent-bundle/<version> with this machine's arch (built or brought up to date once per process). */
export function testBundle(): Promise<string> {
  current ??= buildAgentBundle({
    root: repoRoot,
    dist: distDir,
    version: pkgVersion,
    arches: [process.arch],
    log: () => undefined,
  }).then((r) => r.dir);
  return current;
}

export const bundleVersion = pkgVersion;

/** A bundle whose berthd reports `version` (built into a temp dir; remove it with cleanup()). */
export async function variantBundle(version: string): Promise<{ dir: string; cleanup(): void }> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `berth-bundle-${version}-`));
  const agentDir = path.join(work, 'agent');
  fs.mkdirSync(agentDir);
  for (const f of fs.readdirSync(path.join(distDir, 'agent'))) {
    if (f.endsWith('.cjs') && f !== 'berthd.cjs')
      fs.copyFileSync(path.join(distDir, 'agent', f), path.join(agentDir, f));
  }
  await esbuild.build({
    entryPoints: [path.join(repoRoot, 'runtime-agent/src/main.ts')],
    outfile: path.join(agentDir, 'berthd.cjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    external: ['*.node', 'electron', 'cpu-features'],
    define: {
      __BERTH_VERSION__: JSON.stringify(version),
      __BERTH_COMMIT__: JSON.stringify('test'),
      'import.meta.url': '__berth_import_meta_url',
    },
    banner: {
      js: "#!/usr/bin/env node\nconst __berth_import_meta_url = require('url').pathToFileURL(__filename).href;",
    },
  });
  const { dir } = await buildAgentBundle({
    root: repoRoot,
    dist: distDir,
    version,
    agentDir,
    outDir: path.join(work, 'bundle'),
    arches: [process.arch],
    log: () => undefined,
  });
  return { dir, cleanup: () => fs.rmSync(work, { recursive: true, force: true }) };
}
