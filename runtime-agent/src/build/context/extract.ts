/**
 * Extracts a context tar into a directory without trusting it: absolute names and `..` are refused,
 * no entry is written through a symlink (a path whose parent is a symlink is refused), hard links
 * must point at a file inside the archive, devices and FIFOs are skipped (reported), and a size
 * limit can be enforced. Ownership is not applied (COPY sets it); modes and mtimes are.
 */
import { constants as fsc, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InvalidArgument, ResourceExhausted } from '../../errdefs';
import type { TarEntry, TarHeader } from './tar-reader';

export interface ExtractLimits {
  /** Total bytes of file data. */
  maxBytes?: number;
  maxEntries?: number;
}

export interface ExtractResult {
  entries: number;
  bytes: number;
  /** Entries not extracted (devices, FIFOs), as `name (type)`. */
  skipped: string[];
}

/** A tar entry name as a clean relative path; '' for the root itself. */
export function safeEntryName(name: string): string {
  if (name.startsWith('/')) throw new InvalidArgument(`invalid tar entry ${JSON.stringify(name)}: absolute path`);
  const parts: string[] = [];
  for (const comp of name.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp === '..') throw new InvalidArgument(`invalid tar entry ${JSON.stringify(name)}: path escapes the context`);
    if (comp.includes('\0')) throw new InvalidArgument(`invalid tar entry ${JSON.stringify(name)}`);
    parts.push(comp);
  }
  return parts.join('/');
}

async function lstatOrUndefined(p: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

class Extractor {
  private readonly dirModes = new Map<string, { mode: number; mtime: Date }>();
  readonly result: ExtractResult = { entries: 0, bytes: 0, skipped: [] };

  constructor(
    private readonly root: string,
    private readonly limits: ExtractLimits,
  ) {}

  /** Creates the parent directories of `rel`, refusing to pass through anything but real directories. */
  private async parents(rel: string): Promise<void> {
    const comps = rel.split('/').slice(0, -1);
    let cur = this.root;
    for (let i = 0; i < comps.length; i++) {
      cur = path.join(cur, comps[i] as string);
      const st = await lstatOrUndefined(cur);
      if (!st) {
        await fs.mkdir(cur, { mode: 0o755 });
      } else if (!st.isDirectory()) {
        const what = st.isSymbolicLink() ? 'a symlink' : 'not a directory';
        throw new InvalidArgument(
          `invalid tar entry ${JSON.stringify(rel)}: ${comps.slice(0, i + 1).join('/')} is ${what}`,
        );
      }
    }
  }

  /** Removes what is at `p` unless it is a directory and `keepDir`; a removed dir loses its pending mode. */
  private async clear(p: string, keepDir: boolean): Promise<boolean> {
    const st = await lstatOrUndefined(p);
    if (!st) return false;
    if (st.isDirectory() && keepDir) return true;
    await fs.rm(p, { recursive: true, force: true });
    // Its descendants' entries stay; finish() skips them: their path no longer leads to a real dir.
    this.dirModes.delete(p);
    return false;
  }

  async entry(e: TarEntry): Promise<void> {
    const h = e.header;
    const rel = safeEntryName(h.name);
    if (++this.result.entries > (this.limits.maxEntries ?? Infinity)) {
      throw new ResourceExhausted(`build context has more than ${this.limits.maxEntries} entries`);
    }
    if (rel === '') return; // the archive root itself
    await this.parents(rel);
    const target = path.join(this.root, rel);
    switch (h.type) {
      case 'dir':
        if (!(await this.clear(target, true))) await fs.mkdir(target, { mode: 0o700 });
        this.dirModes.set(target, { mode: h.mode, mtime: h.mtime });
        return;
      case 'file':
        await this.file(target, h, e);
        return;
      case 'symlink':
        await this.clear(target, false);
        await fs.symlink(h.linkname, target);
        await fs.lutimes(target, h.mtime, h.mtime).catch(() => undefined);
        return;
      case 'link': {
        const src = safeEntryName(h.linkname);
        if (src !== '') await this.parents(src);
        const srcPath = path.join(this.root, src);
        const st = src === '' ? undefined : await lstatOrUndefined(srcPath);
        if (!st || st.isDirectory()) {
          throw new InvalidArgument(
            `invalid tar entry ${JSON.stringify(h.name)}: hard link to missing file ${h.linkname}`,
          );
        }
        await this.clear(target, false);
        await fs.link(srcPath, target);
        return;
      }
      default:
        this.result.skipped.push(`${rel} (${h.type})`);
    }
  }

  private async file(target: string, h: TarHeader, e: TarEntry): Promise<void> {
    this.result.bytes += h.size;
    if (this.result.bytes > (this.limits.maxBytes ?? Infinity)) {
      throw new ResourceExhausted(`build context is larger than the limit of ${this.limits.maxBytes} bytes`);
    }
    await this.clear(target, false);
    // 'wx' = O_CREAT|O_EXCL: never follows a symlink planted at the target.
    await pipeline(e.body, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    await fs.chmod(target, h.mode);
    await fs.utimes(target, h.mtime, h.mtime);
  }

  /**
   * Directory modes and times last, deepest first, so earlier writes were not blocked. Only
   * directories whose every component (from the root) is still a real directory are touched: a
   * later entry may have replaced one with a symlink, which must never be followed.
   */
  async finish(): Promise<void> {
    const real = new Map<string, boolean>([[this.root, true]]);
    const isRealDir = async (p: string): Promise<boolean> => {
      const known = real.get(p);
      if (known !== undefined) return known;
      const parent = path.dirname(p);
      const ok =
        parent !== p && p.startsWith(this.root + path.sep) && (await isRealDir(parent))
          ? ((await lstatOrUndefined(p))?.isDirectory() ?? false)
          : false;
      real.set(p, ok);
      return ok;
    };
    const dirs = [...this.dirModes.entries()].sort((a, b) => b[0].length - a[0].length);
    for (const [dir, { mode, mtime }] of dirs) {
      if (!(await isRealDir(dir))) continue;
      // Through a descriptor that cannot be a symlink's target: only a real directory is changed.
      let fh: fs.FileHandle;
      try {
        fh = await fs.open(dir, fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR') continue;
        throw err;
      }
      try {
        await fh.chmod(mode);
        await fh.utimes(mtime, mtime);
      } finally {
        await fh.close();
      }
    }
  }
}

/** Extracts all entries into `root` (which must exist and be empty). */
export async function extractTar(
  entries: AsyncIterable<TarEntry>,
  root: string,
  limits: ExtractLimits = {},
): Promise<ExtractResult> {
  const x = new Extractor(root, limits);
  try {
    for await (const e of entries) await x.entry(e);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new ResourceExhausted('no space left on device while extracting the build context', { cause: err });
    }
    throw err;
  }
  await x.finish();
  return x.result;
}
