/**
 * A minimal OCI image-layout writer (blobs/sha256, index.json, oci-layout) for test fixtures:
 * layers, configs, manifests and indexes with `org.opencontainers.image.ref.name` annotations,
 * which skopeo reads as `oci:DIR:REF`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface ImageConfigInput {
  architecture: string;
  os?: string;
  variant?: string;
  config?: Record<string, unknown>;
  history?: Array<{ created_by: string; empty_layer?: boolean; comment?: string }>;
}

export function sha256(buf: Buffer | string): string {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

export class OciLayoutWriter {
  private readonly index: Descriptor[] = [];

  constructor(readonly dir: string) {
    fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }

  writeBlob(data: Buffer | string, mediaType: string): Descriptor {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const hex = sha256(buf);
    fs.writeFileSync(path.join(this.dir, 'blobs', 'sha256', hex), buf);
    return { mediaType, digest: `sha256:${hex}`, size: buf.length };
  }

  /** Add a layer from an uncompressed tar; returns the gzip descriptor and the diff ID. */
  addLayer(tar: Buffer, gzip = true): { desc: Descriptor; diffId: string } {
    const diffId = `sha256:${sha256(tar)}`;
    const body = gzip ? zlib.gzipSync(tar, { level: 6 }) : tar;
    return { desc: this.writeBlob(body, gzip ? MT.ociLayerGzip : MT.ociLayerTar), diffId };
  }

  addImage(layers: Array<{ desc: Descriptor; diffId: string }>, cfg: ImageConfigInput): Descriptor {
    const config = {
      created: '2024-01-01T00:00:00Z',
      architecture: cfg.architecture,
      os: cfg.os ?? 'linux',
      ...(cfg.variant ? { variant: cfg.variant } : {}),
      config: cfg.config ?? {},
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history:
        cfg.history ?? layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `berth test layer ${i}` })),
    };
    const configDesc = this.writeBlob(JSON.stringify(config), MT.ociConfig);
    const manifest = {
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: configDesc,
      layers: layers.map((l) => l.desc),
    };
    const desc = this.writeBlob(JSON.stringify(manifest), MT.ociManifest);
    return {
      ...desc,
      platform: { os: config.os, architecture: cfg.architecture, ...(cfg.variant ? { variant: cfg.variant } : {}) },
    };
  }

  addIndex(manifests: Descriptor[]): Descriptor {
    const index = { schemaVersion: 2, mediaType: MT.ociIndex, manifests };
    return this.writeBlob(JSON.stringify(index), MT.ociIndex);
  }

  /** Name a manifest or index in index.json (skopeo: oci:DIR:REF). */
  tag(ref: string, desc: Descriptor): void {
    this.index.push({ ...desc, annotations: { 'org.opencontainers.image.ref.name': ref } });
    fs.writeFileSync(
      path.join(this.dir, 'index.json'),
      JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: this.index }, null, 2),
    );
  }
}
