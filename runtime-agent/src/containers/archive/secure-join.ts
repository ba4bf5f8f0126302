/**
 * Resolve a path inside a container's root the way the kernel would inside the container:
 * symlinks are followed relative to the container's root (absolute targets restart at that root)
 * and `..` never climbs above it. The result is a host path under `root`. (moby's
 * FollowSymlinkInScope; runc's securejoin.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgument } from '../../errdefs';

const MAX_LINKS = 255;

export interface JoinOptions {
  /** Follow a symlink in the last component too (default false: the link itself). */
  followFinal?: boolean;
}

export function resolveInRoot(root: string, unsafe: string, opts: JoinOptions = {}): string {
  let pending = splitPath(unsafe);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = path.join(root, ...done, part);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(candidate);
    } catch {
      st = undefined;
    }
    const isLast = pending.length === 0;
    if (st?.isSymbolicLink() && (!isLast || opts.followFinal)) {
      if (++links > MAX_LINKS) throw new InvalidArgument(`too many levels of symbolic links resolving ${unsafe}`);
      const target = fs.readlinkSync(candidate);
      if (target.startsWith('/')) done.length = 0;
      pending = [...splitPath(target), ...pending];
      continue;
    }
    done.push(part);
  }
  return path.join(root, ...done);
}

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

/** The container path of a host path produced by resolveInRoot. */
export function containerPath(root: string, hostPath: string): string {
  const rel = path.relative(root, hostPath);
  return '/' + (rel === '' ? '' : rel);
}
