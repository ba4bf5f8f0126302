/**
 * Image metadata: one record per image (ID = config digest) under <root>/images/<hex>.json and the
 * references (tags and digests) in <root>/repositories.json, both written atomically. Everything is
 * held in memory too; lookups never touch the disk. Resolution follows moby: a name first
 * (busybox → docker.io/library/busybox:latest, name@digest), then a full or short image ID.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgument, NotFound } from '../errdefs';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import { hexOf, isDigest, type Digest } from './digest';
import { KeyedMutex } from './keyed-mutex';
import type { Descriptor } from './manifest';
import { familiarString, parseReference, refString, withDefaultTag, type Reference } from './reference';

export interface LayerRef {
  diffId: Digest;
  /** The content-store blob holding this layer's tar (compressed or not, per its media type). */
  blob: Descriptor;
}

export interface ImageRecord {
  id: Digest;
  config: Descriptor;
  /** Bottom → top. */
  layers: LayerRef[];
  /** Platform manifests that describe this image (kept to push them unchanged). */
  manifests: Descriptor[];
  /** Indexes (manifest lists) it was pulled through. */
  indexes: Descriptor[];
  /** The image this one was committed on top of. */
  parent?: Digest | undefined;
  /** When it was stored here. */
  storedAt: string;
  lastTagTime?: string | undefined;
}

const ID_PREFIX = /^(?:sha256:)?([a-f0-9]{1,64})$/;

export class ImageStore {
  private readonly records = new Map<Digest, ImageRecord>();
  private readonly refs = new Map<string, Digest>();
  private readonly mutex = new KeyedMutex();

  constructor(readonly root: string) {}

  init(): void {
    fs.mkdirSync(path.join(this.root, 'images'), { recursive: true, mode: 0o700 });
    for (const f of fs.readdirSync(path.join(this.root, 'images'))) {
      if (!f.endsWith('.json')) {
        fs.rmSync(path.join(this.root, 'images', f), { force: true }); // temp files of a crash
        continue;
      }
      const rec = readJsonFile<ImageRecord>(path.join(this.root, 'images', f));
      if (rec && isDigest(rec.id)) this.records.set(rec.id, rec);
    }
    const refs = readJsonFile<Record<string, string>>(this.refsFile()) ?? {};
    for (const [k, v] of Object.entries(refs)) if (isDigest(v) && this.records.has(v)) this.refs.set(k, v);
  }

  private refsFile(): string {
    return path.join(this.root, 'repositories.json');
  }

  private recordFile(id: Digest): string {
    return path.join(this.root, 'images', `${hexOf(id)}.json`);
  }

  get(id: Digest): ImageRecord | undefined {
    return this.records.get(id);
  }

  list(): ImageRecord[] {
    return [...this.records.values()];
  }

  get count(): number {
    return this.records.size;
  }

  /** Store a record (merging manifest lists with an existing record of the same ID). */
  async put(rec: ImageRecord): Promise<ImageRecord> {
    return this.mutex.run('records', async () => {
      const old = this.records.get(rec.id);
      const merged: ImageRecord = old
        ? {
            ...old,
            layers: rec.layers,
            manifests: mergeDescriptors(rec.manifests, old.manifests),
            indexes: mergeDescriptors(rec.indexes, old.indexes),
            parent: old.parent ?? rec.parent,
          }
        : rec;
      await writeFileAtomic(this.recordFile(rec.id), JSON.stringify(merged));
      this.records.set(rec.id, merged);
      return merged;
    });
  }

  /** Update a record in place (e.g. a layer got a compressed blob for push). */
  async update(id: Digest, fn: (r: ImageRecord) => ImageRecord): Promise<void> {
    await this.mutex.run('records', async () => {
      const old = this.records.get(id);
      if (!old) return;
      const next = fn(old);
      await writeFileAtomic(this.recordFile(id), JSON.stringify(next));
      this.records.set(id, next);
    });
  }

