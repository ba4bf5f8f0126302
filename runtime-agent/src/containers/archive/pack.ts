/**
 * A tar stream of a file or directory tree (docker cp from a container, export): ownership,
 * modes, mtimes, symlinks (never followed), hardlinks and device nodes preserved; the root entry
 * is named `baseName`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pack, type Pack } from 'tar-stream';

interface WalkItem {
  host: string;
  name: string;
}

function entryType(
  st: fs.Stats,
): 'file' | 'directory' | 'symlink' | 'character-device' | 'block-device' | 'fifo' | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isFIFO()) return 'fifo';
  return undefined; // sockets are not archived
}

// glibc's dev_t encoding; the high word is read arithmetically (JS shifts are 32-bit).
function major(rdev: number): number {
  const high = Math.floor(rdev / 2 ** 32);
  return ((rdev >>> 8) & 0xfff) | (high & ~0xfff);
}
function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >>> 12) & ~0xff & 0xfffff);
}

async function addEntry(p: Pack, item: WalkItem, st: fs.Stats, links: Map<string, string>): Promise<void> {
  const type = entryType(st);
  if (!type) return;
  const base = {
    name: item.name,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtime: st.mtime,
  };
  if (type === 'file' && st.nlink > 1) {
    const key = `${st.dev}:${st.ino}`;
    const first = links.get(key);
    if (first) {
      await new Promise<void>((res, rej) =>
        p.entry({ ...base, type: 'link', linkname: first, size: 0 }, (e) => (e ? rej(e) : res())),
      );
      return;
    }
    links.set(key, item.name);
  }
  if (type === 'file') {
    await new Promise<void>((resolve, reject) => {
      const sink = p.entry({ ...base, type, size: st.size }, (err) => (err ? reject(err) : resolve()));
      const src = fs.createReadStream(item.host);
      src.on('error', (err) => {
        sink.destroy(err);
        reject(err);
      });
      src.pipe(sink);
    });
    return;
  }
  const extra =
    type === 'symlink'
      ? { linkname: fs.readlinkSync(item.host) }
      : type === 'character-device' || type === 'block-device'
        ? { devmajor: major(st.rdev), devminor: minor(st.rdev) }
        : {};
  const name = type === 'directory' && !item.name.endsWith('/') ? `${item.name}/` : item.name;
  await new Promise<void>((res, rej) =>
    p.entry({ ...base, name, type, size: 0, ...extra }, (e) => (e ? rej(e) : res())),
  );
}

/** Stream a tar of `hostPath` whose top entry is `baseName` (children under `baseName/`). */
export function packPath(hostPath: string, baseName: string): Pack {
  const p = pack();
  const links = new Map<string, string>();
  const walk = async (item: WalkItem): Promise<void> => {
    const st = fs.lstatSync(item.host);
    await addEntry(p, item, st, links);
    if (st.isDirectory()) {
      for (const child of fs.readdirSync(item.host).sort()) {
        await walk({ host: path.join(item.host, child), name: item.name === '' ? child : `${item.name}/${child}` });
      }
    }
  };
  walk({ host: hostPath, name: baseName }).then(
    () => p.finalize(),
    (err: unknown) => p.destroy(err as Error),
  );
  return p;
}
