/**
 * The builder's long-lived part, owned by the daemon: the persistent cache index, the tmp and
 * cache-mount dirs under <data-root>/build, one EngineBackend per build, `POST /build/prune` and
 * the build-cache records of /system/df.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Filters } from '../../api/query';
import type { ContainerService } from '../../containers/service';
import { InvalidArgument } from '../../errdefs';
import type { Credentials } from '../../images/auth';
import type { Digest } from '../../images/digest';
import { parseUntil } from '../../images/filters';
import type { ImageService } from '../../images/image-service';
import { imageKey } from '../../images/leases';
import type { ContainerRuntime } from '../../runtime/runtime';
import { CacheIndex, type CacheEntry } from './cache-index';
import { EngineBackend } from './engine-backend';
import { cleanStaleOverlays } from './overlay';
import { type RunSettings } from './run-container';
import { RunRecords } from './run-records';

export interface BuildEngineOptions {
  /** <data-root>/build */
  root: string;
  images: ImageService;
  containers: ContainerService;
  runtime: Pick<ContainerRuntime, 'dir' | 'list'>;
}

export interface PruneOptions {
  all: boolean;
  filters: Filters;
  /** Bytes of cache to keep (most recently used first); 0 = none. */
  keepStorage: number;
}

export interface PruneReport {
  CachesDeleted: string[];
  SpaceReclaimed: number;
}

async function treeBytes(p: string): Promise<number> {
  const st = await fs.promises.lstat(p);
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let total = 0;
  for (const n of await fs.promises.readdir(p)) total += await treeBytes(path.join(p, n));
  return total;
}

/**
 * The filters prune implements. BuildKit's others (type, inuse, shared, private, parent,
 * description) are refused rather than ignored: an ignored filter would prune more than asked.
 * `unused-for` is dockerd's older name for `until`.
 */
export const PRUNE_FILTERS = ['until', 'unused-for', 'id'] as const;

export class BuildEngine {
  readonly cache: CacheIndex;
  readonly tmpDir: string;
  private readonly cacheMountsDir: string;
  private readonly runs: RunRecords;

  constructor(private readonly o: BuildEngineOptions) {
    this.cache = new CacheIndex(o.root);
    this.tmpDir = path.join(o.root, 'tmp');
    this.cacheMountsDir = path.join(o.root, 'cache-mounts');
    this.runs = new RunRecords(path.join(o.root, 'runs'));
  }

