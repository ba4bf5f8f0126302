/**
 * Temporary overlay mounts for build steps that write files without a container (COPY, ADD,
 * WORKDIR) and for read-only views of an image (COPY --from): the image's layers as lower dirs, a
 * fresh upper dir that becomes the step's layer. Every mount lives in its own directory under the
 * builder's tmp dir; `dispose` unmounts and removes it, `cleanStaleOverlays` does the same for
 * what a killed agent left behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { prepareRootfs } from '../../runtime/rootfs';
import { MNT_DETACH, mount, umount } from '../../sys/mount';
import { isMountPoint } from '../../volumes/store';

export interface Overlay {
  /** The merged view (writable). */
  merged: string;
  /** The upper dir: what was written, with whiteouts for deletions. */
  upper: string;
  /** Unmounts (flushing the upper dir); the directories stay until `dispose`. */
  unmount(): void;
  /** Unmounts when still mounted and removes every directory of the overlay. */
  dispose(): Promise<void>;
}

/** Mounts an overlay of `lowerDirs` (top-most first; empty for scratch) in a new dir under `tmpRoot`. */
export function mountOverlay(tmpRoot: string, lowerDirs: readonly string[]): Overlay {
  fs.mkdirSync(tmpRoot, { recursive: true, mode: 0o700 });
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'ov-'));
  let mounted = false;
  let merged: string;
  let upper: string;
  const cwd = process.cwd();
  try {
    const lowers = [...lowerDirs];
    if (lowers.length === 0) {
      const empty = path.join(dir, 'empty');
      fs.mkdirSync(empty, { mode: 0o755 });
      lowers.push(empty);
    }
    const prepared = prepareRootfs(dir, { lowerDirs: lowers });
    merged = prepared.merged;
    upper = path.join(prepared.rootDir, 'upper');
    fs.chmodSync(merged, 0o755);
    if (prepared.init.kind !== 'overlay') throw new Error('overlay expected');
    // Relative option paths keep the string under a page; mount(2) resolves them against the cwd.
    process.chdir(prepared.rootDir);
    mount('overlay', merged, 'overlay', 0, prepared.init.options);
    mounted = true;
  } catch (err) {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    process.chdir(cwd);
  }
  const unmount = (): void => {
    if (!mounted) return;
    mounted = false;
    try {
      umount(merged);
    } catch {
      umount(merged, MNT_DETACH);
    }
  };
  return {
    merged,
    upper,
    unmount,
    dispose: async () => {
      unmount(); // throws rather than let rm reach through a live mount
      await fs.promises.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Unmounts and removes overlay dirs a previous agent left under `tmpRoot`. */
export function cleanStaleOverlays(tmpRoot: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(tmpRoot);
  } catch {
    return;
  }
  for (const n of names) {
    const merged = path.join(tmpRoot, n, 'rootfs', 'merged');
    if (isMountPoint(merged)) {
      try {
        umount(merged, MNT_DETACH);
      } catch {
        /* nothing more to do */
      }
      if (isMountPoint(merged)) continue; // never remove through a live mount
    }
    fs.rmSync(path.join(tmpRoot, n), { recursive: true, force: true });
  }
}
