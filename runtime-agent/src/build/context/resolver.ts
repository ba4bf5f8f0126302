/**
 * The CopySourceResolver for a build: context sources (with .dockerignore and --exclude), ADD
 * URLs (downloaded into the context's scratch directory), and stage or image sources through a
 * callback the executor provides (it mounts those root file systems).
 */
import { InvalidArgument, NotImplemented } from '../../errdefs';
import type { CopySourceItem, CopySourceRequest, CopySourceResolver, SourceRef } from '../planner/types';
import type { BuildContext } from './build-context';
import { resolveLocalSources, type SourceRoot } from './copy-sources';
import { IgnoreMatcher } from './dockerignore';
import { downloadUrl, isUrl } from './url-source';

export type ExternalRoot = (ref: Exclude<SourceRef, { kind: 'context' }>) => Promise<SourceRoot>;

const reDigest = /^sha256:[a-f0-9]{64}$/;

export class ContextSourceResolver implements CopySourceResolver {
  constructor(
    private readonly ctx: BuildContext,
    private readonly external?: ExternalRoot,
    private readonly signal?: AbortSignal,
  ) {}

  private async root(ref: SourceRef): Promise<SourceRoot> {
    if (ref.kind === 'context') return this.ctx.sourceRoot();
    if (this.external) return this.external(ref);
    const what = ref.kind === 'stage' ? `stage ${ref.index}` : ref.ref;
    throw new NotImplemented(`sources from ${what} need the executor`);
  }

  async resolve(req: CopySourceRequest): Promise<CopySourceItem[]> {
    if (req.checksum !== undefined && !reDigest.test(req.checksum)) {
      throw new InvalidArgument(`invalid checksum digest format: ${req.checksum}`);
    }
    const root = await this.root(req.from);
    const excludes = req.excludes.length > 0 ? new IgnoreMatcher(req.excludes) : undefined;
    const items: CopySourceItem[] = [];
    for (const src of req.sources) {
      if (isUrl(src)) {
        if (!req.add) throw new InvalidArgument("source can't be a URL for COPY");
        const d = await downloadUrl(src, {
          dir: await this.ctx.scratchDir(),
          ...(req.checksum !== undefined ? { checksum: req.checksum } : {}),
          ...(this.signal ? { signal: this.signal } : {}),
        });
        const item: CopySourceItem = { kind: 'url', url: d.url, hostPath: d.hostPath, digest: d.digest };
        if (d.filename !== undefined) item.filename = d.filename;
        if (d.mtime) item.mtime = d.mtime;
        items.push(item);
        continue;
      }
      if (req.checksum !== undefined) throw new InvalidArgument("checksum can't be specified for non-HTTP(S) sources");
      const opts = { hasher: this.ctx.hasher, detectArchives: req.add, ...(excludes ? { excludes } : {}) };
      items.push(...(await resolveLocalSources(root, [src], opts)));
    }
    return items;
  }
}
