/**
 * Import: a root file system tar (plain, gzip or zstd; from the request body or an http(s) URL)
 * becomes a one-layer image whose config comes from `changes`.
 */
import fs from 'node:fs';
import { InvalidArgument } from '../errdefs';
import { applyChanges } from './changes';
import type { ImageContext } from './context';
import { sniffCompression } from './decompress';
import type { Digest } from './digest';
import { encodeImageConfig, type ImageConfigFile } from './image-config';
import { layerKey } from './leases';
import { MT, type Compression, type Platform } from './manifest';
import { hostPlatform } from './platform';
import { throttledBytes, type ProgressSink } from './progress';
import { familiarString, parseReference, tagged, withDefaultTag } from './reference';
import { readBody } from './registry/transport';

export interface ImportOptions {
  repo?: string | undefined;
  tag?: string | undefined;
  changes?: readonly string[] | undefined;
  message?: string | undefined;
  platform?: Platform | undefined;
  onProgress?: ProgressSink | undefined;
}

const LAYER_TYPE: Record<Compression, string> = { none: MT.ociLayer, gzip: MT.ociLayerGzip, zstd: MT.ociLayerZstd };

async function openSource(ctx: ImageContext, src: NodeJS.ReadableStream | URL): Promise<AsyncIterable<Buffer>> {
  if (!(src instanceof URL)) return src as AsyncIterable<Buffer>;
  const res = await ctx.registry.transport.request({ method: 'GET', url: src });
  if (res.status !== 200) {
    const body = await readBody(res.body, 4096, 'error body').catch(() => Buffer.alloc(0));
    throw new InvalidArgument(
      `importing ${src.href}: the server answered ${res.status} ${body.toString('utf8').slice(0, 200)}`,
    );
  }
  return res.body as AsyncIterable<Buffer>;
}

export async function importImage(
  ctx: ImageContext,
  src: NodeJS.ReadableStream | URL,
  o: ImportOptions,
): Promise<Digest> {
  const lease = ctx.leases.create();
  try {
    const blob = await ctx.content.putStream(await openSource(ctx, src));
    lease.add(blob.digest);
    if (blob.size === 0) throw new InvalidArgument('nothing to import: the archive is empty');
    const head = Buffer.alloc(8);
    const fd = fs.openSync(ctx.content.blobPath(blob.digest), 'r');
    try {
      fs.readSync(fd, head, 0, 8, 0);
    } finally {
      fs.closeSync(fd);
    }
    const compression = sniffCompression(head);
    const { meta } = await ctx.snapshotter.apply({
      file: ctx.content.blobPath(blob.digest),
      compression,
      onProgress: o.onProgress
        ? throttledBytes(o.onProgress, blob.digest.slice(7, 19), 'Importing', blob.size)
        : undefined,
    });
    lease.add(layerKey(meta.diffId));
    const p = o.platform ?? hostPlatform();
    const now = new Date().toISOString();
    const config: ImageConfigFile = {
      created: now,
      architecture: p.architecture,
      os: p.os,
      ...(p.variant ? { variant: p.variant } : {}),
      ...(o.message ? { comment: o.message } : {}),
      config: applyChanges({}, o.changes ?? []),
      rootfs: { type: 'layers', diff_ids: [meta.diffId] },
      history: [{ created: now, comment: o.message ?? `Imported from ${src instanceof URL ? src.href : '-'}` }],
    };
    const cfg = await ctx.content.put(encodeImageConfig(config));
    lease.add(cfg.digest);
    await ctx.store.put({
      id: cfg.digest,
      config: { mediaType: MT.ociConfig, digest: cfg.digest, size: cfg.size },
      layers: [
        { diffId: meta.diffId, blob: { mediaType: LAYER_TYPE[compression], digest: blob.digest, size: blob.size } },
      ],
      manifests: [],
      indexes: [],
      storedAt: now,
    });
    let name = cfg.digest as string;
    if (o.repo) {
      const ref = o.tag ? tagged(parseReference(o.repo), o.tag) : withDefaultTag(parseReference(o.repo));
      await ctx.store.setRef(ref, cfg.digest);
      name = familiarString(ref);
    }
    ctx.events('import', cfg.digest, { name });
    return cfg.digest;
  } finally {
    lease.release();
  }
}
