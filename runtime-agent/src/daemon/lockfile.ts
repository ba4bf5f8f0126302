/**
 * One daemon per data root: an exclusive flock(2) on <data-root>/berthd.lock, held for the
 * daemon's life and released by the kernel when the process dies (no stale locks after kill -9).
 * The file also records the holder's pid for the error message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Conflict } from '../errdefs';
import { agentLibc, errno, EWOULDBLOCK, LOCK_EX, LOCK_NB, LOCK_UN } from '../sys/libc';
import { writeAllSync } from '../util/write-all';

export interface DataRootLock {
  readonly path: string;
  release(): void;
}

export function lockDataRoot(dataRoot: string): DataRootLock {
  fs.mkdirSync(dataRoot, { recursive: true, mode: 0o711 });
  const lockPath = path.join(dataRoot, 'berthd.lock');
  const fd = fs.openSync(lockPath, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  const libc = agentLibc();
  if (libc.flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    const e = errno();
    let holder = '';
    try {
      holder = fs.readFileSync(lockPath, 'utf8').trim();
    } catch {
      /* unreadable: report without the pid */
    }
    fs.closeSync(fd);
    if (e === EWOULDBLOCK) {
      throw new Conflict(
        `another berthd${holder ? ` (pid ${holder})` : ''} is already running with data root ${dataRoot}; ` +
          `stop it first or choose another --data-root`,
      );
    }
    throw new Conflict(`cannot lock ${lockPath}: errno ${e}`);
  }
  fs.ftruncateSync(fd, 0);
  writeAllSync(fd, `${process.pid}\n`, 0);
  let released = false;
  return {
    path: lockPath,
    release() {
      if (released) return;
      released = true;
      libc.flock(fd, LOCK_UN);
      fs.closeSync(fd);
    },
  };
}
