/** What the image operations share: the stores, the registry client and the collector's leases. */
import type { Logger } from '../daemon/logger';
import type { AuthFile } from './auth';
import type { ContentStore } from './content-store';
import type { Digest } from './digest';
import type { ImageStore } from './image-store';
import type { Leases } from './leases';
import type { ImageConfigFile } from './image-config';
import type { Descriptor } from './manifest';
import type { RegistryClient } from './registry-client';
import type { Snapshotter } from './snapshotter';

/** Image events as the Engine API names them (pull, push, tag, untag, delete, import, load, save). */
export type ImageEventSink = (action: string, id: string, attributes: Record<string, string>) => void;

/** A container using an image (from the containers module, registered with setUsageChecker). */
export interface ContainerUse {
  id: string;
  running: boolean;
}

export type UsageChecker = (imageId: Digest) => ContainerUse[] | Promise<ContainerUse[]>;

export interface ImageContext {
  content: ContentStore;
  snapshotter: Snapshotter;
  store: ImageStore;
  leases: Leases;
  registry: RegistryClient;
  authFile?: AuthFile | undefined;
  log: Logger;
  /** Parallel layer downloads per pull. */
  downloadConcurrency: number;
  /** Upload chunk size for push. */
  uploadChunkBytes: number;
  /** Containers using an image (none until the containers module registers a checker). */
  usage: UsageChecker;
  events: ImageEventSink;
  /** The parsed config of a stored image (cached). */
  configOf(id: Digest): Promise<ImageConfigFile>;
}

/** A stored blob holding the tar of this layer, from any image that has one. */
export async function findLayerBlob(ctx: ImageContext, diffId: Digest): Promise<Descriptor | undefined> {
  for (const rec of ctx.store.list()) {
    for (const l of rec.layers) {
      if (l.diffId === diffId && (await ctx.content.has(l.blob.digest))) return l.blob;
    }
  }
  return undefined;
}
