/**
 * Loads koffi's native module directly (its JS loader costs ~10 ms at start-up).
 * Search order: $BERTH_KOFFI_PATH, the agent bundle's native/ folder, the npm prebuild package.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as KoffiModule from 'koffi';
import { assetDir, koffiTriplet, nativeArch } from '../paths';

export type Koffi = typeof KoffiModule;

let loaded: Koffi | undefined;

export function koffiNativePath(): string {
  const env = process.env.BERTH_KOFFI_PATH;
  if (env) return env;
  const triplet = koffiTriplet();
  const bundled = path.join(assetDir(), 'native', triplet, 'koffi.node');
  if (fs.existsSync(bundled)) return bundled;
  const req = createRequire(import.meta.url);
  const pkgJson = req.resolve(`@koromix/koffi-linux-${nativeArch()}/package.json`);
  return path.join(path.dirname(pkgJson), triplet, 'koffi.node');
}

export function loadKoffi(): Koffi {
  if (loaded) return loaded;
  const req = createRequire(import.meta.url);
  loaded = req(koffiNativePath()) as Koffi;
  return loaded;
}
