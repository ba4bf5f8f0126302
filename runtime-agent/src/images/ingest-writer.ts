/**
 * One blob being written into the content store: <root>/ingest/<key>/data, hashed as it is
 * written, made visible by rename only after fsync and a check of its size on disk, its declared
 * size and its digest. The hash and the byte count follow exactly what the kernel took: a file
 * system short of space takes part of a chunk (a short write) and the rest is written again, so a
 * full disk ends in ENOSPC rather than a file with a hole the hash never saw.
 */
import type crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FailedPrecondition, Internal, InvalidArgument, ResourceExhausted } from '../errdefs';
import type { Digest } from './digest';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export interface Expected {
  digest: Digest;
  /** Unknown (-1 or undefined) when the source does not say. */
  size?: number | undefined;
}

export class DigestMismatch extends InvalidArgument {}

/** Where committed blobs go (the content store). */
export interface BlobTarget {
  readonly root: string;
  blobPath(d: Digest): string;
}

export function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * open: this writer owns the ingest dir (and, for a known digest, the per-digest lock).
 * kept: closed with its data left for a later resume; the dir is no longer this writer's.
 * done: committed or aborted; the dir is gone or belongs to a later writer.
 */
type State = 'open' | 'kept' | 'done';

/** A writer for one blob; `offset` bytes were already there (resumed ingest). */
export class IngestWriter {
  private written: number;
  private state: State = 'open';

  constructor(
    private readonly target: BlobTarget,
    private readonly dir: string,
    private readonly fh: fs.promises.FileHandle,
    private readonly hash: crypto.Hash,
    readonly offset: number,
    readonly expected: Expected | undefined,
    private readonly release: () => void,
  ) {
    this.written = offset;
  }

  get size(): number {
    return this.written;
  }

  private get what(): string {
    return `blob ${this.expected?.digest ?? '(new)'} under ${this.target.root}`;
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.state !== 'open') throw new FailedPrecondition(`ingest writer of ${this.what} is closed`);
    if (
      this.expected?.size !== undefined &&
      this.expected.size >= 0 &&
      this.written + chunk.length > this.expected.size
    ) {
      throw new DigestMismatch(`blob ${this.expected.digest} is larger than its declared size ${this.expected.size}`);
    }
    let off = 0;
    try {
      while (off < chunk.length) {
        const { bytesWritten } = await this.fh.write(chunk, off, chunk.length - off);
        if (bytesWritten <= 0) throw new Internal(`writing ${this.what} made no progress`);
        this.hash.update(chunk.subarray(off, off + bytesWritten));
        this.written += bytesWritten;
        off += bytesWritten;
      }
    } catch (err) {
      if (isNoSpace(err)) {
        await this.abort();
        throw new ResourceExhausted(`no space left on device while writing ${this.what}`, { cause: err });
      }
      throw err;
    }
  }

  /** Copy a stream in. */
  async writeStream(src: Readable | AsyncIterable<Buffer>): Promise<void> {
    for await (const c of src as AsyncIterable<Buffer>) await this.write(c);
  }

  /**
   * fsync, verify (size on disk, declared size, digest), rename into place. Returns the blob's
   * digest and size. On any failure the ingest is removed and the writer is done.
   */
  async commit(): Promise<BlobInfo> {
    if (this.state !== 'open') throw new FailedPrecondition(`ingest writer of ${this.what} already closed`);
    this.state = 'done';
    try {
      let onDisk: number;
      try {
        await this.fh.sync();
        onDisk = (await this.fh.stat()).size;
      } finally {
        await this.fh.close().catch(() => undefined);
      }
      const digest = `sha256:${this.hash.digest('hex')}` as Digest;
      // The hash covers what this writer handed to the kernel; the file must hold exactly that.
      if (onDisk !== this.written) {
        throw new Internal(
          `ingest of ${this.what} holds ${onDisk} bytes on disk but ${this.written} were written; not committed`,
        );
      }
      const exp = this.expected;
      if (exp?.size !== undefined && exp.size >= 0 && this.written !== exp.size) {
        throw new DigestMismatch(
          `size mismatch for ${exp.digest}: declared ${exp.size} bytes, received ${this.written}`,
        );
      }
      if (exp && digest !== exp.digest) {
        throw new DigestMismatch(`digest mismatch: expected ${exp.digest}, content has ${digest}`);
      }
      const dest = this.target.blobPath(digest);
      await fs.promises.rename(path.join(this.dir, 'data'), dest);
      await fsyncDir(path.dirname(dest));
      await fs.promises.rm(this.dir, { recursive: true, force: true });
      return { digest, size: this.written };
    } catch (err) {
      await fs.promises.rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
      if (isNoSpace(err)) {
        throw new ResourceExhausted(`no space left on device committing ${this.what}`, { cause: err });
      }
      throw err;
    } finally {
      // Only now may the next writer of this digest look at the ingest dir.
      this.release();
    }
  }

  /** Keep what was written for a later resume (connection dropped). */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'kept';
    await this.fh.close().catch(() => undefined);
    this.release();
  }

  /**
   * Throw away the partial data. Does nothing once the writer is closed or done: the ingest dir
   * may by then belong to the next writer of the same digest.
   */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'done';
    try {
      await this.fh.close().catch(() => undefined);
      await fs.promises.rm(this.dir, { recursive: true, force: true });
    } finally {
      this.release();
    }
  }
}
