/**
 * What the supervisor remembers between runs (so the next start finds the engine it started):
 * a record of the engine it started, and a lock so that two app instances never start two.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LaunchMethod } from '../../contract/models/engine';

export interface EngineRecord {
  pid: number;
  socketPath: string;
  dataRoot: string;
  method: LaunchMethod;
  version: string;
  startedAt: string;
  logFile: string;
}

export function readRecord(stateDir: string): EngineRecord | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(path.join(stateDir, 'engine.json'), 'utf8')) as EngineRecord;
    return typeof r.pid === 'number' && typeof r.socketPath === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

export function writeRecord(stateDir: string, r: EngineRecord): void {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const tmp = path.join(stateDir, `engine.json.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(r, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, path.join(stateDir, 'engine.json'));
}

export function clearRecord(stateDir: string): void {
  fs.rmSync(path.join(stateDir, 'engine.json'), { force: true });
}

/** Whether a process exists (EPERM means it does, owned by another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether pid is a berthd (its command line names the agent). */
export function isBerthd(pid: number): boolean {
  try {
    return /berthd/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

/** berthd writes its pid into <data-root>/berthd.lock (readable when we are root). */
export function lockHolder(dataRoot: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(dataRoot, 'berthd.lock'), 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An exclusive start lock in the state dir: a file created with O_EXCL holding the owner's pid.
 * A lock whose owner died is taken over. Waits (bounded) while another live instance holds it.
 */
export async function acquireStartLock(stateDir: string, timeoutMs: number): Promise<() => void> {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, 'engine.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner: number;
    try {
      owner = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    } catch {
      continue; // removed meanwhile: try again
    }
    if (!pidAlive(owner)) {
      // The holder died without releasing it.
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw new Error(`another Berth instance (pid ${owner}) is starting the engine`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
