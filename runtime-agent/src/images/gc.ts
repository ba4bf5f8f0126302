/**
 * Garbage collection of blobs and unpacked layers no image references and no lease holds.
 * The live set is computed and every removal is marked in ONE synchronous step after the last
 * await, so an operation that takes a lease (synchronously) before checking for content either
 * sees the content kept or waits for its removal and fetches it again — never uses a dying file.
 */
import fs from 'node:fs';
import type { ImageContext } from './context';
import type { Digest } from './digest';
import { layerKey } from './leases';

export interface GcResult {
  blobs: Digest[];
  layers: Digest[];
  /** Bytes freed: unpacked layer contents plus blobs. */
  reclaimed: number;
}

export async function collectGarbage(ctx: ImageContext): Promise<GcResult> {
  const blobs = await ctx.content.list();
  const sizes = new Map<Digest, number>();
  await Promise.all(
    blobs.map(async (d) => {
      try {
        sizes.set(d, (await fs.promises.stat(ctx.content.blobPath(d))).size);
      } catch {
        /* removed meanwhile */
      }
    }),
  );
  // From here on: synchronous until every removal is marked.
  const liveBlobs = new Set<string>();
  const liveLayers = new Set<string>();
  for (const rec of ctx.store.list()) {
    liveBlobs.add(rec.id);
    liveBlobs.add(rec.config.digest);
    for (const m of rec.manifests) liveBlobs.add(m.digest);
    for (const i of rec.indexes) liveBlobs.add(i.digest);
    for (const l of rec.layers) {
      liveBlobs.add(l.blob.digest);
      liveLayers.add(l.diffId);
    }
  }
  const result: GcResult = { blobs: [], layers: [], reclaimed: 0 };
  const removals: Promise<void>[] = [];
  for (const d of blobs) {
    if (liveBlobs.has(d) || ctx.leases.has(d) || !sizes.has(d)) continue;
    result.blobs.push(d);
    result.reclaimed += sizes.get(d)!;
    removals.push(ctx.content.delete(d));
  }
  for (const diffId of ctx.snapshotter.list()) {
    if (liveLayers.has(diffId) || ctx.leases.has(layerKey(diffId))) continue;
    const meta = ctx.snapshotter.peek(diffId);
    if (!meta) continue;
    result.layers.push(diffId);
    result.reclaimed += meta.size;
    removals.push(ctx.snapshotter.remove(diffId));
  }
  await Promise.all(removals);
  if (result.blobs.length || result.layers.length) {
    ctx.log.debug('garbage collected', {
      blobs: result.blobs.length,
      layers: result.layers.length,
      bytes: result.reclaimed,
    });
  }
  return result;
}
