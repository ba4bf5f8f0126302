/** Small helpers to read and write cgroup files with errors that name the file. */
import fs from 'node:fs';
import { Internal, InvalidArgument } from '../errdefs';

export function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function readNumber(file: string): number {
  const t = readText(file)?.trim();
  if (t === undefined || t === '' || t === 'max') return 0;
  const n = Number(t);
  return Number.isFinite(n) ? n : 0;
}

export function writeFile(file: string, value: string | number): void {
  try {
    fs.writeFileSync(file, String(value));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EINVAL' || e.code === 'EBUSY' || e.code === 'ERANGE')
      throw new InvalidArgument(`cannot set ${file} to ${value}: ${e.code}`, { cause: err });
    throw new Internal(`cannot write ${value} to ${file}: ${e.message}`, { cause: err });
  }
}

/** "key value" lines (memory.stat, cpu.stat, memory.events …). */
export function readKeyed(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (readText(file) ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

export function readPids(file: string): number[] {
  return (readText(file) ?? '')
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((n) => n > 0);
}

export function killAll(pids: number[]): void {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** rmdir, retrying while the kernel still counts exiting tasks (EBUSY). */
export async function removeDir(dir: string, pidsFile: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw err;
    }
    killAll(readPids(pidsFile));
    await sleep(i < 20 ? 5 : 50);
  }
  throw new Internal(`cgroup ${dir} is still busy`);
}

/** Unique name check for a cgroup parent (relative path, no "..", no leading "/"). */
export function normaliseParent(parent: string): string {
  const p = parent.replace(/^\/+|\/+$/g, '');
  if (!p || p.split('/').some((s) => s === '..' || s === '.' || s === ''))
    throw new InvalidArgument(`invalid cgroup parent "${parent}"`);
  return p;
}
