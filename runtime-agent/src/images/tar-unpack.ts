/**
 * Applies a layer tar to an EMPTY directory of its own, as the overlay snapshotter needs:
 *  - `.wh.NAME` becomes an overlayfs whiteout (0/0 character device) and `.wh..wh..opq` the
 *    `trusted.overlay.opaque=y` xattr on its directory; per the OCI spec a whiteout only hides
 *    lower layers, so a file of the same layer wins over its whiteout in either order;
 *  - ownership, modes (setuid included), mtimes, xattrs, hard links and symlinks are preserved;
 *  - hostile entries are refused before anything is written for them: absolute names, `..`,
 *    anything under a symlink or a non-directory, hard links to paths outside this layer, device
 *    nodes, overlay xattrs.
 * Safety does not depend on re-reading the disk: the directory starts empty and this class records
 * the kind of every path it creates, so a parent is known to be a real directory (never a symlink)
 * without following anything. Files are opened O_EXCL|O_NOFOLLOW on paths whose parents are known.
 * Synchronous by design: it runs in a worker thread (unpack-worker.ts), off the daemon's event loop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgument } from '../errdefs';
import { lsetxattr, mknod } from '../sys/fsnodes';
import type { TarHeader, TarSink } from './tar/reader';

export class HostileLayer extends InvalidArgument {}

export interface UnpackOptions {
  /** 'overlay' converts AUFS-style whiteouts to overlayfs ones; 'keep' extracts them as plain files. */
  whiteouts: 'overlay' | 'keep';
  /** Device nodes are refused unless this is set. */
  allowDevices?: boolean;
  /** Apply tar ownership (default: when running as root). */
  chown?: boolean;
}

export interface UnpackStats {
  entries: number;
  /** Sum of regular file sizes (the layer's size as `docker images` counts it). */
  fileBytes: number;
}

type Kind = 'dir' | 'file' | 'symlink' | 'whiteout' | 'other';

const WH_PREFIX = '.wh.';
const WH_META_PREFIX = '.wh..wh.';
const OPAQUE = '.wh..wh..opq';
const O_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** Normalise an entry name to a relative path ("" = the layer root); refuse escapes. */
export function cleanEntryName(name: string): string {
  if (name.startsWith('/')) throw new HostileLayer(`refusing entry with an absolute path: "${name}"`);
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') throw new HostileLayer(`refusing entry with ".." in its path: "${name}"`);
    parts.push(p);
  }
  return parts.join('/');
}

export class LayerUnpacker implements TarSink {
  private readonly kinds = new Map<string, Kind>([['', 'dir']]);
  private readonly dirTimes: Array<[string, number, number]> = [];
  private fd: number | undefined;
  private cur: TarHeader | undefined;
  private curPath = '';
  private readonly chown: boolean;
  readonly stats: UnpackStats = { entries: 0, fileBytes: 0 };

  constructor(
    readonly root: string,
    private readonly opts: UnpackOptions,
  ) {
    this.chown = opts.chown ?? process.getuid?.() === 0;
    fs.mkdirSync(root, { recursive: true, mode: 0o755 });
    if (fs.readdirSync(root).length !== 0) throw new Error(`unpack target ${root} is not empty`);
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : path.join(this.root, rel);
  }

  /** Make sure every parent of `rel` is a real directory of this layer, creating missing ones. */
  private ensureParents(rel: string, entryName: string): void {
    let i = rel.indexOf('/');
    while (i >= 0) {
      const dir = rel.slice(0, i);
      const k = this.kinds.get(dir);
      if (k === undefined) {
        fs.mkdirSync(this.abs(dir), 0o755);
        this.kinds.set(dir, 'dir');
      } else if (k === 'symlink') {
        throw new HostileLayer(`refusing "${entryName}": its parent "${dir}" is a symlink in this layer`);
      } else if (k !== 'dir') {
        throw new HostileLayer(`refusing "${entryName}": its parent "${dir}" is not a directory`);
      }
      i = rel.indexOf('/', i + 1);
    }
  }

  /** Remove what is at `rel` (a path of this layer) unless keeping a directory for a directory. */
  private clear(rel: string, keepDir: boolean): void {
    const k = this.kinds.get(rel);
    if (k === undefined) return;
    if (k === 'dir') {
      if (keepDir) return;
      if (rel === '') throw new HostileLayer('refusing to replace the layer root');
      fs.rmSync(this.abs(rel), { recursive: true, force: true });
      const prefix = rel + '/';
      for (const key of [...this.kinds.keys()]) if (key.startsWith(prefix)) this.kinds.delete(key);
    } else {
      fs.unlinkSync(this.abs(rel));
    }
    this.kinds.delete(rel);
  }

