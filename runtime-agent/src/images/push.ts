/**
 * Push: the image's stored manifest is pushed unchanged when all its blobs are here (so the digest
 * stays what was pulled); otherwise an OCI manifest is generated from the layer blobs (layers kept
 * only uncompressed are gzip-compressed once and remembered). Each blob: HEAD first (skip), a
 * cross-repository mount from another repository of the same registry holding it, else a chunked
 * upload. The config goes after the layers and the manifest last.
 */
import { Internal, NotFound, Unavailable, isBerthError } from '../errdefs';
import { credentialsFor } from './auth';
import { findLayerBlob, type ImageContext } from './context';
import { shortId, type Digest } from './digest';
import type { ImageRecord } from './image-store';
import { lazyZlib } from './lazy';
import { Limiter } from './limiter';
import { MAX_MANIFEST_BYTES, MT, layerCompression, ociManifest, parseManifest, type Descriptor } from './manifest';
import { Readable } from 'node:stream';
import type { Credentials } from './auth';
import { noProgress, type ProgressSink } from './progress';
import { digested, familiarName, parseReference, repoName, tagged, type Reference } from './reference';
import type { Repository } from './registry-client';

export interface PushOptions {
  credentials?: Credentials | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressSink | undefined;
}

interface PushPlan {
  mediaType: string;
  data: Buffer;
  config: Descriptor;
  /** Layer blobs with the diff ID they carry (for progress ids). */
  layers: Array<{ blob: Descriptor; diffId: Digest }>;
}

async function gzipBlob(ctx: ImageContext, blob: Descriptor): Promise<Descriptor> {
  const w = await ctx.content.tempWriter();
  try {
    const gz = lazyZlib().createGzip({ level: 6 });
    const src = ctx.content.createReadStream(blob.digest);
    src.on('error', (e) => gz.destroy(e));
    src.pipe(gz);
    await w.writeStream(gz);
    const info = await w.commit();
    return { mediaType: MT.ociLayerGzip, digest: info.digest, size: info.size };
  } catch (err) {
    await w.abort();
    throw err;
  }
}

const OCI_LAYER: Record<string, string> = { gzip: MT.ociLayerGzip, zstd: MT.ociLayerZstd };

async function planPush(ctx: ImageContext, rec: ImageRecord): Promise<PushPlan> {
  for (const m of rec.manifests) {
    if (!(await ctx.content.has(m.digest))) continue;
    const data = await ctx.content.read(m.digest, MAX_MANIFEST_BYTES);
    const man = parseManifest(data, m.mediaType);
    if (man.config.digest !== rec.id || man.layers.length !== rec.layers.length) continue;
    const present = await Promise.all(man.layers.map((l) => ctx.content.has(l.digest)));
    if (present.every(Boolean) && (await ctx.content.has(man.config.digest))) {
      return {
        mediaType: m.mediaType,
        data,
        config: man.config,
        layers: man.layers.map((blob, i) => ({ blob, diffId: rec.layers[i]!.diffId })),
      };
    }
  }
  const layers: PushPlan['layers'] = [];
  let changed = false;
  for (const l of rec.layers) {
    let blob = (await ctx.content.has(l.blob.digest)) ? l.blob : await findLayerBlob(ctx, l.diffId);
    if (!blob) throw new Internal(`layer ${l.diffId} of ${rec.id} has no stored blob to push`);
    const comp = layerCompression(blob.mediaType) ?? 'none';
    if (comp === 'none') {
      blob = await gzipBlob(ctx, blob);
      changed = true;
    } else blob = { mediaType: OCI_LAYER[comp]!, digest: blob.digest, size: blob.size };
    layers.push({ blob, diffId: l.diffId });
  }
  const cfgInfo = await ctx.content.info(rec.id);
  if (!cfgInfo) throw new Internal(`config of ${rec.id} is missing from the content store`);
  const config: Descriptor = { mediaType: MT.ociConfig, digest: rec.id, size: cfgInfo.size };
  const data = ociManifest(
    config,
    layers.map((l) => l.blob),
  );
  const stored = await ctx.content.put(data);
  const desc: Descriptor = { mediaType: MT.ociManifest, digest: stored.digest, size: data.length };
  await ctx.store.update(rec.id, (r) => ({
    ...r,
    layers: changed ? r.layers.map((x, i) => ({ ...x, blob: layers[i]!.blob })) : r.layers,
    manifests: [desc, ...r.manifests.filter((m) => m.digest !== desc.digest)],
  }));
  return { mediaType: MT.ociManifest, data, config, layers };
}

/** Another repository of the same registry that has this blob (for a cross-repository mount). */
function mountSource(ctx: ImageContext, target: Reference, digest: Digest): string | undefined {
  for (const rec of ctx.store.list()) {
    const has = rec.id === digest || rec.layers.some((l) => l.blob.digest === digest);
    if (!has) continue;
    for (const r of ctx.store.refsOf(rec.id)) {
      if (r.domain === target.domain && r.path !== target.path) return r.path;
    }
  }
  return undefined;
}

