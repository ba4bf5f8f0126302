/**
 * A directory tree as tar entries, for export (a container's root file system) and commit (a
 * container's overlay upper dir as a layer diff). Never follows a symlink: every entry is lstat'ed
 * and files are opened O_NOFOLLOW; hard links inside the tree become tar hard links; xattrs are
 * kept. In diff mode overlayfs whiteouts (0/0 character devices) become `.wh.NAME` entries and
 * opaque directories (trusted.overlay.opaque=y) get a `.wh..wh..opq` entry.
 */
import fs from 'node:fs';
import path from 'node:path';
import { lgetxattr, llistxattr } from '../sys/fsnodes';
import type { TarWriteEntry } from './tar/writer';

export interface TreeOptions {
  /** Convert overlayfs whiteouts and opaque dirs to their tar form (commit). */
  diff: boolean;
  /** Paths (relative, no leading /) left out with everything below them. */
  exclude?: ReadonlySet<string> | undefined;
}

function readXattrs(p: string): Map<string, Buffer> | undefined {
  let names: string[];
  try {
    names = llistxattr(p);
  } catch {
    return undefined;
  }
  const out = new Map<string, Buffer>();
  for (const n of names) {
    if (n.startsWith('trusted.overlay.')) continue;
    const v = lgetxattr(p, n);
    if (v) out.set(n, v);
  }
  return out.size ? out : undefined;
}

/** Exactly `size` bytes of a file: a file that changes while archived is cut or zero-padded. */
async function* fileBody(p: string, size: number): AsyncGenerator<Buffer> {
  const fh = await fs.promises.open(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  let left = size;
  try {
    for await (const c of fh.createReadStream({
      autoClose: false,
      highWaterMark: 256 * 1024,
    }) as AsyncIterable<Buffer>) {
      if (left <= 0) break;
      const take = c.length > left ? c.subarray(0, left) : c;
      left -= take.length;
      yield take;
    }
  } finally {
    await fh.close();
  }
  while (left > 0) {
    const n = Math.min(left, 64 * 1024);
    left -= n;
    yield Buffer.alloc(n);
  }
}

export async function* treeEntries(root: string, o: TreeOptions): AsyncGenerator<TarWriteEntry> {
  const links = new Map<string, string>();
  async function* walk(rel: string): AsyncGenerator<TarWriteEntry> {
    const dir = rel === '' ? root : path.join(root, rel);
    const names = (await fs.promises.readdir(dir)).sort();
    for (const name of names) {
      const r = rel === '' ? name : `${rel}/${name}`;
      if (o.exclude?.has(r)) continue;
      const p = path.join(root, r);
      let st: fs.Stats;
      try {
        st = await fs.promises.lstat(p);
      } catch {
        continue; // vanished while walking
      }
      const common = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) };
      if (st.isCharacterDevice() && st.rdev === 0 && o.diff) {
        const wh = rel === '' ? `.wh.${name}` : `${rel}/.wh.${name}`;
        yield { header: { name: wh, type: 'file', size: 0, ...common, mode: 0o644 } };
        continue;
      }
      const xattrs = readXattrs(p);
      if (st.isDirectory()) {
        yield { header: { name: r, type: 'directory', ...common, xattrs } };
        if (o.diff && lgetxattr(p, 'trusted.overlay.opaque')?.toString() === 'y') {
          yield { header: { name: `${r}/.wh..wh..opq`, type: 'file', size: 0, ...common, mode: 0o644 } };
        }
        yield* walk(r);
      } else if (st.isSymbolicLink()) {
        yield { header: { name: r, type: 'symlink', linkname: await fs.promises.readlink(p), ...common, xattrs } };
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(key) : undefined;
        if (first) {
          yield { header: { name: r, type: 'link', linkname: first, ...common } };
          continue;
        }
        if (st.nlink > 1) links.set(key, r);
        yield { header: { name: r, type: 'file', size: st.size, ...common, xattrs }, body: () => fileBody(p, st.size) };
      } else if (st.isFIFO()) {
        yield { header: { name: r, type: 'fifo', ...common } };
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        yield {
          header: {
            name: r,
            type: st.isCharacterDevice() ? 'char' : 'block',
            devmajor: Math.floor(st.rdev / 256) & 0xfff,
            devminor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00),
            ...common,
          },
        };
      }
      // Sockets are not archived (as tar and Docker skip them).
    }
  }
  yield* walk('');
}
