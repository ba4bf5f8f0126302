/**
 * `docker load`: docker-archive tars (manifest.json + config + layer tars, old and Docker 25+
 * layouts) and OCI image-layout tars (index.json + blobs; names from io.containerd.image.name or a
 * full org.opencontainers.image.ref.name), plain or compressed. Every blob is verified against the
 * digest that names it (config ID, diff IDs, OCI descriptors) before an image record is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgument } from '../../errdefs';
import type { Applier } from '../applier';
import type { ImageContext } from '../context';
import { sniffCompression } from '../decompress';
import { hexOf, type Digest } from '../digest';
import { parseImageConfig } from '../image-config';
import type { LayerRef } from '../image-store';
import { layerKey, type Lease } from '../leases';
import {
  MAX_CONFIG_BYTES,
  MAX_MANIFEST_BYTES,
  MT,
  detectMediaType,
  isIndexType,
  layerCompression,
  parseIndex,
  parseJsonBounded,
  parseManifest,
  type Compression,
  type Descriptor,
} from '../manifest';
import { hostPlatform, selectManifest } from '../platform';
import { shortId } from '../digest';
import { throttledBytes, type ProgressSink } from '../progress';
import { familiarString, parseNormalized, parseReference, type Reference } from '../reference';
import { cleanEntryName } from '../tar-unpack';
import { memberExists, readMember, resolveInside, stageArchive } from './staging';

export interface LoadResult {
  tags: string[];
  ids: Digest[];
}

const LAYER_TYPE: Record<Compression, string> = { none: MT.ociLayer, gzip: MT.ociLayerGzip, zstd: MT.ociLayerZstd };

class Loader {
  readonly tags: string[] = [];
  readonly ids: Digest[] = [];
  private readonly adopted = new Map<string, Descriptor>();

  constructor(
    private readonly ctx: ImageContext,
    private readonly dir: string,
    private readonly lease: Lease,
    private readonly progress: ProgressSink | undefined,
  ) {}

  /** Move an archive member into the content store (once, however often it is referenced). */
  private async adopt(member: string, expected?: Descriptor): Promise<Descriptor> {
    const key = cleanEntryName(member);
    const known = this.adopted.get(key);
    if (known) return known;
    const p = await resolveInside(this.dir, member);
    const hit = this.adopted.get(p);
    if (hit) {
      this.adopted.set(key, hit);
      return hit;
    }
    const fh = await fs.promises.open(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const head = Buffer.alloc(8);
    try {
      await fh.read(head, 0, 8, 0);
    } finally {
      await fh.close();
    }
    const comp = expected ? (layerCompression(expected.mediaType) ?? sniffCompression(head)) : sniffCompression(head);
    const info = await this.ctx.content.adoptFile(
      p,
      expected ? { digest: expected.digest, size: expected.size } : undefined,
    );
    this.lease.add(info.digest);
    const d: Descriptor = { mediaType: expected?.mediaType ?? LAYER_TYPE[comp], digest: info.digest, size: info.size };
    this.adopted.set(p, d);
    this.adopted.set(key, d);
    return d;
  }

  private async layer(member: string, diffId: Digest, expected?: Descriptor): Promise<LayerRef> {
    const blob = await this.adopt(member, expected);
    this.lease.add(layerKey(diffId));
    if (!(await this.ctx.snapshotter.get(diffId))) {
      const id = shortId(diffId);
      await this.ctx.snapshotter.apply({
        file: this.ctx.content.blobPath(blob.digest),
        compression: layerCompression(blob.mediaType) ?? 'auto',
        expectDiffId: diffId,
        onProgress: this.progress ? throttledBytes(this.progress, id, 'Loading layer', blob.size) : undefined,
      });
    }
    return { diffId, blob };
  }

  private async finish(
    configData: Buffer,
    layers: LayerRef[],
    names: Reference[],
    manifests: Descriptor[],
    indexes: Descriptor[],
  ): Promise<void> {
    const cfg = await this.ctx.content.put(configData);
    this.lease.add(cfg.digest);
    await this.ctx.store.put({
      id: cfg.digest,
      config: { mediaType: MT.ociConfig, digest: cfg.digest, size: cfg.size },
      layers,
      manifests,
      indexes,
      storedAt: new Date().toISOString(),
    });
    for (const n of names) {
      await this.ctx.store.setRef(n, cfg.digest);
      this.tags.push(familiarString(n));
    }
    if (names.length === 0) this.ids.push(cfg.digest);
    this.ctx.events('load', cfg.digest, names[0] ? { name: familiarString(names[0]) } : {});
  }

  async dockerArchive(): Promise<void> {
    const doc = parseJsonBounded(
      await readMember(this.dir, 'manifest.json', MAX_MANIFEST_BYTES),
      MAX_MANIFEST_BYTES,
      'manifest.json',
    );
    if (!Array.isArray(doc)) throw new InvalidArgument('invalid manifest.json: not a list');
    for (const [i, e] of doc.entries()) {
      const entry = e as { Config?: unknown; RepoTags?: unknown; Layers?: unknown };
      if (
        typeof entry.Config !== 'string' ||
        !Array.isArray(entry.Layers) ||
        entry.Layers.some((l) => typeof l !== 'string')
      ) {
        throw new InvalidArgument(`invalid manifest.json entry ${i}: needs Config and Layers`);
      }
      const configData = await readMember(this.dir, entry.Config, MAX_CONFIG_BYTES);
      const config = parseImageConfig(configData);
      const diffIds = config.rootfs.diff_ids;
      if (diffIds.length !== entry.Layers.length) {
        throw new InvalidArgument(
          `invalid archive: ${entry.Layers.length} layers listed, the config has ${diffIds.length} diff IDs`,
        );
      }
      const layers: LayerRef[] = [];
      for (const [j, l] of (entry.Layers as string[]).entries()) layers.push(await this.layer(l, diffIds[j]!));
      const names = Array.isArray(entry.RepoTags)
        ? entry.RepoTags.filter((t): t is string => typeof t === 'string').map((t) => parseNormalized(t))
        : [];
      await this.finish(configData, layers, names, [], []);
    }
  }

  private async blob(d: Descriptor, limit: number): Promise<Buffer> {
    const member = `blobs/sha256/${hexOf(d.digest)}`;
    const data = await readMember(this.dir, member, limit);
    const stored = await this.ctx.content.put(data, { digest: d.digest, size: d.size });
    this.lease.add(stored.digest);
    return data;
  }

  async ociLayout(): Promise<void> {
    const raw = await readMember(this.dir, 'index.json', MAX_MANIFEST_BYTES);
    const index = parseIndex(raw, detectMediaType(raw, MT.ociIndex));
    if (index.manifests.length === 0) throw new InvalidArgument('the OCI layout holds no images');
    for (const top of index.manifests) {
      const names = nameOf(top);
      let manifestDesc = top;
      const indexes: Descriptor[] = [];
      if (isIndexType(top.mediaType)) {
        const data = await this.blob(top, MAX_MANIFEST_BYTES);
        indexes.push(top);
        manifestDesc = selectManifest(parseIndex(data, top.mediaType).manifests, hostPlatform(), 'the archive');
      }
      const mdata = await this.blob(manifestDesc, MAX_MANIFEST_BYTES);
      const manifest = parseManifest(mdata, manifestDesc.mediaType);
      const configData = await this.blob(manifest.config, MAX_CONFIG_BYTES);
      const config = parseImageConfig(configData);
      if (config.rootfs.diff_ids.length !== manifest.layers.length) {
        throw new InvalidArgument('invalid OCI image: layer count differs from the config diff IDs');
      }
      const layers: LayerRef[] = [];
      for (const [j, l] of manifest.layers.entries()) {
        layers.push(await this.layer(`blobs/sha256/${hexOf(l.digest)}`, config.rootfs.diff_ids[j]!, l));
      }
      const md: Descriptor = {
        mediaType: manifestDesc.mediaType,
        digest: manifestDesc.digest,
        size: manifestDesc.size,
      };
      await this.finish(configData, layers, names, [md], indexes);
    }
  }
}

