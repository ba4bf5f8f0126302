/**
 * The benchmark harness behind `npm run bench`: each *.bench.ts file in this folder exports
 * `benchmarks`; every benchmark measures Berth and, where the tool is installed, the same work
 * by a reference tool (docker, podman, crun, skopeo) in the same run, reported as a ratio.
 */
export interface Figure {
  /** What was measured, e.g. "run --rm busybox true (CLI start to exit)". */
  name: string;
  /** Berth's figure. */
  value: number;
  unit: 'ms' | 's' | 'MiB' | 'MB/s' | 'ops/s' | 'count';
  /** Number of samples behind a median. */
  samples?: number;
  /** The same work by another tool, when it is installed here. */
  reference?: { tool: string; value: number } | undefined;
  /** Target from docs/targets, for the table (e.g. "≤ 40 ms"). */
  target?: string;
  note?: string;
}

export interface Benchmark {
  id: string;
  title: string;
  /** Why it cannot run here (missing tool, not root), or undefined. */
  skip?: () => string | undefined;
  run: () => Promise<Figure[]>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** Run fn `n` times after `warmup` runs; the median in ms. */
export async function medianMs(
  n: number,
  fn: () => Promise<unknown>,
  warmup = 2,
): Promise<{ median: number; samples: number[] }> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await timeMs(fn));
  return { median: median(samples), samples };
}
