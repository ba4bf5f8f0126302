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
import { combineFilters, type IgnoreMatcher, type PathFilter } from './dockerignore';
import { type ContentHasher, walk } from './hash';
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
  /**
   * COPY/ADD --exclude: matched against a wildcard candidate's path in the root, and against paths
   * inside a copied directory relative to that directory (`--exclude=*.log logs/` skips logs/a.log).
   */
  excludes?: IgnoreMatcher;
}

/** The root's own filter plus --exclude relative to the directory `dirRel` being copied. */
function dirFilter(root: SourceRoot, dirRel: string, excludes: IgnoreMatcher | undefined): PathFilter | undefined {
  const ex = excludes && !excludes.empty ? excludes : undefined;
  if (!ex) return root.filter;
  const prefix = dirRel === '.' ? '' : `${dirRel}/`;
  const own: PathFilter = {
    excluded: (relToRoot) => ex.ignores(relToRoot.startsWith(prefix) ? relToRoot.slice(prefix.length) : relToRoot),
    hasExceptions: ex.hasExclusions,
  };
  return combineFilters(root.filter, own);
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
    const filter = dirFilter(root, resolved.rel, opts.excludes);
    const digest = await opts.hasher.dir(hostPath, resolved.rel, filter);
    const item: CopySourceItem = { kind: 'path', path: rel, realPath: resolved.rel, hostPath, type: 'dir', digest };
    if (filter) item.filter = filter;
    return item;
  }
  if (!stat.isFile()) throw new NotFound(`${rel} in the ${root.label} is not a regular file or directory`);
  const digest = await opts.hasher.file(hostPath, name);
  const item: CopySourceItem = { kind: 'path', path: rel, realPath: resolved.rel, hostPath, type: 'file', digest };
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
    if (opts.excludes?.ignores(entry.rel)) continue;
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
