/**
 * Pull: resolve the reference (an index picks the platform, default the host's), fetch manifest
 * and config, then every layer in parallel (download into the content store, unpack once into the
 * snapshotter), write the image record last and point the tag and digest at it. Progress follows
 * Docker's per-layer statuses. A layer whose diff ID is already unpacked is not downloaded again.
 */
import { InvalidArgument, NotFound, NotImplemented, isBerthError } from '../errdefs';
import { credentialsFor, type Credentials } from './auth';
import { findLayerBlob, type ImageContext } from './context';
import { shortId, type Digest } from './digest';
import { fetchBlob } from './fetch-blob';
import { configPlatform, parseImageConfig, type ImageConfigFile } from './image-config';
import type { ImageRecord, LayerRef } from './image-store';
import { layerKey, type Lease } from './leases';
import { Limiter } from './limiter';
import {
  MAX_CONFIG_BYTES,
  isIndexType,
  isManifestType,
  layerCompression,
  parseIndex,
  parseManifest,
  type Descriptor,
  type ImageManifest,
  type Platform,
} from './manifest';
import { formatPlatform, hostPlatform, platformMatches, selectManifest } from './platform';
import { noProgress, throttledBytes, type ProgressSink } from './progress';
import { digested, familiarString, tagged, type Reference } from './reference';
import type { Repository } from './registry-client';

export interface PullOptions {
  /** Explicit platform (default: the host's). */
  platform?: Platform | undefined;
  credentials?: Credentials | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressSink | undefined;
}

export interface PullResult {
  image: ImageRecord;
  /** The digest the reference resolved to (an index digest for a multi-platform image). */
  digest: Digest;
  status: 'downloaded' | 'up-to-date';
}

interface Resolved {
  top: Descriptor;
  index?: Descriptor | undefined;
  manifestDesc: Descriptor;
  manifest: ImageManifest;
  manifestData: Buffer;
}

async function resolve(
  ctx: ImageContext,
  repo: Repository,
  ref: Reference,
  platform: Platform | undefined,
  lease: Lease,
): Promise<Resolved> {
  const target = ref.digest ?? ref.tag ?? 'latest';
  let top;
  try {
    top = await repo.getManifest(target);
  } catch (err) {
    if (err instanceof NotFound) {
      throw new NotFound(`manifest for ${familiarString(ref)} not found: manifest unknown: ${err.message}`);
    }
    throw err;
  }
  lease.add(top.digest);
  const topDesc: Descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.data.length };
  if (isIndexType(top.mediaType)) {
    const index = parseIndex(top.data, top.mediaType);
    await ctx.content.put(top.data, { digest: top.digest, size: top.data.length });
    const chosen = selectManifest(index.manifests, platform ?? hostPlatform(), familiarString(ref));
    const m = await repo.getManifest(chosen.digest);
    if (!isManifestType(m.mediaType)) throw new NotImplemented(`nested index ${chosen.digest} is not supported`);
    lease.add(m.digest);
    return {
      top: topDesc,
      index: topDesc,
      manifestDesc: { mediaType: m.mediaType, digest: m.digest, size: m.data.length, platform: chosen.platform },
      manifest: parseManifest(m.data, m.mediaType),
      manifestData: m.data,
    };
  }
  if (!isManifestType(top.mediaType)) {
    // Also refuses schema 1 with its own message (parseManifest).
    parseManifest(top.data, top.mediaType);
    throw new NotImplemented(`unsupported manifest media type "${top.mediaType}"`);
  }
  return {
    top: topDesc,
    manifestDesc: topDesc,
    manifest: parseManifest(top.data, top.mediaType),
    manifestData: top.data,
  };
}

async function loadConfig(ctx: ImageContext, repo: Repository, desc: Descriptor): Promise<ImageConfigFile> {
  if (desc.size > MAX_CONFIG_BYTES) {
    throw new InvalidArgument(`image config ${desc.digest} is too large (${desc.size} bytes)`);
  }
  if (await ctx.content.has(desc.digest))
    return parseImageConfig(await ctx.content.read(desc.digest, MAX_CONFIG_BYTES));
  const data = await repo.fetchSmallBlob(desc.digest, MAX_CONFIG_BYTES);
  // Only a config that parses is stored.
  const config = parseImageConfig(data);
  await ctx.content.put(data, { digest: desc.digest, size: desc.size });
  return config;
}

