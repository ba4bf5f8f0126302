/**
 * COPY/ADD source resolution in a source root (the build context, or a stage's or image's root
 * file system): leading `/` and `./` dropped, `..` out of the root refused, wildcards matched with
 * Go's filepath.Match against every path of the root (a `*` stays within one path element), a
 * source that is a symlink followed inside the root, and content digests for the cache key.
 */
import { InvalidArgument, NotFound, NotImplemented } from '../../errdefs';
import type { CopySourceItem } from '../planner/types';
import { detectArchive } from './archive';
import { BadPatternError, compileMatch, containsWildcards, goMatch } from './go-path';
import { type ContentHasher, type PathFilter, walk } from './hash';
import { cleanRelative, resolveInRoot } from './scoped-path';

export interface SourceRoot {
  dir: string;
  /** `build context`, `stage builder`, `image busybox` — used in messages. */
  label: string;
  /** Entries that are not there for COPY (.dockerignore of a directory context, --exclude). */
  filter?: PathFilter;
}

export interface ResolveOptions {
  hasher: ContentHasher;
  /** ADD: detect local archives. */
  detectArchives: boolean;
}

function notFound(root: SourceRoot, rel: string): NotFound {
  if (root.label === 'build context') {
    return new NotFound(
      `file not found in build context or excluded by .dockerignore: stat ${rel}: file does not exist`,
    );
  }
  return new NotFound(`file not found in ${root.label}: stat ${rel}: file does not exist`);
}

async function resolveOne(root: SourceRoot, rel: string, opts: ResolveOptions): Promise<CopySourceItem> {
  if (rel !== '.' && root.filter?.excluded(rel)) throw notFound(root, rel);
  let resolved;
  try {
    resolved = await resolveInRoot(root.dir, rel, root.label);
  } catch (err) {
    if (err instanceof NotFound) throw notFound(root, rel);
    throw err;
  }
  const { hostPath, stat } = resolved;
  const name = rel === '.' ? '.' : (rel.split('/').pop() as string);
  if (stat.isDirectory()) {
    const digest = await opts.hasher.dir(hostPath, resolved.rel, root.filter);
    return { kind: 'path', path: rel, hostPath, type: 'dir', digest };
  }
  if (!stat.isFile()) throw new NotFound(`${rel} in the ${root.label} is not a regular file or directory`);
  const digest = await opts.hasher.file(hostPath, name);
  const item: CopySourceItem = { kind: 'path', path: rel, hostPath, type: 'file', digest };
  if (opts.detectArchives) {
    const archive = await detectArchive(hostPath);
    if (archive && !archive.verified) {
      throw new NotImplemented(
        `ADD cannot extract ${rel}: ${archive.compression}-compressed archives are not supported by Berth`,
      );
    }
    if (archive) item.archive = { compression: archive.compression };
  }
  return item;
}

async function resolveWildcard(root: SourceRoot, pattern: string, opts: ResolveOptions): Promise<CopySourceItem[]> {
  try {
    compileMatch(pattern);
  } catch (err) {
    if (err instanceof BadPatternError) throw new InvalidArgument(err.message);
    throw err;
  }
  const out: CopySourceItem[] = [];
  for await (const entry of walk(root.dir, '.', root.filter)) {
    if (!goMatch(pattern, entry.rel)) continue;
    out.push(await resolveOne(root, entry.rel, opts));
  }
  return out;
}

/** All sources of one COPY/ADD (URLs excluded), in order. May be empty when only wildcards were given. */
export async function resolveLocalSources(
  root: SourceRoot,
  sources: readonly string[],
  opts: ResolveOptions,
): Promise<CopySourceItem[]> {
  const items: CopySourceItem[] = [];
  for (const orig of sources) {
    const rel = cleanRelative(orig, root.label);
    if (containsWildcards(rel)) items.push(...(await resolveWildcard(root, rel, opts)));
    else items.push(await resolveOne(root, rel, opts));
  }
  return items;
}
