/**
 * Path resolution inside the container's root before pivot_root, so that symlinks in an image
 * (e.g. /etc -> /host/path) can never redirect a mount target out of the root. Every lookup goes
 * through openat2(RESOLVE_IN_ROOT) on a directory fd of the root, and mounts target the resulting
 * O_PATH fd through /proc/self/fd/N (as runc does).
 */
import fs from 'node:fs';
import path from 'node:path';
import { O, RESOLVE, SysError, type InitLibc } from './libc';

export class RootFs {
  constructor(
    private readonly libc: InitLibc,
    readonly rootFd: number,
  ) {}

  /** O_PATH fd of `p` (absolute, inside the root), or undefined when it does not exist. */
  openPath(p: string, flags = 0): number | undefined {
    try {
      return this.libc.openat2(
        this.rootFd,
        rel(p),
        O.PATH | O.CLOEXEC | flags,
        RESOLVE.IN_ROOT | RESOLVE.NO_MAGICLINKS,
      );
    } catch (err) {
      if (err instanceof SysError && (err.errno === 2 || err.errno === 20)) return undefined;
      throw err;
    }
  }

  /** Create every missing directory of `p` inside the root; returns an O_PATH fd of it. */
  mkdirAll(p: string, mode = 0o755): number {
    const parts = rel(p)
      .split('/')
      .filter((x) => x && x !== '.');
    let fd = this.libc.openat2(this.rootFd, '.', O.PATH | O.DIRECTORY | O.CLOEXEC, RESOLVE.IN_ROOT);
    for (const part of parts) {
      if (part === '..') {
        const up = this.libc.openat2(fd, '..', O.PATH | O.DIRECTORY | O.CLOEXEC, RESOLVE.IN_ROOT);
        this.libc.close(fd);
        fd = up;
        continue;
      }
      let next: number | undefined;
      try {
        next = this.libc.openat2(fd, part, O.PATH | O.DIRECTORY | O.CLOEXEC, RESOLVE.IN_ROOT | RESOLVE.NO_MAGICLINKS);
      } catch (err) {
        if (!(err instanceof SysError) || err.errno !== 2) {
          this.libc.close(fd);
          throw err;
        }
      }
      if (next === undefined) {
        // mkdir never follows a final symlink: a dangling link makes it fail with EEXIST.
        fs.mkdirSync(`/proc/self/fd/${fd}/${part}`, { mode });
        next = this.libc.openat2(fd, part, O.PATH | O.DIRECTORY | O.CLOEXEC, RESOLVE.IN_ROOT | RESOLVE.NO_SYMLINKS);
      }
      this.libc.close(fd);
      fd = next;
    }
    return fd;
  }

  /** Make sure `p` exists as a file (or directory) to mount over; returns its O_PATH fd. */
  ensure(p: string, kind: 'file' | 'dir'): number {
    if (kind === 'dir') return this.mkdirAll(p);
    const existing = this.openPath(p);
    if (existing !== undefined) return existing;
    const parent = this.mkdirAll(path.posix.dirname(path.posix.resolve('/', p)));
    try {
      const name = path.posix.basename(p);
      fs.closeSync(fs.openSync(`/proc/self/fd/${parent}/${name}`, 'wx', 0o644));
      return this.libc.openat2(parent, name, O.PATH | O.CLOEXEC, RESOLVE.IN_ROOT | RESOLVE.NO_SYMLINKS);
    } finally {
      this.libc.close(parent);
    }
  }
}

function rel(p: string): string {
  const r = path.posix.normalize('/' + p).slice(1);
  return r === '' ? '.' : r;
}

export function fdPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}
