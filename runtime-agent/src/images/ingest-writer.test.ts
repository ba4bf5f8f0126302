import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResourceExhausted } from '../errdefs';
import { ContentStore } from './content-store';
import { sha256Digest } from './digest';
import { describeRoot } from './test-helpers';

/** Names of blobs whose bytes do not hash to their name (what the integration suites check). */
function badBlobs(root: string): string[] {
  const dir = path.join(root, 'blobs', 'sha256');
  return fs.readdirSync(dir).filter(
    (n) =>
      crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(dir, n)))
        .digest('hex') !== n,
  );
}

const data = crypto.randomBytes(300_000);
const digest = sha256Digest(data);

describe('ingest writer', () => {
  let root: string;
  let store: ContentStore;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ingest-'));
    store = new ContentStore(root);
    store.init();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** The FileHandle class is not exported; its prototype is reached through an open handle. */
  async function fileHandleProto(): Promise<fs.promises.FileHandle> {
    const fh = await fs.promises.open(root, 'r');
    await fh.close();
    return Object.getPrototypeOf(fh) as fs.promises.FileHandle;
  }

  it('writes the rest of a chunk the kernel took only part of (short write)', async () => {
    const proto = await fileHandleProto();
    const original = proto.write as unknown as (this: unknown, ...a: unknown[]) => Promise<{ bytesWritten: number }>;
    let shortened = 0;
    vi.spyOn(proto, 'write').mockImplementation(function (this: unknown, ...a: unknown[]) {
      const [buf, offset, length, position] = a as [Buffer, number | undefined, number | undefined, unknown];
      const off = offset ?? 0;
      const len = length ?? buf.length - off;
      // A file system short of space takes what fits: here 1000 bytes of the second chunk.
      if (shortened++ === 1) return original.call(this, buf, off, Math.min(len, 1000), position ?? null);
      return original.call(this, buf, off, len, position ?? null);
    } as never);
    const w = await store.writer({ digest, size: data.length });
    for (let o = 0; o < data.length; o += 64 * 1024) await w!.write(data.subarray(o, o + 64 * 1024));
    expect(w!.size).toBe(data.length);
    expect(await w!.commit()).toEqual({ digest, size: data.length });
    expect(fs.readFileSync(store.blobPath(digest)).equals(data)).toBe(true);
    expect(badBlobs(root)).toEqual([]);
  });

  it('refuses to commit a data file whose size on disk is not what was written', async () => {
    const w = await store.writer({ digest, size: data.length });
    await w!.write(data);
    // Something else shortened the file behind the writer's back.
    fs.truncateSync(path.join(root, 'ingest', digest.slice(7), 'data'), 100_000);
    await expect(w!.commit()).rejects.toThrow(/holds 100000 bytes on disk but 300000 were written/);
    expect(await store.list()).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'ingest'))).toEqual([]);
    // The lock was released: a new download of the digest can start.
    const again = await store.writer({ digest, size: data.length });
    expect(again!.offset).toBe(0);
    await again!.abort();
  });

  it('a second abort does not remove the ingest of the next writer of the same digest', async () => {
    const w1 = await store.writer({ digest, size: data.length });
    await w1!.write(data.subarray(0, 1000));
    const next = store.writer({ digest, size: data.length });
    await w1!.abort();
    const w2 = await next;
    expect(w2!.offset).toBe(0);
    // fetchBlob and put abort again after a write that already aborted (ENOSPC).
    await w1!.abort();
    await w1!.close();
    await w2!.write(data);
    expect(await w2!.commit()).toEqual({ digest, size: data.length });
    expect(badBlobs(root)).toEqual([]);
  });

  it('a writer that is done refuses further writes and commits', async () => {
    const w = await store.writer({ digest, size: data.length });
    await w!.abort();
    await expect(w!.write(data)).rejects.toThrow(/closed/);
    await expect(w!.commit()).rejects.toThrow(/already closed/);
  });

  it('releases the digest when fsync fails', async () => {
    const proto = await fileHandleProto();
    vi.spyOn(proto, 'sync').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    const w = await store.writer({ digest, size: data.length });
    await w!.write(data);
    await expect(w!.commit()).rejects.toThrow(/EIO/);
    expect(await store.list()).toEqual([]);
    const again = await Promise.race([
      store.writer({ digest, size: data.length }),
      new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 2000)),
    ]);
    expect(again).not.toBe('stuck');
    if (again && again !== 'stuck') await again.abort();
  });
});

describeRoot('ingest writer on a full file system', () => {
  let mnt: string;
  let root: string;
  let store: ContentStore;
  beforeAll(() => {
    mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ingest-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mnt]);
  });
  afterAll(() => {
    spawnSync('umount', [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  });
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(mnt, 'content-'));
    store = new ContentStore(root);
    store.init();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** Fill the file system, then free `pages` pages: the next big write is short. */
  function fillLeaving(pages: number): string {
    const filler = path.join(mnt, 'filler');
    const fd = fs.openSync(filler, 'w');
    const page = Buffer.alloc(4096, 1);
    try {
      for (;;) fs.writeSync(fd, page);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    } finally {
      fs.closeSync(fd);
    }
    fs.truncateSync(filler, Math.max(0, fs.statSync(filler).size - pages * 4096));
    return filler;
  }

  it('a blob that met a full disk mid-chunk never becomes visible, even when space comes back', async () => {
    const w = await store.writer({ digest, size: data.length });
    await w!.write(data.subarray(0, 100_000));
    const filler = fillLeaving(2);
    const err = await w!.write(data.subarray(100_000, 100_000 + 64 * 1024)).then(
      () => undefined,
      (e: unknown) => e,
    );
    fs.rmSync(filler);
    // Space is back: a writer that missed the error would go on and commit a blob with a hole.
    const committed = await w!
      .write(data.subarray(100_000 + 64 * 1024))
      .then(() => w!.commit())
      .then(
        () => true,
        () => false,
      );
    expect(err).toBeInstanceOf(ResourceExhausted);
    expect((err as Error).message).toMatch(/no space left on device/);
    expect(committed).toBe(false);
    expect(badBlobs(root)).toEqual([]);
    expect(await store.list()).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'ingest'))).toEqual([]);
    // The next download of the digest starts afresh and succeeds.
    const again = await store.writer({ digest, size: data.length });
    expect(again!.offset).toBe(0);
    await again!.write(data);
    expect(await again!.commit()).toEqual({ digest, size: data.length });
    expect(badBlobs(root)).toEqual([]);
  });
});
