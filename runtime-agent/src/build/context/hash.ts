/**
 * Content + metadata digests of COPY/ADD sources for the cache: type, permission bits, owner,
 * size, symlink target and file content; not timestamps (touching a file does not invalidate the
 * cache, as with Docker's tarsum). Directories hash their entries' names relative to the copied
 * directory, in sorted order. Results are memoised per build.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

import type { PathFilter } from './dockerignore';

export type { PathFilter };

function meta(st: Stats, link: string): string {
  const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : 'o';
  const size = st.isFile() ? st.size : 0;
  return `${type} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${size} ${JSON.stringify(link)}`;
}

async function fileContentHash(p: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(p)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export class ContentHasher {
  private readonly memo = new Map<string, Promise<string>>();

  /** Digest of one entry (no symlink following): metadata and, for files, content. */
  private entry(hostPath: string, st: Stats): Promise<string> {
    const key = `e:${hostPath}`;
    let p = this.memo.get(key);
    if (!p) {
      p = (async () => {
        const link = st.isSymbolicLink() ? await fs.readlink(hostPath) : '';
        const content = st.isFile() ? await fileContentHash(hostPath) : '';
        return createHash('sha256')
          .update(`${meta(st, link)}\n${content}`)
          .digest('hex');
      })();
      this.memo.set(key, p);
    }
    return p;
  }

  /** `file:<hex>` for a regular file copied under `name`. */
  async file(hostPath: string, name: string): Promise<string> {
    const st = await fs.stat(hostPath);
    const h = await this.entry(hostPath, st);
    return (
      'file:' +
      createHash('sha256')
        .update(`${JSON.stringify(name)}\n${h}`)
        .digest('hex')
    );
  }

  /**
   * `dir:<hex>` for a directory copied with its contents. `relToRoot` is the directory's path in
   * its source root, for the exclude filter.
   */
  async dir(hostPath: string, relToRoot: string, exclude?: PathFilter): Promise<string> {
    const lines: string[] = [];
    const rootStat = await fs.stat(hostPath);
    lines.push(`. ${await this.entry(hostPath, rootStat)}`);
    for await (const { rel, hostPath: p, stat } of walk(hostPath, relToRoot, exclude)) {
      lines.push(`${JSON.stringify(rel)} ${await this.entry(p, stat)}`);
    }
    lines.sort();
    return 'dir:' + createHash('sha256').update(lines.join('\n')).digest('hex');
  }
}

export interface WalkEntry {
  /** Relative to the walked directory. */
  rel: string;
  hostPath: string;
  stat: Stats;
}

/** Depth-first, lexical order, never following symlinks; excluded entries (and their subtrees) skipped. */
export async function* walk(
  dir: string,
  relToRoot: string,
  exclude?: PathFilter,
  prefix = '',
): AsyncGenerator<WalkEntry> {
  const names = (await fs.readdir(dir)).sort();
  for (const name of names) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const rootRel = relToRoot === '.' || relToRoot === '' ? rel : `${relToRoot}/${rel}`;
    const hostPath = path.join(dir, name);
    if (exclude?.excluded(rootRel)) {
      if (!exclude.hasExceptions) continue;
      const stat = await fs.lstat(hostPath);
      if (stat.isDirectory()) yield* walk(hostPath, relToRoot, exclude, rel);
      continue;
    }
    const stat = await fs.lstat(hostPath);
    yield { rel, hostPath, stat };
    if (stat.isDirectory()) yield* walk(hostPath, relToRoot, exclude, rel);
  }
}
