/**
 * Manifests of both families (Docker schema 2 and OCI), indexes / manifest lists, and their
 * validation. Everything from a registry or an archive passes through `parseManifest` /
 * `parseIndex` before use: size-bounded, valid JSON, required fields typed, digests checked.
 */
import { InvalidArgument, NotImplemented } from '../errdefs';
import { parseDigest, type Digest } from './digest';

export const MT = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNdGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
} as const;

/** What we ask registries for, in preference order. */
export const MANIFEST_ACCEPT = [MT.ociIndex, MT.dockerList, MT.ociManifest, MT.dockerManifest].join(', ');

/** Manifests and configs are small; anything larger is refused before parsing. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string | undefined;
  'os.version'?: string | undefined;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[] | undefined;
  annotations?: Record<string, string> | undefined;
  platform?: Platform | undefined;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string> | undefined;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string> | undefined;
}

export type Compression = 'gzip' | 'zstd' | 'none';

export function isIndexType(mt: string): boolean {
  return mt === MT.ociIndex || mt === MT.dockerList;
}

export function isManifestType(mt: string): boolean {
  return mt === MT.ociManifest || mt === MT.dockerManifest;
}

/** The compression a layer media type implies, or undefined for a type that is not a layer. */
export function layerCompression(mt: string): Compression | undefined {
  switch (mt) {
    case MT.dockerLayer:
    case MT.dockerForeignLayer:
    case MT.ociLayerGzip:
    case MT.ociLayerNdGzip:
      return 'gzip';
    case MT.ociLayerZstd:
      return 'zstd';
    case MT.ociLayer:
    case 'application/vnd.oci.image.layer.nondistributable.v1.tar':
    case 'application/vnd.docker.image.rootfs.diff.tar':
      return 'none';
    default:
      return undefined;
  }
}

export function isForeignLayer(mt: string): boolean {
  return mt === MT.dockerForeignLayer || mt.startsWith('application/vnd.oci.image.layer.nondistributable.');
}

function bad(what: string, why: string): InvalidArgument {
  return new InvalidArgument(`invalid ${what}: ${why}`);
}

export function parseJsonBounded(data: Buffer, limit: number, what: string): unknown {
  if (data.length > limit) throw bad(what, `${data.length} bytes is larger than the ${limit}-byte limit`);
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch (err) {
    throw bad(what, `not valid JSON (${(err as Error).message})`);
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown, what: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v) || Object.values(v).some((x) => typeof x !== 'string')) throw bad(what, 'annotations must be strings');
  return v as Record<string, string>;
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  if (!isObj(v)) throw bad(what, 'descriptor is not an object');
  const { mediaType, digest, size } = v;
  if (typeof mediaType !== 'string' || mediaType === '') throw bad(what, 'descriptor without mediaType');
  if (typeof digest !== 'string') throw bad(what, 'descriptor without digest');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad(what, 'descriptor size invalid');
  const d: Descriptor = { mediaType, digest: parseDigest(digest), size };
  if (Array.isArray(v.urls)) d.urls = v.urls.filter((u): u is string => typeof u === 'string');
  const ann = stringMap(v.annotations, what);
  if (ann) d.annotations = ann;
  if (v.platform !== undefined) d.platform = parsePlatformObject(v.platform, what);
  return d;
}

function parsePlatformObject(v: unknown, what: string): Platform {
  if (!isObj(v) || typeof v.os !== 'string' || typeof v.architecture !== 'string') {
    throw bad(what, 'platform needs os and architecture');
  }
  const p: Platform = { os: v.os, architecture: v.architecture };
  if (typeof v.variant === 'string' && v.variant) p.variant = v.variant;
  if (typeof v['os.version'] === 'string' && v['os.version']) p['os.version'] = v['os.version'];
  return p;
}

/** The media type of a manifest document: the Content-Type, else its own mediaType field. */
export function detectMediaType(data: Buffer, contentType?: string): string {
  const ct = contentType?.split(';')[0]?.trim();
  if (ct && ct !== 'application/json' && ct !== 'text/plain' && ct !== 'application/octet-stream') return ct;
  const doc = parseJsonBounded(data, MAX_MANIFEST_BYTES, 'manifest');
  if (isObj(doc)) {
    if (typeof doc.mediaType === 'string') return doc.mediaType;
    if (doc.schemaVersion === 1) return MT.dockerSchema1;
    if (Array.isArray(doc.manifests)) return MT.ociIndex;
    if (isObj(doc.config)) return MT.ociManifest;
  }
  throw bad('manifest', 'cannot tell its media type');
}

function checkSchema(doc: Record<string, unknown>, mediaType: string, what: string): void {
  if (mediaType === MT.dockerSchema1 || mediaType === MT.dockerSchema1Signed || doc.schemaVersion === 1) {
    throw new NotImplemented(
      'Docker Image manifest schema 1 is deprecated and not supported; push the image again with a current client',
    );
  }
  if (doc.schemaVersion !== 2) throw bad(what, `schemaVersion ${String(doc.schemaVersion)} is not 2`);
  if (typeof doc.mediaType === 'string' && doc.mediaType !== mediaType) {
    throw bad(what, `mediaType "${doc.mediaType}" does not match "${mediaType}"`);
  }
}

export function parseManifest(data: Buffer, mediaType: string): ImageManifest {
  const doc = parseJsonBounded(data, MAX_MANIFEST_BYTES, 'manifest');
  if (!isObj(doc)) throw bad('manifest', 'not a JSON object');
  checkSchema(doc, mediaType, 'manifest');
  if (!isManifestType(mediaType)) throw bad('manifest', `unsupported media type "${mediaType}"`);
  const config = parseDescriptor(doc.config, 'manifest config');
  if (!Array.isArray(doc.layers)) throw bad('manifest', 'layers is not a list');
  const layers = doc.layers.map((l, i) => parseDescriptor(l, `manifest layer ${i}`));
  for (const l of layers) {
    if (layerCompression(l.mediaType) === undefined) {
      throw new NotImplemented(`unsupported layer media type "${l.mediaType}" (${l.digest})`);
    }
  }
  return { schemaVersion: 2, mediaType, config, layers, annotations: stringMap(doc.annotations, 'manifest') };
}

export function parseIndex(data: Buffer, mediaType: string): ImageIndex {
  const doc = parseJsonBounded(data, MAX_MANIFEST_BYTES, 'index');
  if (!isObj(doc)) throw bad('index', 'not a JSON object');
  checkSchema(doc, mediaType, 'index');
  if (!Array.isArray(doc.manifests)) throw bad('index', 'manifests is not a list');
  const manifests = doc.manifests.map((m, i) => parseDescriptor(m, `index entry ${i}`));
  return { schemaVersion: 2, mediaType, manifests, annotations: stringMap(doc.annotations, 'index') };
}

/** Serialise a manifest we generate (OCI family). */
export function ociManifest(config: Descriptor, layers: Descriptor[]): Buffer {
  const m = {
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config: { mediaType: MT.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  return Buffer.from(JSON.stringify(m));
}