export async function pullImage(ctx: ImageContext, ref: Reference, o: PullOptions = {}): Promise<PullResult> {
  const progress = o.onProgress ?? noProgress;
  const abort = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, abort.signal]) : abort.signal;
  const creds = credentialsFor(ref.domain, o.credentials, ctx.authFile);
  const repo = ctx.registry.repository(ref, creds, signal);
  const lease = ctx.leases.create();
  try {
    const r = await resolve(ctx, repo, ref, o.platform, lease);
    progress({ kind: 'status', id: ref.digest ?? ref.tag ?? 'latest', status: `Pulling from ${ref.path}` });
    await ctx.content.put(r.manifestData, { digest: r.manifestDesc.digest, size: r.manifestData.length });
    const id = r.manifest.config.digest;
    lease.add(id);
    const config = await loadConfig(ctx, repo, r.manifest.config);
    if (o.platform && !r.index && !platformMatches(o.platform, configPlatform(config))) {
      throw new NotFound(
        `image with reference ${familiarString(ref)} was found but does not match the specified platform: ` +
          `wanted ${formatPlatform(o.platform)}, actual: ${formatPlatform(configPlatform(config))}`,
      );
    }
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== r.manifest.layers.length) {
      throw new InvalidArgument(
        `invalid image ${familiarString(ref)}: the manifest lists ${r.manifest.layers.length} layers, the config ${diffIds.length} diff IDs`,
      );
    }
    const missing = diffIds.filter((d) => !ctx.snapshotter.peek(d)).length;
    if (missing > 0) ctx.snapshotter.warm(missing);
    const downloads = new Limiter(ctx.downloadConcurrency);
    const startedAt = performance.now();
    let fetched = 0;
    const pullLayer = async (desc: Descriptor, diffId: Digest): Promise<LayerRef> => {
      const id = shortId(desc.digest);
      lease.add(desc.digest, layerKey(diffId));
      const compression = layerCompression(desc.mediaType);
      if (compression === undefined) throw new NotImplemented(`unsupported layer media type ${desc.mediaType}`);
      if (await ctx.snapshotter.get(diffId)) {
        progress({ kind: 'layer', id, status: 'Already exists' });
        if (await ctx.content.has(desc.digest)) return { diffId, blob: desc };
        const alt = await findLayerBlob(ctx, diffId);
        if (alt) {
          lease.add(alt.digest);
          return { diffId, blob: alt };
        }
        // Unpacked but no blob kept anywhere: fetch the blob (for a later push), no unpack.
        await fetchBlob(ctx.content, repo, desc, { signal });
        return { diffId, blob: desc };
      }
      progress({ kind: 'layer', id, status: 'Pulling fs layer' });
      const bytes = throttledBytes(progress, id, 'Downloading', desc.size);
      let done = false;
      const got = await downloads.run(
        () =>
          fetchBlob(ctx.content, repo, desc, {
            signal,
            onBytes: (n) => {
              bytes(n);
              if (n === desc.size && !done) {
                done = true;
                progress({ kind: 'layer', id, status: 'Verifying Checksum' });
              }
            },
            onRetry: (s) => progress({ kind: 'layer', id, status: `Retrying in ${s} second${s === 1 ? '' : 's'}` }),
          }),
        () => progress({ kind: 'layer', id, status: 'Waiting' }),
      );
      if (got) fetched++;
      progress({ kind: 'layer', id, status: 'Download complete' });
      const downloadedAt = performance.now();
      await ctx.snapshotter.apply({
        file: ctx.content.blobPath(desc.digest),
        compression,
        expectDiffId: diffId,
        onProgress: throttledBytes(progress, id, 'Extracting', desc.size) as (read: number) => void,
      });
      progress({ kind: 'layer', id, status: 'Pull complete' });
      ctx.log.debug('layer pulled', {
        layer: desc.digest,
        bytes: desc.size,
        downloadMs: (downloadedAt - startedAt).toFixed(1),
        unpackMs: (performance.now() - downloadedAt).toFixed(1),
      });
      return { diffId, blob: desc };
    };
    const settled = await Promise.allSettled(
      r.manifest.layers.map((d, i) =>
        pullLayer(d, diffIds[i]!).catch((err: unknown) => {
          abort.abort(err);
          throw err;
        }),
      ),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      // The first real failure, not a sibling's "aborted".
      const first = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && isBerthError(s.reason));
      throw (first ?? failed).reason;
    }
    const layers = settled.map((s) => (s as PromiseFulfilledResult<LayerRef>).value);
    const image = await ctx.store.put({
      id,
      config: r.manifest.config,
      layers,
      manifests: [r.manifestDesc],
      indexes: r.index ? [r.index] : [],
      storedAt: new Date().toISOString(),
    });
    const key = ref.digest ? digested(ref, ref.digest) : tagged(ref, ref.tag ?? 'latest');
    const before = ctx.store.lookupRef(key);
    await ctx.store.setRef(digested(ref, r.top.digest), id);
    if (!ref.digest) await ctx.store.setRef(key, id);
    progress({ kind: 'status', status: `Digest: ${r.top.digest}` });
    const status = before === id && fetched === 0 ? 'up-to-date' : 'downloaded';
    progress({
      kind: 'status',
      status: `Status: ${status === 'up-to-date' ? 'Image is up to date' : 'Downloaded newer image'} for ${familiarString(ref)}`,
    });
    return { image, digest: r.top.digest, status };
  } finally {
    lease.release();
  }
}
