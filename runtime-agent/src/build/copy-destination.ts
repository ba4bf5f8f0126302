/**
 * Docker's COPY/ADD destination rules, for the executor (it knows whether the destination exists
 * as a directory in the parent file system; the planner knows everything else):
 * - a directory source is merged into the destination (created if missing);
 * - ADD of a local archive is extracted into the destination;
 * - a file (or URL, or heredoc) goes to `dest/<name>` when the destination ends with `/` (or is
 *   `.`) or already is a directory, and to `dest` itself otherwise.
 */
import path from 'node:path/posix';
import type { CopySpec } from './planner/types';

export type CopyAction =
  { action: 'merge-dir'; target: string } | { action: 'extract'; target: string } | { action: 'file'; target: string };

export type CopyEntry = CopySpec['sources'][number] | { kind: 'content'; name: string };

const trimSlash = (p: string): string => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);

export function copyTarget(
  entry: CopyEntry,
  step: Pick<CopySpec, 'dest' | 'destIsDir' | 'extractArchives'>,
  destExistsAsDir: boolean,
): CopyAction {
  const dest = trimSlash(step.dest);
  if (entry.kind === 'path' && entry.type === 'dir') return { action: 'merge-dir', target: dest };
  if (entry.kind === 'path' && entry.archive && step.extractArchives) return { action: 'extract', target: dest };
  const name =
    entry.kind === 'content'
      ? entry.name
      : entry.kind === 'url'
        ? (entry.filename ?? '__unnamed__')
        : path.basename(entry.path);
  const intoDir = step.destIsDir || destExistsAsDir;
  return { action: 'file', target: intoDir ? path.join(dest, name) : dest };
}
