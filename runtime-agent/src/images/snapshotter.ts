/**
 * The layer store behind overlayfs: every layer is unpacked ONCE into its own directory
 * <root>/sha256/<diffID hex>/fs, shared by all images and containers that use it. Layers are keyed
 * by diff ID (the digest of the uncompressed tar): a directory holds only that layer's changes,
 * with overlayfs whiteouts, so it is independent of its parents and can be unpacked in parallel
 * with them and stacked under any image. A layer appears by one rename of a finished temp dir.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { NotFound } from '../errdefs';
import type { ApplyProgress } from './apply';
import type { Applier } from './applier';
import { readJsonFile } from './atomic-file';
import { hexOf, isDigest, type Digest } from './digest';
import { KeyedMutex } from './keyed-mutex';
import type { Compression } from './manifest';

export interface LayerMeta {
  diffId: Digest;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
  /** Sum of regular file sizes: the layer's size as `docker images` reports it. */
  size: number;
  createdAt: string;
}

export interface ApplyLayer {
  file: string;
  compression: Compression | 'auto';
  expectDiffId?: Digest | undefined;
  onProgress?: ApplyProgress | undefined;
}

export class Snapshotter {
  private readonly layers = new Map<Digest, LayerMeta>();
  private readonly removing = new Map<Digest, Promise<void>>();
  private readonly locks = new KeyedMutex();

  constructor(
    readonly root: string,
    private readonly applier: Applier,
  ) {}

  init(): void {
    fs.mkdirSync(path.join(this.root, 'sha256'), { recursive: true, mode: 0o700 });
    const tmp = path.join(this.root, 'tmp');
    // Half-unpacked layers from a crash are never resumable: remove them.
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { mode: 0o700 });
    fs.mkdirSync(this.emptyDir(), { recursive: true, mode: 0o755 });
    for (const hex of fs.readdirSync(path.join(this.root, 'sha256'))) {
      const meta = readJsonFile<LayerMeta>(path.join(this.root, 'sha256', hex, 'layer.json'));
      if (meta && isDigest(meta.diffId) && hexOf(meta.diffId) === hex) this.layers.set(meta.diffId, meta);
      else fs.rmSync(path.join(this.root, 'sha256', hex), { recursive: true, force: true });
    }
  }

  /** Get unpack workers ready for `n` layers (they load while the layers download). */
  warm(n: number): void {
    this.applier.warm?.(n);
  }

  /** An empty directory: the root file system of an image without layers. */
  emptyDir(): string {
    return path.join(this.root, 'empty');
  }

  /** The directory holding the unpacked layer (an overlayfs lower dir). */
  layerDir(diffId: Digest): string {
    return path.join(this.root, 'sha256', hexOf(diffId), 'fs');
  }

  /** Synchronous view (no wait for a removal in progress). */
  peek(diffId: Digest): LayerMeta | undefined {
    return this.removing.has(diffId) ? undefined : this.layers.get(diffId);
  }

  async get(diffId: Digest): Promise<LayerMeta | undefined> {
    const r = this.removing.get(diffId);
    if (r) await r;
    return this.layers.get(diffId);
  }

  list(): Digest[] {
    return [...this.layers.keys()];
  }

  /**
   * Unpack a layer blob unless a layer with that diff ID already exists. With an expected diff ID
   * concurrent applies of the same layer wait for each other and unpack once.
   */
  async apply(req: ApplyLayer): Promise<{ meta: LayerMeta; created: boolean }> {
    if (req.expectDiffId) {
      return this.locks.run(req.expectDiffId, async () => {
        const have = await this.get(req.expectDiffId!);
        if (have) return { meta: have, created: false };
        return this.unpack(req);
      });
    }
    return this.unpack(req);
  }

  private async unpack(req: ApplyLayer): Promise<{ meta: LayerMeta; created: boolean }> {
    const tmp = path.join(this.root, 'tmp', crypto.randomBytes(8).toString('hex'));
    await fs.promises.mkdir(tmp, { mode: 0o700 });
    try {
      const res = await this.applier.apply(
        {
          file: req.file,
          compression: req.compression,
          dest: path.join(tmp, 'fs'),
          options: { whiteouts: 'overlay' },
          expectDiffId: req.expectDiffId,
        },
        req.onProgress,
      );
      const meta: LayerMeta = {
        diffId: res.diffId,
        tarSize: res.tarSize,
        size: res.fileBytes,
        createdAt: new Date().toISOString(),
      };
      await fs.promises.writeFile(path.join(tmp, 'layer.json'), JSON.stringify(meta));
      const existing = await this.get(meta.diffId);
      if (existing) {
        await fs.promises.rm(tmp, { recursive: true, force: true });
        return { meta: existing, created: false };
      }
      await fs.promises.rename(tmp, path.join(this.root, 'sha256', hexOf(meta.diffId)));
      this.layers.set(meta.diffId, meta);
      return { meta, created: true };
    } catch (err) {
      await fs.promises.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
  }

  /** Remove a layer (the caller made sure nothing uses it). Synchronously marked as going away. */
  remove(diffId: Digest): Promise<void> {
    const existing = this.removing.get(diffId);
    if (existing) return existing;
    if (!this.layers.has(diffId)) return Promise.resolve();
    const p = (async () => {
      const dir = path.join(this.root, 'sha256', hexOf(diffId));
      const trash = path.join(this.root, 'tmp', `rm-${crypto.randomBytes(8).toString('hex')}`);
      try {
        await fs.promises.rename(dir, trash);
      } finally {
        this.layers.delete(diffId);
      }
      await fs.promises.rm(trash, { recursive: true, force: true });
    })().finally(() => this.removing.delete(diffId));
    this.removing.set(diffId, p);
    return p;
  }

  /**
   * Overlayfs lower dirs for layers given bottom → top: TOP-MOST FIRST, as lowerdir= wants them.
   * A layer that appears twice is kept only at its top-most position: overlayfs refuses the same
   * directory twice (ELOOP), and the upper copy masks the lower one completely anyway.
   */
  lowerDirs(diffIds: readonly Digest[]): string[] {
    const seen = new Set<Digest>();
    const out: string[] = [];
    for (let i = diffIds.length - 1; i >= 0; i--) {
      const d = diffIds[i]!;
      if (seen.has(d)) continue;
      seen.add(d);
      if (!this.peek(d)) throw new NotFound(`layer ${d} is not unpacked`);
      out.push(this.layerDir(d));
    }
    // overlayfs needs at least one lower dir; an image without layers has an empty root.
    if (out.length === 0) out.push(this.emptyDir());
    return out;
  }
}
