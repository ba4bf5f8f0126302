/**
 * Checks before a start that can fail clearly without starting anything: a data root on a
 * read-only file system (access(2) answers EROFS for the nearest existing ancestor).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Fault } from './faults';

export function checkDataRoot(dataRoot: string): Fault | undefined {
  let p = path.resolve(dataRoot);
  while (!fs.existsSync(p)) {
    const up = path.dirname(p);
    if (up === p) return undefined;
    p = up;
  }
  try {
    fs.accessSync(p, fs.constants.W_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EROFS')
      return {
        code: 'ReadOnlyDataRoot',
        reason: `the data root ${dataRoot} is on a read-only file system (${p})`,
        hint: 'Choose a data root on a writable disk in Settings → Engine, or remount the disk read-write.',
      };
  }
  return undefined;
}