  init(): void {
    fs.mkdirSync(this.o.root, { recursive: true, mode: 0o700 });
    cleanStaleOverlays(this.tmpDir);
    fs.mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.cacheMountsDir, { recursive: true, mode: 0o700 });
    this.runs.init();
    this.cache.load();
  }

  /**
   * RUN containers left when the agent starts belong to builds whose agent died: no client waits
   * for them any more. Only those the builder recorded (builds that remove their containers) go;
   * labels are not trusted, as an image's labels become its containers'.
   */
  async removeOrphanedRuns(): Promise<string[]> {
    const recorded = this.runs.list();
    const existing = new Set(this.o.runtime.list(true).map((r) => r.id));
    const removed: string[] = [];
    for (const id of recorded) {
      if (existing.has(id)) {
        try {
          await this.o.containers.remove(id, { force: true, volumes: true });
          removed.push(id);
        } catch {
          continue; // recorded still: the next start tries again
        }
      }
      await this.runs.delete(id);
    }
    return removed;
  }

  backend(settings: RunSettings, credentials?: (host: string) => Credentials | undefined): EngineBackend {
    return new EngineBackend(
      {
        images: this.o.images,
        containers: this.o.containers,
        runtime: this.o.runtime,
        cache: this.cache,
        tmpDir: this.tmpDir,
        cacheMountsDir: this.cacheMountsDir,
        runs: this.runs,
      },
      settings,
      credentials,
    );
  }

  private sizeOf(e: CacheEntry): number {
    return e.layer ? (this.o.images.ctx.snapshotter.peek(e.layer as Digest)?.size ?? 0) : 0;
  }

  /** Build-cache records in the shape of /system/df's BuildCache. */
  async records(): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    for (const [key, e] of this.cache.list()) {
      if (!this.o.images.find(e.id)) continue;
      out.push({
        ID: key.replace(/^sha256:/, '').slice(0, 25),
        Parent: '',
        Parents: [],
        Type: 'regular',
        Description: e.description,
        InUse: false,
        Shared: false,
        Size: this.sizeOf(e),
        CreatedAt: e.createdAt,
        LastUsedAt: e.lastUsedAt,
        UsageCount: e.usageCount,
      });
    }
    return out;
  }

  /**
   * Drops cache entries (older than `until`, beyond `keep-storage`; not those of images a build in
   * progress leases), then removes the images only the dropped entries held: untagged, without
   * children, containers or remaining entries.
   */
  async prune(o: PruneOptions): Promise<PruneReport> {
    for (const k of o.filters.keys()) {
      if (!(PRUNE_FILTERS as readonly string[]).includes(k)) {
        throw new InvalidArgument(`invalid filter '${k}': not supported by the classic builder's prune`);
      }
    }
    const until = o.filters.get('until')?.[0] ?? o.filters.get('unused-for')?.[0];
    const before = until !== undefined ? parseUntil(until) : undefined;
    const ids = o.filters.get('id');
    const entries = this.cache.list().sort((a, b) => b[1].lastUsedAt.localeCompare(a[1].lastUsedAt));
    const keep = new Set<string>();
    if (o.keepStorage > 0) {
      let used = 0;
      for (const [k, e] of entries) {
        used += this.sizeOf(e);
        if (used > o.keepStorage) break;
        keep.add(k);
      }
    }
    const victims = entries.filter(([k, e]) => {
      if (keep.has(k)) return false;
      if (this.o.images.ctx.leases.has(imageKey(e.id))) return false; // a build in progress uses it
      if (before !== undefined && Date.parse(e.lastUsedAt) >= before) return false;
      if (ids?.length && !ids.some((id) => k.replace(/^sha256:/, '').startsWith(id))) return false;
      return true;
    });
    const sizes = new Map(victims.map(([, e]) => [e.layer, this.sizeOf(e)]));
    await this.cache.delete(victims.map(([k]) => k));
    await this.removeOrphans(victims.map(([, e]) => e.id));
    const mounts = o.all && !until && !ids?.length ? await this.clearCacheMounts() : { ids: [], bytes: 0 };
    let reclaimed = 0;
    for (const [layer, size] of sizes) {
      if (layer && !this.o.images.ctx.snapshotter.peek(layer as Digest)) reclaimed += size;
    }
    return {
      CachesDeleted: [...victims.map(([k]) => k.replace(/^sha256:/, '')), ...mounts.ids],
      SpaceReclaimed: reclaimed + mounts.bytes,
    };
  }

  /** `RUN --mount=type=cache` directories (all of them: `prune --all` without filters). */
  private async clearCacheMounts(): Promise<{ ids: string[]; bytes: number }> {
    const ids: string[] = [];
    let bytes = 0;
    for (const name of await fs.promises.readdir(this.cacheMountsDir)) {
      const dir = path.join(this.cacheMountsDir, name);
      bytes += await treeBytes(dir);
      await fs.promises.rm(dir, { recursive: true, force: true });
      ids.push(name);
    }
    return { ids, bytes };
  }

  private async removeOrphans(start: string[]): Promise<void> {
    const images = this.o.images;
    const held = new Set(this.cache.list().map(([, e]) => e.id));
    const queue = [...start];
    while (queue.length > 0) {
      const id = queue.shift() as string;
      const rec = images.find(id);
      if (!rec || held.has(rec.id)) continue;
      if (images.ctx.store.refsOf(rec.id).length > 0) continue;
      if (images.ctx.store.list().some((r) => r.parent === rec.id)) continue;
      if ((await images.usersOf(rec.id)).length > 0) continue;
      try {
        await images.remove(rec.id, { noprune: true });
      } catch {
        continue; // in use after all: it stays
      }
      if (rec.parent) queue.push(rec.parent);
    }
  }
}
