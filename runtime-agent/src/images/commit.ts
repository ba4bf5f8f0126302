/**
 * Commit: a container's overlay upper dir becomes a new layer (whiteouts and opaque dirs turned
 * into their tar form) on top of its image, with the container's config and `changes` applied.
 * An unchanged container adds no layer, only a history entry marked empty, as dockerd does.
 */
import { NotFound } from '../errdefs';
import { applyChanges } from './changes';
import type { ImageContext } from './context';
import type { Digest } from './digest';
import { encodeImageConfig, type ContainerConfig, type ImageConfigFile } from './image-config';
import type { LayerRef } from './image-store';
import { layerKey } from './leases';
import { MT } from './manifest';
import { hostPlatform } from './platform';
import { familiarString, parseReference, tagged, withDefaultTag } from './reference';
import { packTar, type TarWriteEntry } from './tar/writer';
import { treeEntries } from './tree-tar';

export interface CommitOptions {
  /** The container's overlayfs upper dir. */
  upperDir: string;
  /** The image the container was created from (undefined: from scratch). */
  parentImageId?: Digest | undefined;
  /** The container's config (Cmd, Env …): it becomes the image's config. */
  config?: ContainerConfig | undefined;
  /** Dockerfile instructions applied on top (CMD, ENV, LABEL …). */
  changes?: readonly string[] | undefined;
  comment?: string | undefined;
  author?: string | undefined;
  containerId?: string | undefined;
  /** The history's created_by (builds put the instruction here). */
  createdBy?: string | undefined;
  /** Freeze the container while its upper dir is read; returns the thaw function. */
  pause?: (() => Promise<() => Promise<void>>) | undefined;
  /** Name for the new image (repo[:tag]). */
  repo?: string | undefined;
  tag?: string | undefined;
}

export async function commitImage(ctx: ImageContext, o: CommitOptions): Promise<Digest> {
  const parent = o.parentImageId ? ctx.store.get(o.parentImageId) : undefined;
  if (o.parentImageId && !parent) throw new NotFound(`No such image: ${o.parentImageId}`);
  const parentConfig: ImageConfigFile | undefined = parent ? await ctx.configOf(parent.id) : undefined;
  const lease = ctx.leases.create();
  try {
    let entries = 0;
    async function* counted(): AsyncGenerator<TarWriteEntry> {
      for await (const e of treeEntries(o.upperDir, { diff: true })) {
        entries++;
        yield e;
      }
    }
    const thaw = o.pause ? await o.pause() : undefined;
    let blob;
    try {
      blob = await ctx.content.putStream(packTar(counted()));
    } finally {
      await thaw?.();
    }
    lease.add(blob.digest);
    const layers: LayerRef[] = [...(parent?.layers ?? [])];
    const now = new Date().toISOString();
    const empty = entries === 0;
    if (!empty) {
      lease.add(layerKey(blob.digest));
      const { meta } = await ctx.snapshotter.apply({
        file: ctx.content.blobPath(blob.digest),
        compression: 'none',
        expectDiffId: blob.digest,
      });
      layers.push({ diffId: meta.diffId, blob: { mediaType: MT.ociLayer, digest: blob.digest, size: blob.size } });
    }
    const host = hostPlatform();
    const base = parentConfig ?? {
      architecture: host.architecture,
      os: host.os,
      ...(host.variant ? { variant: host.variant } : {}),
    };
    const containerConfig = applyChanges({ ...(parentConfig?.config ?? {}), ...(o.config ?? {}) }, o.changes ?? []);
    const config: ImageConfigFile = {
      ...base,
      created: now,
      ...(o.author ? { author: o.author } : {}),
      ...(o.comment ? { comment: o.comment } : {}),
      ...(o.containerId ? { container: o.containerId } : {}),
      ...(o.config ? { container_config: o.config } : {}),
      config: containerConfig,
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: [
        ...(parentConfig?.history ?? []),
        {
          created: now,
          created_by: o.createdBy ?? '',
          ...(o.author ? { author: o.author } : {}),
          ...(o.comment ? { comment: o.comment } : {}),
          ...(empty ? { empty_layer: true } : {}),
        },
      ],
    };
    const data = encodeImageConfig(config);
    const cfg = await ctx.content.put(data);
    lease.add(cfg.digest);
    await ctx.store.put({
      id: cfg.digest,
      config: { mediaType: MT.ociConfig, digest: cfg.digest, size: cfg.size },
      layers,
      manifests: [],
      indexes: [],
      parent: parent?.id,
      storedAt: now,
    });
    if (o.repo) {
      const ref = o.tag ? tagged(parseReference(o.repo), o.tag) : withDefaultTag(parseReference(o.repo));
      await ctx.store.setRef(ref, cfg.digest);
      ctx.events('tag', cfg.digest, { name: familiarString(ref) });
    }
    return cfg.digest;
  } finally {
    lease.release();
  }
}