/** A name from OCI annotations: containerd's full name, or ref.name when it is a full reference. */
function nameOf(d: Descriptor): Reference[] {
  const a = d.annotations ?? {};
  for (const v of [a['io.containerd.image.name'], a['org.opencontainers.image.ref.name']]) {
    if (!v || !/[/:]/.test(v)) continue;
    try {
      const r = parseReference(v);
      if (r.tag) return [{ domain: r.domain, path: r.path, tag: r.tag }];
      if (!r.digest) return [parseNormalized(v)];
    } catch {
      /* not a reference: unnamed */
    }
  }
  return [];
}

export async function loadArchive(
  ctx: ImageContext,
  applier: Applier,
  body: NodeJS.ReadableStream,
  o: { onProgress?: ProgressSink | undefined },
): Promise<LoadResult> {
  const staged = await stageArchive(path.join(ctx.content.root, '..', 'tmp'), body, applier);
  const lease = ctx.leases.create();
  try {
    const loader = new Loader(ctx, staged.dir, lease, o.onProgress);
    if (await memberExists(staged.dir, 'manifest.json')) await loader.dockerArchive();
    else if (await memberExists(staged.dir, 'index.json')) await loader.ociLayout();
    else
      throw new InvalidArgument('not an image archive: no manifest.json (docker-archive) or index.json (OCI layout)');
    return { tags: loader.tags, ids: loader.ids };
  } finally {
    lease.release();
    await staged.remove();
  }
}
