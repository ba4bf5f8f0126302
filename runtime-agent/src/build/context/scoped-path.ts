/**
 * Resolves a path inside a root directory, following symlinks only while they stay inside it. A
 * `..` that climbs out, or a symlink whose target is absolute or climbs out, is refused with
 * Docker's "forbidden path outside the build context" (Docker would silently re-root such a link
 * inside the context; Berth says so instead).
 */
import fs from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { InvalidArgument, NotFound } from '../../errdefs';
import { goClean } from './go-path';

const MAX_LINKS = 255;

export class OutsideContextError extends InvalidArgument {}

/** `orig` as a clean relative path, or an error when it names something outside the root. */
export function cleanRelative(orig: string, what = 'build context'): string {
  let p = orig.replace(/^\/+/, '');
  while (p.startsWith('./')) p = p.slice(2);
  p = goClean(p);
  if (p === '..' || p.startsWith('../')) throw new OutsideContextError(`forbidden path outside the ${what}: ${orig}`);
  return p;
}

export interface Resolved {
  /** Host path of the final (non-symlink) file. */
  hostPath: string;
  /** The same, relative to the root. */
  rel: string;
  stat: Stats;
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * Follows `rel` (already clean) from `root`. Throws NotFound when a component is missing,
 * OutsideContextError when a symlink leaves the root.
 */
export async function resolveInRoot(root: string, rel: string, what = 'build context'): Promise<Resolved> {
  const pending = rel === '.' ? [] : rel.split('/');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const comp = pending.shift() as string;
    if (comp === '' || comp === '.') continue;
    if (comp === '..') {
      if (done.length === 0) throw new OutsideContextError(`forbidden path outside the ${what}: ${rel}`);
      done.pop();
      continue;
    }
    const hostPath = path.join(root, ...done, comp);
    const st = await lstatOrUndefined(hostPath);
    if (!st) throw new NotFound(`stat ${rel}: file does not exist`);
    if (!st.isSymbolicLink()) {
      if (pending.length > 0 && !st.isDirectory()) throw new NotFound(`stat ${rel}: not a directory`);
      done.push(comp);
      continue;
    }
    if (++links > MAX_LINKS) throw new InvalidArgument(`stat ${rel}: too many levels of symbolic links`);
    const target = await fs.readlink(hostPath);
    const linkRel = [...done, comp].join('/');
    if (path.posix.isAbsolute(target)) {
      throw new OutsideContextError(
        `forbidden path outside the ${what}: ${rel} (${linkRel} is a symlink to ${target})`,
      );
    }
    const joined = path.posix.normalize(path.posix.join(...(done.length > 0 ? done : ['.']), target));
    if (joined === '..' || joined.startsWith('../')) {
      throw new OutsideContextError(
        `forbidden path outside the ${what}: ${rel} (${linkRel} is a symlink to ${target})`,
      );
    }
    done.length = 0;
    if (joined !== '.') done.push(...joined.split('/'));
    // Re-check the components of the target from the root: they may be symlinks themselves.
    pending.unshift(...done.splice(0));
  }
  const hostPath = path.join(root, ...done);
  return { hostPath, rel: done.length === 0 ? '.' : done.join('/'), stat: await fs.stat(hostPath) };
}