async function uploadBlob(
  ctx: ImageContext,
  repo: Repository,
  target: Reference,
  blob: Descriptor,
  id: string | undefined,
  progress: ProgressSink,
): Promise<void> {
  if ((await repo.blobExists(blob.digest)) !== undefined) {
    if (id) progress({ kind: 'layer', id, status: 'Layer already exists' });
    return;
  }
  const from = mountSource(ctx, target, blob.digest);
  let lastErr: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const start = await repo.mountOrStart(blob.digest, from);
      if (start.mounted) {
        if (id) progress({ kind: 'layer', id, status: `Mounted from ${from}` });
        return;
      }
      let location = start.location;
      const chunk = Math.max(1, ctx.uploadChunkBytes);
      for (let off = 0; off < blob.size || (off === 0 && blob.size === 0); off += chunk) {
        const len = Math.min(chunk, blob.size - off);
        if (len <= 0) break;
        const s = off;
        location = await repo.uploadChunk(
          location,
          () => {
            const rs = ctx.content.createReadStream(blob.digest, s, s + len - 1);
            let sent = s;
            async function* counted(): AsyncGenerator<Buffer> {
              for await (const c of rs as AsyncIterable<Buffer>) {
                sent += c.length;
                if (id) progress({ kind: 'layer', id, status: 'Pushing', current: sent, total: blob.size });
                yield c;
              }
            }
            return Readable.from(counted(), { objectMode: false });
          },
          off,
          len,
        );
      }
      await repo.finishUpload(location, blob.digest);
      if (id) progress({ kind: 'layer', id, status: 'Pushed' });
      return;
    } catch (err) {
      lastErr = err;
      if (isBerthError(err) && err.kind !== 'Unavailable') throw err;
    }
  }
  throw new Unavailable(`uploading ${blob.digest} failed: ${(lastErr as Error)?.message ?? lastErr}`);
}

async function pushOne(ctx: ImageContext, ref: Reference, o: PushOptions, progress: ProgressSink): Promise<void> {
  const id = ctx.store.lookupRef(ref);
  const rec = id && ctx.store.get(id);
  if (!rec)
    throw new NotFound(
      `An image does not exist locally with the tag: ${familiarName(ref)}${ref.tag ? ':' + ref.tag : ''}`,
    );
  const plan = await planPush(ctx, rec);
  const lease = ctx.leases.create().add(plan.config.digest, ...plan.layers.map((l) => l.blob.digest));
  try {
    const repo = ctx.registry.repository(ref, credentialsFor(ref.domain, o.credentials, ctx.authFile), o.signal);
    for (const l of plan.layers) progress({ kind: 'layer', id: shortId(l.diffId), status: 'Preparing' });
    const limiter = new Limiter(3);
    await Promise.all(
      plan.layers.map((l) =>
        limiter.run(
          () => uploadBlob(ctx, repo, ref, l.blob, shortId(l.diffId), progress),
          () => progress({ kind: 'layer', id: shortId(l.diffId), status: 'Waiting' }),
        ),
      ),
    );
    await uploadBlob(ctx, repo, ref, plan.config, undefined, progress);
    const digest = await repo.putManifest(ref.tag ?? ref.digest ?? 'latest', plan.mediaType, plan.data);
    const tag = ref.tag ?? ref.digest ?? 'latest';
    progress({ kind: 'status', status: `${tag}: digest: ${digest} size: ${plan.data.length}` });
    progress({ kind: 'aux', aux: { Tag: tag, Digest: digest, Size: plan.data.length } });
    await ctx.store.setRef(digested(ref, digest), rec.id);
    ctx.events('push', `${familiarName(ref)}:${tag}`, { name: familiarName(ref) });
  } finally {
    lease.release();
  }
}

export async function pushImage(
  ctx: ImageContext,
  name: string,
  tag: string | undefined,
  o: PushOptions,
): Promise<void> {
  const progress = o.onProgress ?? noProgress;
  const base = parseReference(name);
  let refs: Reference[];
  if (tag) refs = [tagged(base, tag)];
  else if (base.tag || base.digest) refs = [base];
  else {
    refs = ctx.store
      .list()
      .flatMap((r) => ctx.store.refsOf(r.id))
      .filter((r) => r.tag && repoName(r) === repoName(base))
      .sort((a, b) => (a.tag! < b.tag! ? -1 : 1));
    if (refs.length === 0) throw new NotFound(`An image does not exist locally with the tag: ${familiarName(base)}`);
  }
  progress({ kind: 'status', status: `The push refers to repository [${repoName(base)}]` });
  for (const r of refs) await pushOne(ctx, r, o, progress);
}
