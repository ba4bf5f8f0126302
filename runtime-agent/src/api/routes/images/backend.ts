/**
 * What the image routes need: the images module's façade (images/image-service.ts) plus the
 * archive, import and push operations. The daemon wires the real ImageService.
 */
import type { Readable } from 'node:stream';
import type { Credentials } from '../../../images/auth';
import type { Digest } from '../../../images/digest';
import type { Platform } from '../../../images/manifest';
import type { ProgressSink } from '../../../images/progress';
import type { PullResult } from '../../../images/pull';
import type { DeleteItem, Filters, PruneResult } from '../../../images/remove';
import type { Reference } from '../../../images/reference';

export type { PushOptions } from '../../../images/push';
import type { PushOptions } from '../../../images/push';

export interface ImportOptions {
  repo?: string | undefined;
  tag?: string | undefined;
  /** Dockerfile instructions applied to the config (CMD, ENV, …). */
  changes?: string[] | undefined;
  message?: string | undefined;
  platform?: Platform | undefined;
  onProgress?: ProgressSink | undefined;
}

export interface LoadResult {
  /** Names loaded ("busybox:latest") and IDs loaded without a name. */
  tags: string[];
  ids: Digest[];
}

export interface CommitRequest {
  container: string;
  repo?: string | undefined;
  tag?: string | undefined;
  comment?: string | undefined;
  author?: string | undefined;
  pause: boolean;
  changes?: string[] | undefined;
  config?: Record<string, unknown> | undefined;
}

export interface ImagesBackend {
  pull(
    input: string,
    o: {
      platform?: Platform;
      credentials?: Credentials;
      signal?: AbortSignal;
      onProgress?: ProgressSink;
      allTags?: boolean;
    },
  ): Promise<PullResult[]>;
  list(o: {
    filters: Filters;
    apiVersion: string;
    sharedSize?: boolean;
    all?: boolean;
  }): Promise<Array<Record<string, unknown>>>;
  inspect(name: string, apiVersion: string): Promise<Record<string, unknown>>;
  history(name: string): Promise<Array<Record<string, unknown>>>;
  tag(source: string, repo: string, tag?: string): Promise<Reference>;
  remove(name: string, o: { force?: boolean; noprune?: boolean }): Promise<DeleteItem[]>;
  prune(filters: Filters): Promise<PruneResult>;
  push(name: string, tag: string | undefined, o: PushOptions): Promise<void>;
  save(names: string[], o?: { platform?: Platform | undefined }): Promise<Readable>;
  load(body: NodeJS.ReadableStream, o: { onProgress?: ProgressSink | undefined }): Promise<LoadResult>;
  importImage(body: NodeJS.ReadableStream | URL, o: ImportOptions): Promise<Digest>;
  distribution(name: string, credentials: Credentials | undefined): Promise<Record<string, unknown>>;
  /** POST /commit: the containers module provides the container's upper dir (see images/README.md). */
  commitContainer(req: CommitRequest): Promise<Digest>;
}
