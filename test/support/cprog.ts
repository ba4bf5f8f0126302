/** Small C programs for runtime tests (test/support/c), compiled with gcc when a test needs them. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const srcDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'c');

/** Compile test/support/c/<name>.c as a static executable at `out`. */
export function compileStatic(name: string, out: string): string {
  execFileSync('gcc', ['-static', '-Os', '-o', out, path.join(srcDir, `${name}.c`)], { stdio: 'pipe' });
  return out;
}

/** Compile test/support/c/<name>.c as a shared library at `out`. */
export function compileShared(name: string, out: string, defines: Record<string, string> = {}): string {
  const d = Object.entries(defines).map(([k, v]) => `-D${k}=${v}`);
  execFileSync('gcc', ['-shared', '-fPIC', '-Os', ...d, '-o', out, path.join(srcDir, `${name}.c`)], { stdio: 'pipe' });
  return out;
}
