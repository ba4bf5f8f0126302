/**
 * The images module's façade: one object the daemon builds and the API, the runtime and the
 * containers module use. It owns the stores (content, layers, metadata), the registry client and
 * the unpack workers, and delegates each operation to its own module.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgument, NotFound } from '../errdefs';
import type { Logger } from '../daemon/logger';
import { BERTH_VERSION } from '../version';
import { createApplier, type Applier } from './applier';
import { AuthFile, type Credentials } from './auth';
import { ContentStore } from './content-store';
import type { ContainerUse, ImageContext, ImageEventSink, UsageChecker } from './context';
import type { Digest } from './digest';
import { collectGarbage, type GcResult } from './gc';
import { parseImageConfig, type ImageConfigFile } from './image-config';
import { ImageStore, type ImageRecord } from './image-store';
import { Leases, imageKey } from './leases';
import { MAX_CONFIG_BYTES, type Platform } from './manifest';
import { pullImage, type PullResult } from './pull';
import type { ProgressSink } from './progress';
import { familiarName, familiarString, parseReference, tagged, withDefaultTag, type Reference } from './reference';
import { RegistryClient } from './registry-client';
import { removeImage, pruneImages, type DeleteItem, type Filters, type PruneResult } from './remove';
import { Snapshotter } from './snapshotter';
import { listImages, type ListOptions } from './list';
import { loadArchive, type LoadResult } from './archive/load';
import { saveImages } from './archive/save';
import { commitImage, type CommitOptions } from './commit';
import { distributionInspect } from './distribution';
import { importImage, type ImportOptions } from './import';
import { pushImage, type PushOptions } from './push';
import { packTar } from './tar/writer';
import { treeEntries } from './tree-tar';
import type { ContainerConfig } from './image-config';
import { imageHistory, imageInspect, type ImageView } from './views';

export interface ImageServiceOptions {
  /** Directory of the images module (e.g. <data-root>/image). */
  root: string;
  log: Logger;
  insecureRegistries: readonly string[];
  /** docker-style config.json with `auths` (default /root/.docker/config.json). */
  authFile?: string | undefined;
  applier?: Applier | undefined;
  downloadConcurrency?: number | undefined;
  uploadChunkBytes?: number | undefined;
  registryAttempts?: number | undefined;
  registryBackoffMs?: number | undefined;
}

export interface ResolvedImage {
  record: ImageRecord;
  config: ImageConfigFile;
  /** The name it was found by, when found by name. */
  ref?: Reference | undefined;
}

/** What commit needs to know about a container (registered by the containers module). */
export interface CommitSource {
  id: string;
  upperDir: string;
  imageId?: Digest | undefined;
  config?: ContainerConfig | undefined;
  /** Freeze the container; returns the thaw function. */
  pause?: (() => Promise<() => Promise<void>>) | undefined;
}

export type ContainerResolver = (idOrName: string) => Promise<CommitSource | undefined>;

export class ImageService {
  readonly ctx: ImageContext;
  private usage: UsageChecker = () => [];
  private containers: ContainerResolver = async () => undefined;
  private sink: ImageEventSink = () => undefined;
  private readonly configs = new Map<Digest, ImageConfigFile>();
  private readonly applier: Applier;

  constructor(readonly opts: ImageServiceOptions) {
    this.applier = opts.applier ?? createApplier();
    const content = new ContentStore(path.join(opts.root, 'content'));
    this.ctx = {
      content,
      snapshotter: new Snapshotter(path.join(opts.root, 'layers'), this.applier),
      store: new ImageStore(opts.root),
      leases: new Leases(),
      registry: new RegistryClient({
        insecureRegistries: opts.insecureRegistries,
        userAgent: `berth/${BERTH_VERSION} (linux)`,
        attempts: opts.registryAttempts,
        backoffMs: opts.registryBackoffMs,
      }),
      authFile: opts.authFile ? new AuthFile(opts.authFile) : undefined,
      log: opts.log,
      downloadConcurrency: opts.downloadConcurrency ?? 3,
      uploadChunkBytes: opts.uploadChunkBytes ?? 16 * 1024 * 1024,
      usage: (id) => this.usage(id),
      events: (action, id, attrs) => {
        try {
          this.sink(action, id, attrs);
        } catch (err) {
          opts.log.warn('image event listener failed', { error: (err as Error).message });
        }
      },
      configOf: (id) => this.configOf(id),
    };
  }

