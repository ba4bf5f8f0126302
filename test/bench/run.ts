/**
 * `npm run bench [-- filter…]`: runs every benchmark (or those whose id contains a filter),
 * prints a table and writes bench-results/bench-<timestamp>.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark, Figure } from './harness';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

interface Row {
  benchmark: string;
  figure: Figure | undefined;
  skipped?: string;
  error?: string;
}

function fmt(v: number, unit: string): string {
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${unit}`;
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const files = fs
    .readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort();
  const all: Benchmark[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(here, f)).href)) as { benchmarks: Benchmark[] };
    all.push(...mod.benchmarks);
  }
  const chosen = filters.length ? all.filter((b) => filters.some((f) => b.id.includes(f))) : all;
  const rows: Row[] = [];
  for (const b of chosen) {
    const why = b.skip?.();
    if (why) {
      console.log(`- ${b.id}: skipped (${why})`);
      rows.push({ benchmark: b.id, figure: undefined, skipped: why });
      continue;
    }
    console.log(`- ${b.id}: ${b.title} …`);
    try {
      for (const f of await b.run()) rows.push({ benchmark: b.id, figure: f });
    } catch (err) {
      const msg = (err as Error).stack ?? String(err);
      console.log(`  failed: ${msg}`);
      rows.push({ benchmark: b.id, figure: undefined, error: String((err as Error).message ?? err) });
    }
  }
  const table = rows
    .filter((r) => r.figure)
    .map((r) => {
      const f = r.figure!;
      const ref = f.reference ? `${f.reference.tool}: ${fmt(f.reference.value, f.unit)}` : '—';
      const ratio = f.reference && f.reference.value > 0 ? `${(f.value / f.reference.value).toFixed(2)}×` : '—';
      return {
        benchmark: r.benchmark,
        figure: f.name,
        berth: fmt(f.value, f.unit),
        reference: ref,
        ratio,
        target: f.target ?? '',
        n: f.samples ?? '',
      };
    });
  console.log('');
  console.table(table);
  const outDir = path.join(root, 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = path.join(outDir, `bench-${stamp}.json`);
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        host: { kernel: os.release(), cpus: os.cpus().length, node: process.version },
        rows,
      },
      null,
      2,
    ),
  );
  fs.copyFileSync(out, path.join(outDir, 'latest.json'));
  console.log(`\nwrote ${path.relative(root, out)}`);
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

await main();
