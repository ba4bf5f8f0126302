/**
 * A host view of a container's root file system, for docker cp, export and filling volumes:
 * a running container's is /proc/<pid>/root (its own mount namespace, volumes included); a
 * stopped one's overlay is mounted on <dir>/rootfs/merged for the duration of the callback
 * (reference-counted) and unmounted after. Stale view mounts are removed at agent start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Conflict } from '../errdefs';
import { isMountPoint } from '../volumes/store';
import { mount, umount, MNT_DETACH } from '../sys/mount';

const MS_RDONLY = 1;

interface ViewState {
  users: number;
  merged: string;
  readonly: boolean;
}

export interface ViewTarget {
  dir: string;
  /** Host pid of PID 1 when running. */
  runningPid: number | undefined;
  /** overlay: lower dirs via <dir>/rootfs/l/N; or a plain directory. */
  rootfs: { lowerDirs: string[] } | { dir: string };
}

export class RootfsViews {
  private readonly views = new Map<string, ViewState>();

  /**
   * `read`/`write`: the container as its processes see it (volumes included): /proc/<pid>/root
   * while it runs, else its overlay. `export`: the overlay only (no volumes, no /proc), read-only.
   */
  async with<T>(t: ViewTarget, mode: 'read' | 'write' | 'export', fn: (root: string) => Promise<T>): Promise<T> {
    if (t.runningPid && mode !== 'export') return fn(`/proc/${t.runningPid}/root`);
    if ('dir' in t.rootfs) return fn(t.rootfs.dir);
    const state = this.acquire(t, mode !== 'write');
    try {
      return await fn(state.merged);
    } finally {
      this.release(t.dir);
    }
  }

  private acquire(t: ViewTarget, readonly: boolean): ViewState {
    const existing = this.views.get(t.dir);
    if (existing) {
      if (existing.readonly !== readonly) throw new Conflict('the container file system is busy: try again');
      existing.users++;
      return existing;
    }
    const rootDir = path.join(t.dir, 'rootfs');
    const merged = path.join(rootDir, 'merged');
    const l = path.join(rootDir, 'l');
    if (!fs.existsSync(l)) throw new Conflict('the container has no root file system prepared');
    const lowers = fs
      .readdirSync(l)
      .sort((a, b) => Number.parseInt(a, 36) - Number.parseInt(b, 36))
      .map((n) => `l/${n}`);
    // Read-only views stack the container's upper dir as the top lower layer: no work dir is
    // needed, and a running container's own mount is not disturbed.
    const options = readonly
      ? `lowerdir=${['upper', ...lowers].join(':')}`
      : `lowerdir=${lowers.join(':')},upperdir=upper,workdir=work,index=off`;
    // Relative option paths keep the string under a page; mount(2) resolves them against the cwd.
    const cwd = process.cwd();
    process.chdir(rootDir);
    try {
      mount('overlay', merged, 'overlay', readonly ? MS_RDONLY : 0, options);
    } finally {
      process.chdir(cwd);
    }
    const state = { users: 1, merged, readonly };
    this.views.set(t.dir, state);
    return state;
  }

  private release(dir: string): void {
    const s = this.views.get(dir);
    if (!s) return;
    if (--s.users > 0) return;
    this.views.delete(dir);
    try {
      umount(s.merged, MNT_DETACH);
    } catch {
      /* already gone */
    }
  }

  /** True while a host view of this container is mounted (a start must wait or fail). */
  busy(dir: string): boolean {
    return this.views.has(dir);
  }
}

/** Unmount view mounts an agent killed mid-operation left behind. */
export function cleanStaleViews(containersDir: string): void {
  let ids: string[];
  try {
    ids = fs.readdirSync(containersDir);
  } catch {
    return;
  }
  for (const id of ids) {
    const merged = path.join(containersDir, id, 'rootfs', 'merged');
    if (isMountPoint(merged)) {
      try {
        umount(merged, MNT_DETACH);
      } catch {
        /* nothing to do */
      }
    }
  }
}