  entry(h: TarHeader): void {
    this.stats.entries++;
    this.cur = undefined;
    const rel = cleanEntryName(h.name);
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    if (this.opts.whiteouts === 'overlay' && base.startsWith(WH_PREFIX)) {
      this.whiteout(rel, base, h);
      return;
    }
    if (rel === '' && h.type !== 'directory')
      throw new HostileLayer(`refusing a non-directory entry for the layer root`);
    this.ensureParents(rel, h.name);
    switch (h.type) {
      case 'directory':
        this.clear(rel, true);
        if (!this.kinds.has(rel)) {
          fs.mkdirSync(this.abs(rel), 0o700);
          this.kinds.set(rel, 'dir');
        }
        this.meta(rel, h, 'dir');
        return;
      case 'file':
        this.clear(rel, false);
        this.fd = fs.openSync(this.abs(rel), O_FLAGS, 0o600);
        this.kinds.set(rel, 'file');
        this.cur = h;
        this.curPath = rel;
        this.stats.fileBytes += h.size;
        return;
      case 'symlink':
        if (h.linkname === '') throw new HostileLayer(`refusing symlink "${h.name}" with an empty target`);
        this.clear(rel, false);
        fs.symlinkSync(h.linkname, this.abs(rel));
        this.kinds.set(rel, 'symlink');
        this.meta(rel, h, 'symlink');
        return;
      case 'link':
        this.hardlink(rel, h);
        return;
      case 'fifo':
        this.clear(rel, false);
        mknod(this.abs(rel), 'fifo', 0o600);
        this.kinds.set(rel, 'other');
        this.meta(rel, h, 'other');
        return;
      case 'char':
      case 'block':
        if (this.opts.whiteouts === 'overlay' && h.type === 'char' && h.devmajor === 0 && h.devminor === 0) {
          // Already in overlayfs form (some tools write whiteouts this way).
          this.clear(rel, false);
          mknod(this.abs(rel), 'char', 0);
          this.kinds.set(rel, 'whiteout');
          return;
        }
        if (!this.opts.allowDevices) {
          throw new HostileLayer(
            `refusing device node "${h.name}" (${h.type} ${h.devmajor}:${h.devminor}): image layers may not create devices`,
          );
        }
        this.clear(rel, false);
        mknod(this.abs(rel), h.type, 0o600, h.devmajor, h.devminor);
        this.kinds.set(rel, 'other');
        this.meta(rel, h, 'other');
        return;
    }
  }

  private whiteout(rel: string, base: string, h: TarHeader): void {
    const dirRel = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    this.ensureParents(rel, h.name);
    if (base === OPAQUE) {
      if (!this.kinds.has(dirRel)) {
        fs.mkdirSync(this.abs(dirRel), 0o755);
        this.kinds.set(dirRel, 'dir');
      }
      if (this.kinds.get(dirRel) !== 'dir') throw new HostileLayer(`opaque marker "${h.name}" in a non-directory`);
      lsetxattr(this.abs(dirRel), 'trusted.overlay.opaque', Buffer.from('y'));
      return;
    }
    if (base.startsWith(WH_META_PREFIX)) return; // AUFS metadata (.wh..wh.plnk …): not content
    const name = base.slice(WH_PREFIX.length);
    if (name === '' || name === '.' || name === '..') throw new HostileLayer(`invalid whiteout "${h.name}"`);
    const target = dirRel === '' ? name : `${dirRel}/${name}`;
    if (this.kinds.has(target)) return; // the same layer's own entry wins over its whiteout
    mknod(this.abs(target), 'char', 0);
    this.kinds.set(target, 'whiteout');
    if (this.chown) fs.lchownSync(this.abs(target), h.uid, h.gid);
  }

  private hardlink(rel: string, h: TarHeader): void {
    let target: string;
    try {
      target = cleanEntryName(h.linkname);
    } catch {
      throw new HostileLayer(`refusing hard link "${h.name}" to "${h.linkname}": target outside the layer`);
    }
    const k = this.kinds.get(target);
    if (k === undefined) {
      throw new HostileLayer(`refusing hard link "${h.name}" to "${h.linkname}": target is not in this layer`);
    }
    if (k === 'dir' || k === 'whiteout') throw new HostileLayer(`refusing hard link "${h.name}" to a ${k}`);
    if (target === rel) throw new HostileLayer(`refusing hard link "${h.name}" to itself`);
    this.clear(rel, false);
    fs.linkSync(this.abs(target), this.abs(rel));
    this.kinds.set(rel, k);
  }

  data(chunk: Buffer): void {
    if (this.fd === undefined) return;
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
  }

  entryEnd(): void {
    const h = this.cur;
    if (!h || this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    this.cur = undefined;
    try {
      if (this.chown) fs.fchownSync(fd, h.uid, h.gid);
      fs.fchmodSync(fd, h.mode);
      this.xattrs(this.curPath, h);
      fs.futimesSync(fd, h.atime ?? h.mtime, h.mtime);
    } finally {
      fs.closeSync(fd);
    }
  }

  private meta(rel: string, h: TarHeader, kind: Kind): void {
    const p = this.abs(rel);
    if (this.chown) fs.lchownSync(p, h.uid, h.gid);
    if (kind !== 'symlink') fs.chmodSync(p, h.mode);
    this.xattrs(rel, h);
    if (kind === 'dir') this.dirTimes.push([rel, h.atime ?? h.mtime, h.mtime]);
    else fs.lutimesSync(p, h.atime ?? h.mtime, h.mtime);
  }

  private xattrs(rel: string, h: TarHeader): void {
    for (const [name, value] of h.xattrs) {
      if (name.startsWith('trusted.overlay.')) {
        throw new HostileLayer(`refusing overlayfs xattr "${name}" on "${h.name}"`);
      }
      try {
        lsetxattr(this.abs(rel), name, value);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A file system without xattr support or an LSM refusing a label: Docker skips these too.
        if (
          code === 'ENOTSUP' ||
          (code === 'EPERM' && name.startsWith('security.') && name !== 'security.capability')
        ) {
          continue;
        }
        throw err;
      }
    }
  }

  /** Directory mtimes last: creating their children changed them. */
  finish(): UnpackStats {
    if (this.fd !== undefined) throw new Error('unpack finished inside an entry');
    for (const [rel, atime, mtime] of this.dirTimes) {
      if (this.kinds.get(rel) === 'dir') fs.lutimesSync(this.abs(rel), atime, mtime);
    }
    return this.stats;
  }

  /** Release the open file, if any (the caller removes the directory). */
  abort(): void {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