  async delete(id: Digest): Promise<void> {
    await this.mutex.run('records', async () => {
      this.records.delete(id);
      await fs.promises.rm(this.recordFile(id), { force: true });
    });
    let changed = false;
    for (const [k, v] of this.refs) {
      if (v === id) {
        this.refs.delete(k);
        changed = true;
      }
    }
    if (changed) await this.saveRefs();
  }

  // --- references -------------------------------------------------------------------------

  /** Full reference strings pointing at an image (tags and digests). */
  refsOf(id: Digest): Reference[] {
    const out: Reference[] = [];
    for (const [k, v] of this.refs) if (v === id) out.push(parseReference(k));
    return out;
  }

  lookupRef(ref: Reference): Digest | undefined {
    return this.refs.get(refString(ref));
  }

  /** Point a reference at an image; returns the image it pointed at before, if another. */
  async setRef(ref: Reference, id: Digest): Promise<Digest | undefined> {
    if (!this.records.has(id)) throw new NotFound(`No such image: ${id}`);
    if (ref.tag && ref.digest) throw new InvalidArgument('a reference cannot hold both a tag and a digest here');
    const key = refString(ref);
    const prev = this.refs.get(key);
    this.refs.set(key, id);
    if (prev !== id) {
      await this.saveRefs();
      if (ref.tag) await this.update(id, (r) => ({ ...r, lastTagTime: new Date().toISOString() }));
    }
    return prev !== id ? prev : undefined;
  }

  async deleteRef(ref: Reference): Promise<boolean> {
    const had = this.refs.delete(refString(ref));
    if (had) await this.saveRefs();
    return had;
  }

  private async saveRefs(): Promise<void> {
    await this.mutex.run('refs', async () => {
      const obj: Record<string, string> = {};
      for (const [k, v] of [...this.refs].sort(([a], [b]) => (a < b ? -1 : 1))) obj[k] = v;
      await writeFileAtomic(this.refsFile(), JSON.stringify(obj, null, 1));
    });
  }

  // --- resolution -------------------------------------------------------------------------

  /** By name (tag or digest) first, then by full or short ID; undefined when nothing matches. */
  find(input: string): { record: ImageRecord; byRef?: Reference | undefined } | undefined {
    let ref: Reference | undefined;
    try {
      ref = withDefaultTag(parseReference(input));
    } catch {
      ref = undefined;
    }
    if (ref) {
      const id = this.lookupRef(ref);
      if (id) return { record: this.records.get(id)!, byRef: ref };
    }
    const m = ID_PREFIX.exec(input);
    if (!m) return undefined;
    const prefix = m[1]!;
    if (prefix.length === 64) {
      const rec = this.records.get(`sha256:${prefix}`);
      return rec ? { record: rec } : undefined;
    }
    const hits = [...this.records.keys()].filter((id) => id.startsWith(`sha256:${prefix}`));
    if (hits.length > 1) throw new InvalidArgument(`multiple IDs found with provided prefix: ${prefix}`);
    return hits.length === 1 ? { record: this.records.get(hits[0]!)! } : undefined;
  }

  resolve(input: string): { record: ImageRecord; byRef?: Reference | undefined } {
    const hit = this.find(input);
    if (hit) return hit;
    // Neither an image nor an ID prefix: a malformed reference is a 400 naming why (as dockerd).
    if (!ID_PREFIX.test(input)) parseReference(input);
    throw new NotFound(`No such image: ${noSuchName(input)}`);
  }
}

function mergeDescriptors(a: Descriptor[], b: Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  const out: Descriptor[] = [];
  for (const d of [...a, ...b]) {
    if (seen.has(d.digest)) continue;
    seen.add(d.digest);
    out.push(d);
  }
  return out;
}

/** Docker prints "No such image: busybox:latest" (familiar form with the default tag). */
function noSuchName(input: string): string {
  try {
    if (ID_PREFIX.test(input)) return input;
    return familiarString(withDefaultTag(parseReference(input)));
  } catch {
    return input;
  }
}
