/**
 * The persistent build cache index: cache key → the image a step produced, with what /system/df
 * and `docker builder prune` need (description, layer, times, use count). Kept as one JSON file
 * under <data-root>/build, written atomically, so cache hits survive agent restarts. An entry
 * whose image is gone (removed with its image) is a miss and is dropped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readJsonFile, writeFileAtomic } from '../../images/atomic-file';

export interface CacheEntry {
  /** Image ID of the step's result. */
  id: string;
  /** Parent image ID ('' for scratch). */
  parent: string;
  /** The step's history text. */
  description: string;
  /** diff ID of the layer the step added, when it added one. */
  layer?: string;
  createdAt: string;
  lastUsedAt: string;
  usageCount: number;
}

interface IndexFile {
  version: 1;
  entries: Record<string, CacheEntry>;
}

export class CacheIndex {
  private entries = new Map<string, CacheEntry>();
  private writing: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, 'cache.json');
  }

  load(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    let data: IndexFile | undefined;
    try {
      data = readJsonFile<IndexFile>(this.file);
    } catch {
      data = undefined; // a damaged index is an empty cache, never a failed start
    }
    this.entries = new Map(data?.version === 1 ? Object.entries(data.entries) : []);
  }

  get(key: string): CacheEntry | undefined {
    return this.entries.get(key);
  }

  list(): Array<[string, CacheEntry]> {
    return [...this.entries.entries()];
  }

  /** Records a use; the write is shared with the next ones (callers need not wait for it). */
  async touch(key: string): Promise<void> {
    const e = this.entries.get(key);
    if (!e) return;
    e.lastUsedAt = new Date().toISOString();
    e.usageCount++;
    await this.save();
  }

  async set(key: string, entry: Omit<CacheEntry, 'createdAt' | 'lastUsedAt' | 'usageCount'>): Promise<void> {
    const now = new Date().toISOString();
    this.entries.set(key, { ...entry, createdAt: now, lastUsedAt: now, usageCount: 1 });
    await this.save();
  }

  async delete(keys: readonly string[]): Promise<void> {
    let changed = false;
    for (const k of keys) changed = this.entries.delete(k) || changed;
    if (changed) await this.save();
  }

  /**
   * Serialised writes of the whole index (small: one line per step ever cached). Saves asked for
   * while a write is queued share it: a build's cache hits cost one write, not one each.
   */
  private save(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.writing.then(() => {
      this.queued = undefined;
      const data: IndexFile = { version: 1, entries: Object.fromEntries(this.entries) };
      return writeFileAtomic(this.file, JSON.stringify(data));
    });
    this.queued = next;
    this.writing = next.catch(() => undefined);
    return next;
  }
}
