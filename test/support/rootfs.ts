/**
 * Root file systems as directories for runtime tests: the busybox rootfs materialised from
 * `busyboxRootfsEntries()`, and overlay lower dirs built from tar-entry layers with whiteouts in
 * overlayfs form (a 0:0 character device for `.wh.NAME`, the trusted.overlay.opaque xattr for
 * `.wh..wh..opq`), as the images snapshotter produces them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { busyboxRootfsEntries } from './images';
import type { TarEntry } from './tar';

type Fn = (...args: unknown[]) => number;
let xfns: { setxattr: Fn; mknod: Fn } | undefined;

function libc(): { setxattr: Fn; mknod: Fn } {
  if (xfns) return xfns;
  const req = createRequire(import.meta.url);
  const pkg = path.dirname(req.resolve(`@koromix/koffi-linux-${process.arch}/package.json`));
  const koffi = req(path.join(pkg, `linux_${process.arch}`, 'koffi.node')) as {
    load(n: string): { func(d: string): Fn };
  };
  const lib = koffi.load('libc.so.6');
  xfns = {
    setxattr: lib.func('int setxattr(const char *, const char *, const char *, size_t, int)'),
    mknod: lib.func('int mknod(const char *, unsigned int, unsigned long)'),
  };
  return xfns;
}

/** Write tar entries into `dir` (whiteouts converted to overlayfs form). */
export function writeEntries(dir: string, entries: TarEntry[]): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const e of entries) {
    const name = e.name.replace(/\/$/, '');
    const full = path.join(dir, name);
    const base = path.basename(name);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    if (base === '.wh..wh..opq') {
      const r = libc().setxattr(path.dirname(full), 'trusted.overlay.opaque', 'y', 1, 0);
      if (r !== 0) throw new Error(`setxattr opaque on ${path.dirname(full)} failed`);
      continue;
    }
    if (base.startsWith('.wh.')) {
      const target = path.join(path.dirname(full), base.slice(4));
      if (libc().mknod(target, 0o020000 | 0o600, 0) !== 0) throw new Error(`mknod whiteout ${target} failed`);
      continue;
    }
    const type = e.type ?? 'file';
    if (type === 'directory') fs.mkdirSync(full, { recursive: true });
    else if (type === 'symlink') fs.symlinkSync(e.linkname!, full);
    else if (type === 'link') fs.linkSync(path.join(dir, e.linkname!), full);
    else if (type === 'file') fs.writeFileSync(full, e.content ?? '');
    else throw new Error(`entry type ${type} not supported here`);
    if (type !== 'symlink') {
      fs.chmodSync(full, e.mode ?? (type === 'directory' ? 0o755 : 0o644));
      fs.lchownSync(full, e.uid ?? 0, e.gid ?? 0);
    }
  }
}

export interface TestRootfs {
  /** Temp dir holding everything (remove with cleanup()). */
  dir: string;
  cleanup(): void;
}

/** The busybox rootfs as one directory under a new temp dir. */
export function busyboxRootfsDir(extra: TarEntry[] = []): TestRootfs & { rootfs: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rootfs-'));
  const rootfs = path.join(dir, 'rootfs');
  writeEntries(rootfs, [...busyboxRootfsEntries(), ...extra]);
  return { dir, rootfs, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Lower dirs for overlayfs from layers given bottom-most first (as in an image manifest);
 * returns them top-most first, as the runtime takes them.
 */
export function layeredRootfs(layers: TarEntry[][]): TestRootfs & { lowerDirs: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-layers-'));
  const dirs = layers.map((entries, i) => {
    const d = path.join(dir, `layer${i}`);
    writeEntries(d, entries);
    return d;
  });
  return { dir, lowerDirs: dirs.reverse(), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
