/**
 * `docker save`: one tar that is both a docker-archive (manifest.json, repositories) and an OCI
 * image layout (oci-layout, index.json, blobs/sha256/…), as Docker 25+ writes it. Layers are
 * stored uncompressed (their digest is their diff ID), each once however many images share it.
 * Streamed: layers are decompressed from the content store while the tar is written.
 */
import type { Readable } from 'node:stream';
import { InvalidArgument, NotFound } from '../../errdefs';
import type { ImageContext } from '../context';
import { decompress } from '../decompress';
import { hexOf, sha256Digest, type Digest } from '../digest';
import type { ImageRecord } from '../image-store';
import { MT, layerCompression, type Descriptor } from '../manifest';
import {
  familiarName,
  familiarString,
  parseReference,
  refString,
  repoName,
  withDefaultTag,
  type Reference,
} from '../reference';
import { packTar, type TarWriteEntry } from '../tar/writer';

interface Selected {
  record: ImageRecord;
  /** Names to record (tags); none when saved by ID. */
  tags: Reference[];
}

/** moby's rules: a name without tag means every tag of that repository; an ID means no names. */
function select(ctx: ImageContext, names: string[]): Selected[] {
  const byId = new Map<Digest, Selected>();
  const add = (record: ImageRecord, tag?: Reference): void => {
    let s = byId.get(record.id);
    if (!s) byId.set(record.id, (s = { record, tags: [] }));
    if (tag && !s.tags.some((t) => refString(t) === refString(tag))) s.tags.push(tag);
  };
  for (const name of names) {
    let parsed: Reference | undefined;
    try {
      parsed = parseReference(name);
    } catch {
      parsed = undefined;
    }
    if (parsed && !parsed.tag && !parsed.digest) {
      const tags = ctx.store
        .list()
        .flatMap((r) => ctx.store.refsOf(r.id).map((ref) => ({ r, ref })))
        .filter(({ ref }) => ref.tag && repoName(ref) === repoName(parsed));
      if (tags.length > 0) {
        for (const { r, ref } of tags) add(r, ref);
        continue;
      }
    }
    const hit = ctx.store.find(name);
    if (!hit) throw new NotFound(`No such image: ${name}`);
    add(hit.record, hit.byRef?.tag ? hit.byRef : undefined);
  }
  return [...byId.values()];
}

function file(name: string, body: Buffer): TarWriteEntry {
  return { header: { name, type: 'file', size: body.length, mode: 0o644, mtime: 0 }, body };
}

export async function saveImages(ctx: ImageContext, names: string[]): Promise<Readable> {
  if (names.length === 0) throw new InvalidArgument('nothing to save');
  const images = select(ctx, names);
  // Everything needed must exist before the first byte goes out.
  const lease = ctx.leases.create();
  const layerFiles = new Map<Digest, { blob: Descriptor; tarSize: number }>();
  const manifestJson: Array<Record<string, unknown>> = [];
  const repositories: Record<string, Record<string, string>> = {};
  const indexEntries: Descriptor[] = [];
  const small: TarWriteEntry[] = [];
  try {
    for (const { record, tags } of images) {
      const config = await ctx.content.read(record.id, 64 * 1024 * 1024);
      lease.add(record.id);
      small.push(file(`blobs/sha256/${hexOf(record.id)}`, config));
      for (const l of record.layers) {
        if (layerFiles.has(l.diffId)) continue;
        const meta = ctx.snapshotter.peek(l.diffId);
        if (!meta || !(await ctx.content.has(l.blob.digest))) {
          throw new NotFound(`layer ${l.diffId} of ${record.id} is not available for saving`);
        }
        lease.add(l.blob.digest);
        layerFiles.set(l.diffId, { blob: l.blob, tarSize: meta.tarSize });
      }
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MT.ociManifest,
          config: { mediaType: MT.ociConfig, digest: record.id, size: config.length },
          layers: record.layers.map((l) => ({
            mediaType: MT.ociLayer,
            digest: l.diffId,
            size: layerFiles.get(l.diffId)!.tarSize,
          })),
        }),
      );
      const mdigest = sha256Digest(manifest);
      small.push(file(`blobs/sha256/${hexOf(mdigest)}`, manifest));
      const repoTags = tags.map((t) => familiarString(t));
      for (const t of tags.length ? tags : [undefined]) {
        indexEntries.push({
          mediaType: MT.ociManifest,
          digest: mdigest,
          size: manifest.length,
          ...(t
            ? {
                annotations: {
                  'io.containerd.image.name': refString(withDefaultTag(t)),
                  'org.opencontainers.image.ref.name': t.tag!,
                },
              }
            : {}),
        });
        if (t && record.layers.length) {
          (repositories[familiarName(t)] ??= {})[t.tag!] = hexOf(record.layers[record.layers.length - 1]!.diffId);
        }
      }
      manifestJson.push({
        Config: `blobs/sha256/${hexOf(record.id)}`,
        RepoTags: repoTags.length ? repoTags : null,
        Layers: record.layers.map((l) => `blobs/sha256/${hexOf(l.diffId)}`),
      });
      ctx.events('save', record.id, { name: repoTags[0] ?? record.id });
    }
  } catch (err) {
    lease.release();
    throw err;
  }

  async function* entries(): AsyncGenerator<TarWriteEntry> {
    try {
      yield { header: { name: 'blobs', type: 'directory', mode: 0o755, mtime: 0 } };
      yield { header: { name: 'blobs/sha256', type: 'directory', mode: 0o755, mtime: 0 } };
      const seen = new Set<string>();
      for (const e of small) {
        if (seen.has(e.header.name)) continue;
        seen.add(e.header.name);
        yield e;
      }
      for (const [diffId, { blob, tarSize }] of layerFiles) {
        const name = `blobs/sha256/${hexOf(diffId)}`;
        if (seen.has(name)) continue;
        seen.add(name);
        const comp = layerCompression(blob.mediaType) ?? 'auto';
        yield {
          header: { name, type: 'file', size: tarSize, mode: 0o644, mtime: 0 },
          body: () => decompress(ctx.content.createReadStream(blob.digest), comp),
        };
      }
      yield file(
        'index.json',
        Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: indexEntries })),
      );
      yield file('manifest.json', Buffer.from(JSON.stringify(manifestJson)));
      yield file('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
      if (Object.keys(repositories).length) yield file('repositories', Buffer.from(JSON.stringify(repositories)));
    } finally {
      lease.release();
    }
  }
  return packTar(entries());
}
