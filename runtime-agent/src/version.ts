/** Versions the agent reports. BERTH_VERSION is replaced at bundle time (build/build.mjs). */
declare const __BERTH_VERSION__: string | undefined;
declare const __BERTH_COMMIT__: string | undefined;

export const BERTH_VERSION: string = typeof __BERTH_VERSION__ === 'string' ? __BERTH_VERSION__ : '0.0.0-dev';
export const GIT_COMMIT: string = typeof __BERTH_COMMIT__ === 'string' ? __BERTH_COMMIT__ : 'unknown';

/** Docker Engine API versions served. The CLI negotiates min(server, client). */
export const API_VERSION = '1.43';
export const MIN_API_VERSION = '1.24';

/** Compare dotted API versions: negative when a < b. */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10));
  const pb = b.split('.').map((n) => Number.parseInt(n, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
