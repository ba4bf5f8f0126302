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

  /**
   * Create every missing directory of `p` inside the root, following symlinks as the container
   * would see them (an absolute link target is taken relative to the root); returns an O_PATH fd.
   */
  mkdirAll(p: string, mode = 0o755): number {
    let parts = rel(p)
      .split('/')
      .filter((x) => x && x !== '.');
    const cur: string[] = [];
    let links = 0;
    while (parts.length) {
      const part = parts.shift()!;
      if (part === '..') {
        cur.pop();
        continue;
      }
      const fd = this.openPath('/' + [...cur, part].join('/'), O.DIRECTORY);
      if (fd !== undefined) {
        this.libc.close(fd);
        cur.push(part);
        continue;
      }
      const parent = this.openPath('/' + cur.join('/'), O.DIRECTORY);
      if (parent === undefined) throw new SysError('mkdir', 2, p);
      try {
        const entry = `/proc/self/fd/${parent}/${part}`;
        let st: fs.Stats | undefined;
        try {
          st = fs.lstatSync(entry);
        } catch {
          st = undefined;
        }
        if (st?.isSymbolicLink()) {
          if (++links > 40) throw new SysError('mkdir', 40, p);
          const target = fs.readlinkSync(entry);
          if (target.startsWith('/')) cur.length = 0;
          parts = [...target.split('/').filter((x) => x && x !== '.'), ...parts];
          continue;
        }
        if (st) throw new SysError('mkdir', 20, p);
        fs.mkdirSync(entry, { mode });
        cur.push(part);
      } finally {
        this.libc.close(parent);
      }
    }
    const fd = this.openPath('/' + cur.join('/'), O.DIRECTORY);
    if (fd === undefined) throw new SysError('mkdir', 2, p);
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