  init(): void {
    const tmp = path.join(this.opts.root, 'tmp');
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true, mode: 0o700 });
    this.ctx.content.init();
    this.ctx.snapshotter.init();
    this.ctx.store.init();
  }

  async close(): Promise<void> {
    this.ctx.registry.close();
    await this.applier.close();
  }

  /** The containers module tells which containers use an image (for rmi and prune). */
  setUsageChecker(fn: UsageChecker): void {
    this.usage = fn;
  }

  /** The containers module resolves containers for POST /commit. */
  setContainerResolver(fn: ContainerResolver): void {
    this.containers = fn;
  }

  /** Where image events go (the daemon's event bus). */
  setEventSink(fn: ImageEventSink): void {
    this.sink = fn;
  }

  get count(): number {
    return this.ctx.store.count;
  }

  async configOf(id: Digest): Promise<ImageConfigFile> {
    let c = this.configs.get(id);
    if (!c) {
      c = parseImageConfig(await this.ctx.content.read(id, MAX_CONFIG_BYTES));
      this.configs.set(id, c);
    }
    return c;
  }

  /** Resolve a name (name:tag, name@digest) or a full or short ID; NotFound otherwise. */
  async resolve(input: string): Promise<ResolvedImage> {
    const { record, byRef } = this.ctx.store.resolve(input);
    return { record, config: await this.configOf(record.id), ref: byRef };
  }

  find(input: string): ImageRecord | undefined {
    return this.ctx.store.find(input)?.record;
  }

  /**
   * The root file system of an image for the runtime: overlayfs lower dirs, TOP-MOST FIRST.
   * Hold `lease()` from resolving until the container is registered with the usage checker.
   */
  async rootfs(input: string): Promise<{ imageId: Digest; lowerDirs: string[]; config: ImageConfigFile }> {
    const { record, config } = await this.resolve(input);
    return { imageId: record.id, lowerDirs: this.lowerDirs(record.id), config };
  }

  lowerDirs(imageId: Digest): string[] {
    const rec = this.ctx.store.get(imageId);
    if (!rec) throw new NotFound(`No such image: ${imageId}`);
    return this.ctx.snapshotter.lowerDirs(rec.layers.map((l) => l.diffId));
  }

  /** Keep an image from removal while a container is being created from it. */
  lease(imageId: Digest): () => void {
    const l = this.ctx.leases.create().add(imageKey(imageId));
    return () => l.release();
  }

  async view(rec: ImageRecord): Promise<ImageView> {
    const sizes = new Map<string, number>();
    for (const l of rec.layers) sizes.set(l.diffId, this.ctx.snapshotter.peek(l.diffId)?.size ?? 0);
    return {
      record: rec,
      config: await this.configOf(rec.id),
      refs: this.ctx.store.refsOf(rec.id),
      size: [...sizes.values()].reduce((a, b) => a + b, 0),
    };
  }

  // --- operations -------------------------------------------------------------------------

  async pull(
    input: string,
    o: {
      platform?: Platform;
      credentials?: Credentials;
      signal?: AbortSignal;
      onProgress?: ProgressSink;
      allTags?: boolean;
    } = {},
  ): Promise<PullResult[]> {
    const parsed = parseReference(input);
    if (o.allTags && !parsed.tag && !parsed.digest) {
      const repo = this.ctx.registry.repository(parsed, o.credentials, o.signal);
      const tags = await repo.listTags();
      if (tags.length === 0) throw new NotFound(`repository ${familiarString(parsed)} has no tags`);
      const out: PullResult[] = [];
      for (const t of tags.sort()) out.push(await this.pullOne(tagged(parsed, t), o));
      return out;
    }
    return [await this.pullOne(withDefaultTag(parsed), o)];
  }

  private async pullOne(ref: Reference, o: Parameters<ImageService['pull']>[1]): Promise<PullResult> {
    const r = await pullImage(this.ctx, ref, o);
    this.ctx.events('pull', familiarString(ref), { name: familiarName(ref) });
    return r;
  }

  list(o: ListOptions): Promise<Array<Record<string, unknown>>> {
    return listImages(this, o);
  }

  async inspect(input: string, apiVersion: string): Promise<Record<string, unknown>> {
    const { record } = await this.resolve(input);
    return imageInspect(await this.view(record), this.lowerDirs(record.id), apiVersion);
  }

  async history(input: string): Promise<Array<Record<string, unknown>>> {
    const { record } = await this.resolve(input);
    const sizes = record.layers.map((l) => this.ctx.snapshotter.peek(l.diffId)?.size ?? 0);
    return imageHistory(await this.view(record), sizes);
  }

  /** Give an image another name. */
  async tag(source: string, repo: string, tag?: string): Promise<Reference> {
    const { record } = await this.resolve(source);
    const parsed = parseReference(repo);
    if (parsed.digest) throw new InvalidArgument(`refusing to create a tag with a digest reference: ${repo}`);
    const target = tag ? tagged(parsed, tag) : withDefaultTag(parsed);
    await this.ctx.store.setRef(target, record.id);
    this.ctx.events('tag', record.id, { name: familiarString(target) });
    return target;
  }

  remove(input: string, o: { force?: boolean; noprune?: boolean } = {}): Promise<DeleteItem[]> {
    return removeImage(this.ctx, input, { force: !!o.force, noprune: !!o.noprune });
  }

  prune(filters: Filters): Promise<PruneResult> {
    return pruneImages(this.ctx, filters);
  }

  gc(): Promise<GcResult> {
    return collectGarbage(this.ctx);
  }

  async usersOf(id: Digest): Promise<ContainerUse[]> {
    return [...(await this.usage(id))];
  }

  push(name: string, tag: string | undefined, o: PushOptions): Promise<void> {
    return pushImage(this.ctx, name, tag, o);
  }

  /** docker-archive + OCI layout tar of the named images. */
  async save(names: string[]): Promise<Readable> {
    return saveImages(this.ctx, names);
  }

  load(body: NodeJS.ReadableStream, o: { onProgress?: ProgressSink | undefined } = {}): Promise<LoadResult> {
    return loadArchive(this.ctx, this.applier, body, o);
  }

  importImage(body: NodeJS.ReadableStream | URL, o: ImportOptions): Promise<Digest> {
    return importImage(this.ctx, body, o);
  }

  /** A container's root file system (a mounted rootfs dir) as a tar stream (docker export). */
  exportRootfs(rootfsDir: string, o: { exclude?: ReadonlySet<string> } = {}): Readable {
    return packTar(treeEntries(rootfsDir, { diff: false, exclude: o.exclude }));
  }

  /** A container's upper dir → a new image on top of its image. */
  commit(o: CommitOptions): Promise<Digest> {
    return commitImage(this.ctx, o);
  }

  /** POST /commit by container name or ID, through the registered container resolver. */
  async commitContainer(req: {
    container: string;
    repo?: string | undefined;
    tag?: string | undefined;
    comment?: string | undefined;
    author?: string | undefined;
    pause: boolean;
    changes?: string[] | undefined;
    config?: Record<string, unknown> | undefined;
  }): Promise<Digest> {
    const c = await this.containers(req.container);
    if (!c) throw new NotFound(`No such container: ${req.container}`);
    return this.commit({
      upperDir: c.upperDir,
      parentImageId: c.imageId,
      config: { ...(c.config ?? {}), ...((req.config as ContainerConfig | undefined) ?? {}) },
      changes: req.changes,
      comment: req.comment,
      author: req.author,
      containerId: c.id,
      pause: req.pause ? c.pause : undefined,
      repo: req.repo,
      tag: req.tag,
    });
  }

  distribution(name: string, credentials: Credentials | undefined): Promise<Record<string, unknown>> {
    return distributionInspect(this.ctx, name, credentials);
  }
}
