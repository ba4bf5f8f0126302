/**
 * Content store, after containerd's local store: blobs addressed by digest under
 * <root>/blobs/sha256/<hex>, written through <root>/ingest/<key>/data. A blob becomes visible only
 * by rename after fsync and a check of size and digest, so a reader never sees a partial or wrong
 * blob. An ingest left by a crash or a dropped connection is resumed (its bytes re-hashed) by the
 * next writer of the same digest. One writer per digest at a time (a per-digest lock held by the
 * `IngestWriter`, ingest-writer.ts, until it commits, aborts or closes).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgument, NotFound, ResourceExhausted } from '../errdefs';
import { hexOf, isDigest, type Digest } from './digest';
import { DigestMismatch, IngestWriter, fsyncDir, isNoSpace, type BlobInfo, type Expected } from './ingest-writer';
import { KeyedMutex } from './keyed-mutex';

export { DigestMismatch, IngestWriter, type BlobInfo, type Expected };

export class ContentStore {
  private readonly locks = new KeyedMutex();
  private readonly removals = new Map<Digest, Promise<void>>();

  constructor(readonly root: string) {}

  /**
   * Called at start-up, before anything is in flight. Ingests of unknown digest cannot be resumed
   * and go; keyed ones stay for resumption unless untouched for `staleMs` (default a week).
   */
  init(staleMs = 7 * 24 * 3600 * 1000): void {
    fs.mkdirSync(path.join(this.root, 'blobs', 'sha256'), { recursive: true, mode: 0o700 });
    fs.mkdirSync(path.join(this.root, 'ingest'), { recursive: true, mode: 0o700 });
    for (const name of fs.readdirSync(path.join(this.root, 'ingest'))) {
      const dir = path.join(this.root, 'ingest', name);
      let stale = name.startsWith('tmp-');
      try {
        stale ||= Date.now() - fs.statSync(path.join(dir, 'data')).mtimeMs > staleMs;
      } catch {
        stale = true; // no data file: nothing to resume
      }
      if (stale) fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  blobPath(d: Digest): string {
    return path.join(this.root, 'blobs', 'sha256', hexOf(d));
  }

  async info(d: Digest): Promise<BlobInfo | undefined> {
    const r = this.removals.get(d);
    if (r) await r;
    try {
      const st = await fs.promises.stat(this.blobPath(d));
      return { digest: d, size: st.size };
    } catch {
      return undefined;
    }
  }

  async has(d: Digest): Promise<boolean> {
    return (await this.info(d)) !== undefined;
  }

  /** Read a whole (small) blob: manifests and configs. */
  async read(d: Digest, limit: number): Promise<Buffer> {
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(this.blobPath(d), 'r');
    } catch {
      throw new NotFound(`content ${d} not found`);
    }
    try {
      const st = await fh.stat();
      if (st.size > limit) throw new InvalidArgument(`blob ${d} is ${st.size} bytes, over the ${limit}-byte limit`);
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  /** Read a blob, optionally a byte range [start, end] (inclusive, as fs streams count). */
  createReadStream(d: Digest, start = 0, end?: number): fs.ReadStream {
    return fs.createReadStream(this.blobPath(d), {
      start,
      ...(end !== undefined ? { end } : {}),
      highWaterMark: 256 * 1024,
    });
  }

  /** Bytes of a partial ingest for this digest (0 when none). */
  async ingestOffset(d: Digest): Promise<number> {
    try {
      return (await fs.promises.stat(path.join(this.root, 'ingest', hexOf(d), 'data'))).size;
    } catch {
      return 0;
    }
  }

  /**
   * A writer for a blob of known digest, resuming a partial ingest. Returns undefined when the
   * blob is already stored (checked after taking the per-digest lock, so concurrent pulls of one
   * layer download it once).
   */
  async writer(expected: Expected, opts: { resume?: boolean } = {}): Promise<IngestWriter | undefined> {
    if (!isDigest(expected.digest)) throw new InvalidArgument(`invalid digest ${expected.digest}`);
    const removal = this.removals.get(expected.digest);
    if (removal) await removal;
    const release = await this.locks.acquire(expected.digest);
    let fh: fs.promises.FileHandle | undefined;
    try {
      if (fs.existsSync(this.blobPath(expected.digest))) {
        release();
        return undefined;
      }
      const dir = path.join(this.root, 'ingest', hexOf(expected.digest));
      await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, 'data');
      const hash = crypto.createHash('sha256');
      let offset = 0;
      if (opts.resume !== false) {
        offset = await this.rehash(file, hash, expected.size);
      }
      fh = await fs.promises.open(file, offset > 0 ? 'a' : 'w', 0o644);
      await fs.promises.writeFile(path.join(dir, 'ref'), `${expected.digest} ${expected.size ?? -1}\n`);
      return new IngestWriter(this, dir, fh, hash, offset, expected, release);
    } catch (err) {
      await fh?.close().catch(() => undefined);
      release();
      if (isNoSpace(err)) throw new ResourceExhausted(`no space left on device under ${this.root}`, { cause: err });
      throw err;
    }
  }

  /** Feed the bytes already in a partial ingest to `hash`; returns how many (0 if unusable). */
  private async rehash(file: string, hash: crypto.Hash, size: number | undefined): Promise<number> {
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(file);
    } catch {
      return 0;
    }
    if (st.size === 0) return 0;
    if (size !== undefined && size >= 0 && st.size > size) {
      await fs.promises.truncate(file, 0);
      return 0;
    }
    for await (const c of fs.createReadStream(file) as AsyncIterable<Buffer>) hash.update(c);
    return st.size;
  }

  /** A writer for content whose digest is learnt while writing (import, commit, load). */
  async tempWriter(): Promise<IngestWriter> {
    const dir = path.join(this.root, 'ingest', `tmp-${crypto.randomBytes(8).toString('hex')}`);
    try {
      await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
      const fh = await fs.promises.open(path.join(dir, 'data'), 'w', 0o644);
      return new IngestWriter(this, dir, fh, crypto.createHash('sha256'), 0, undefined, () => undefined);
    } catch (err) {
      await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      if (isNoSpace(err)) throw new ResourceExhausted(`no space left on device under ${this.root}`, { cause: err });
      throw err;
    }
  }

  /**
   * Take over a file on the same file system (an extracted archive member): hash it, fsync it,
   * rename it into place. The file must be a regular file (never a symlink); it is consumed.
   */
  async adoptFile(file: string, expected?: Expected): Promise<BlobInfo> {
    const fh = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    let size = 0;
    const hash = crypto.createHash('sha256');
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new InvalidArgument(`${path.basename(file)} is not a regular file`);
      for await (const c of fh.createReadStream({
        autoClose: false,
        highWaterMark: 1024 * 1024,
      }) as AsyncIterable<Buffer>) {
        hash.update(c);
        size += c.length;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    const digest = `sha256:${hash.digest('hex')}` as Digest;
    if (
      expected &&
      (digest !== expected.digest || (expected.size !== undefined && expected.size >= 0 && size !== expected.size))
    ) {
      await fs.promises.rm(file, { force: true });
      throw new DigestMismatch(
        `digest mismatch: expected ${expected.digest} (${expected.size ?? '?'} bytes), content has ${digest} (${size} bytes)`,
      );
    }
    const removal = this.removals.get(digest);
    if (removal) await removal;
    const release = await this.locks.acquire(digest);
    try {
      if (fs.existsSync(this.blobPath(digest))) await fs.promises.rm(file, { force: true });
      else {
        await fs.promises.rename(file, this.blobPath(digest));
        await fsyncDir(path.dirname(this.blobPath(digest)));
      }
    } finally {
      release();
    }
    return { digest, size };
  }

  /** Store a buffer, verifying it against `expected` when given. */
  async put(data: Buffer, expected?: Expected): Promise<BlobInfo> {
    const w = expected ? await this.writer(expected, { resume: false }) : await this.tempWriter();
    if (!w) return { digest: expected!.digest, size: data.length };
    try {
      await w.write(data);
      return await w.commit();
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  /** Store a stream of unknown digest. */
  async putStream(src: Readable | AsyncIterable<Buffer>): Promise<BlobInfo> {
    const w = await this.tempWriter();
    try {
      await w.writeStream(src);
      return await w.commit();
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  /**
   * Remove a blob. It counts as gone from this call on (synchronously), so a concurrent `has()`
   * waits for the removal and then fetches the blob again rather than trusting a file about to go.
   */
  delete(d: Digest): Promise<void> {
    const existing = this.removals.get(d);
    if (existing) return existing;
    const p = (async () => {
      const release = await this.locks.acquire(d);
      try {
        await fs.promises.rm(this.blobPath(d), { force: true });
      } finally {
        release();
      }
    })().finally(() => this.removals.delete(d));
    this.removals.set(d, p);
    return p;
  }

  async list(): Promise<Digest[]> {
    const names = await fs.promises.readdir(path.join(this.root, 'blobs', 'sha256'));
    return names.map((n) => `sha256:${n}`).filter(isDigest);
  }
}
