/**
 * Build contexts sent by a client (web mode: an HTTP POST; Electron: bytes over IPC), kept as files
 * in a private temp directory until a build takes them. Unused uploads expire after an hour; the
 * directory is removed on dispose.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ServiceError } from './errors';

interface Upload {
  id: string;
  name: string;
  file: string;
  size: number;
  expires: number;
}

export class UploadStore {
  private dir: string | undefined;
  private readonly uploads = new Map<string, Upload>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly opts: { maxBytes?: number; ttlMs?: number; parent?: string } = {}) {}

  get maxBytes(): number {
    return this.opts.maxBytes ?? 4 * 1024 * 1024 * 1024;
  }

  /** Stores the body; fails with ResourceExhausted past maxBytes (the partial file is removed). */
  async put(name: string, body: Readable | Buffer): Promise<{ uploadId: string; size: number }> {
    const dir = this.ensureDir();
    const id = crypto.randomBytes(16).toString('base64url');
    const file = path.join(dir, `${id}.ctx`);
    let size = 0;
    const limit = this.maxBytes;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > limit) cb(new ServiceError('ResourceExhausted', `the upload is larger than ${limit} bytes`));
        else cb(null, chunk);
      },
    });
    try {
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      await pipeline(source, counter, fs.createWriteStream(file, { mode: 0o600 }));
    } catch (err) {
      fs.rmSync(file, { force: true });
      throw err;
    }
    if (size === 0) {
      fs.rmSync(file, { force: true });
      throw new ServiceError('InvalidArgument', 'the upload is empty', { field: ['context'] });
    }
    this.uploads.set(id, {
      id,
      name: path.basename(name) || 'context',
      file,
      size,
      expires: Date.now() + (this.opts.ttlMs ?? 3600_000),
    });
    this.sweep();
    return { uploadId: id, size };
  }

  /** Hands the upload to its one consumer (a build); the caller removes the file with `release`. */
  take(id: string): { name: string; file: string; release(): void } {
    const u = this.uploads.get(id);
    if (!u)
      throw new ServiceError('NotFound', 'this upload is gone (expired or already used): upload the context again', {
        field: ['context', 'uploadId'],
      });
    this.uploads.delete(id);
    return { name: u.name, file: u.file, release: () => fs.rmSync(u.file, { force: true }) };
  }

  dispose(): void {
    if (this.sweeper) clearTimeout(this.sweeper);
    this.uploads.clear();
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private ensureDir(): string {
    this.dir ??= fs.mkdtempSync(path.join(this.opts.parent ?? os.tmpdir(), 'berth-uploads-'));
    return this.dir;
  }

  private sweep(): void {
    if (this.sweeper) return;
    this.sweeper = setTimeout(() => {
      this.sweeper = undefined;
      const now = Date.now();
      for (const u of [...this.uploads.values()]) {
        if (u.expires <= now) {
          this.uploads.delete(u.id);
          fs.rmSync(u.file, { force: true });
        }
      }
      if (this.uploads.size) this.sweep();
    }, this.opts.ttlMs ?? 3600_000);
    this.sweeper.unref();
  }
}
