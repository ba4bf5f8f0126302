/**
 * What the test host can do. Privileged suites call `requireRoot()` / `describeRoot()`: on a
 * contributor's laptop (not root) they skip with a clear message; in CI (root) they all run.
 * Setting BERTH_TEST_REQUIRE_ALL=1 (CI does) turns every such skip into a failure, so a missing
 * tool or permission can never silently skip a suite there.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const distDir = path.join(repoRoot, 'dist');
export const berthdBin = path.join(distDir, 'agent', 'berthd.cjs');
export const testOutput = path.join(repoRoot, 'test-output');

export const isRoot = process.getuid?.() === 0;
const requireAll = process.env.BERTH_TEST_REQUIRE_ALL === '1';

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why a privileged suite cannot run here, or undefined when it can. */
export function missing(opts: { root?: boolean; commands?: string[]; files?: string[] }): string | undefined {
  if (opts.root && !isRoot) return 'needs root (namespaces, cgroups, mounts)';
  for (const c of opts.commands ?? [])
    if (!hasCommand(c)) return `needs the command "${c}" (see .ci/run for the Debian packages)`;
  for (const f of opts.files ?? []) if (!fs.existsSync(f)) return `needs ${f}`;
  return undefined;
}

/** describe() that skips with a message when a requirement is missing (and fails under BERTH_TEST_REQUIRE_ALL=1). */
export function describeIf(
  name: string,
  needs: { root?: boolean; commands?: string[]; files?: string[] },
  fn: () => void,
): void {
  const why = missing(needs);
  if (why && requireAll) {
    describe(name, () => {
      throw new Error(`${name}: cannot run: ${why} (BERTH_TEST_REQUIRE_ALL=1)`);
    });
    return;
  }
  if (why) {
    console.warn(`[skip] ${name}: ${why}`);
    describe.skip(`${name} (skipped: ${why})`, fn);
    return;
  }
  describe(name, fn);
}

export function describeRoot(name: string, fn: () => void, commands: string[] = []): void {
  describeIf(name, { root: true, commands }, fn);
}
