/**
 * Where the agent's own assets live: the bundled container init, native addons, the Node runtime.
 * In the bundle (dist/agent/berthd.cjs) they sit beside the agent; when code runs from source
 * (tests), they are taken from the repository's dist/agent, which `npm run build` produces.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function assetDir(): string {
  if (cached) return cached;
  const fromEnv = process.env.BERTH_ASSET_DIR;
  if (fromEnv) return (cached = fromEnv);
  const here = path.dirname(fileURLToPath(import.meta.url));
  if (fs.existsSync(path.join(here, 'native'))) return (cached = here);
  let dir = here;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && /"name":\s*"berth"/.test(fs.readFileSync(pkg, 'utf8'))) {
      return (cached = path.join(dir, 'dist', 'agent'));
    }
    const up = path.dirname(dir);
    if (up === dir) return (cached = here);
    dir = up;
  }
}

/** Node architecture name as used in native folder names (x64, arm64). */
export function nativeArch(): string {
  return process.arch;
}

let musl: boolean | undefined;

/** True on a musl libc host (Alpine): koffi ships a separate build for it. Cached: a report costs ~100 ms. */
export function isMusl(): boolean {
  if (musl !== undefined) return musl;
  try {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    musl = !report?.header?.glibcVersionRuntime;
  } catch {
    musl = false;
  }
  return musl;
}

/** The directory inside a koffi prebuild package for this host: linux_x64, musl_x64, linux_arm64 … */
export function koffiTriplet(): string {
  return `${isMusl() ? 'musl' : 'linux'}_${nativeArch()}`;
}
