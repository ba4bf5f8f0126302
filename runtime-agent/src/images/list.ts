/** GET /images/json: summaries with Docker's filters (dangling, reference, label, before, since). */
import { InvalidArgument } from '../errdefs';
import { matchReferences, labelMatches } from './filters';
import { createdSeconds } from './image-config';
import type { ImageService } from './image-service';
import type { Filters } from './remove';
import { imageSummary, repoTags, type ImageView } from './views';
import { familiarString } from './reference';

export interface ListOptions {
  filters: Filters;
  apiVersion: string;
  /** Compute SharedSize (shared-size=1). */
  sharedSize?: boolean;
  /**
   * Include intermediate images (all=1): untagged images that other images are built on, such as
   * a build's steps. Without it they are hidden, as `docker images` hides them.
   */
  all?: boolean;
}

const KEYS = ['dangling', 'reference', 'label', 'before', 'since', 'until'];

export async function listImages(svc: ImageService, o: ListOptions): Promise<Array<Record<string, unknown>>> {
  for (const k of o.filters.keys()) if (!KEYS.includes(k)) throw new InvalidArgument(`invalid filter '${k}'`);
  const dangling = o.filters.get('dangling')?.[0];
  if (dangling !== undefined && !['true', 'false', '1', '0'].includes(dangling)) {
    throw new InvalidArgument(`invalid filter 'dangling=${dangling}'`);
  }
  const views: ImageView[] = [];
  for (const rec of svc.ctx.store.list()) views.push(await svc.view(rec));
  const createdOf = async (name: string): Promise<number> => createdSeconds((await svc.resolve(name)).config);
  const before = o.filters.get('before')?.[0];
  const since = o.filters.get('since')?.[0];
  const beforeT = before !== undefined ? await createdOf(before) : undefined;
  const sinceT = since !== undefined ? await createdOf(since) : undefined;
  const layerUsers = new Map<string, number>();
  if (o.sharedSize) {
    for (const v of views)
      for (const d of new Set(v.record.layers.map((l) => l.diffId))) {
        layerUsers.set(d, (layerUsers.get(d) ?? 0) + 1);
      }
  }
  const parents = new Set(views.map((v) => v.record.parent).filter((p) => p !== undefined));
  const out: Array<{ created: number; summary: Record<string, unknown> }> = [];
  for (const v of views) {
    if (!o.all && v.refs.length === 0 && parents.has(v.record.id)) continue;
    const tags = repoTags(v.refs);
    if (dangling !== undefined) {
      const want = dangling === 'true' || dangling === '1';
      if (want !== (tags.length === 0)) continue;
    }
    let shownTags: string[] | undefined;
    const patterns = o.filters.get('reference');
    if (patterns?.length) {
      const hits = matchReferences(patterns, v.refs);
      if (hits.length === 0) continue;
      shownTags = hits
        .filter((r) => r.tag)
        .map(familiarString)
        .sort();
    }
    const labels = v.config.config?.Labels;
    if (o.filters.get('label')?.some((f) => !labelMatches(f, labels))) continue;
    const created = createdSeconds(v.config);
    if (beforeT !== undefined && created >= beforeT) continue;
    if (sinceT !== undefined && created <= sinceT) continue;
    let shared: number | undefined;
    if (o.sharedSize) {
      shared = 0;
      for (const l of new Set(v.record.layers.map((x) => x.diffId))) {
        if ((layerUsers.get(l) ?? 0) > 1) shared += svc.ctx.snapshotter.peek(l)?.size ?? 0;
      }
    }
    out.push({ created, summary: imageSummary(v, { apiVersion: o.apiVersion, sharedSize: shared, tags: shownTags }) });
  }
  out.sort((a, b) => b.created - a.created);
  return out.map((x) => x.summary);
}
