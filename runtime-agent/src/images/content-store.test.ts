import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentStore, DigestMismatch } from './content-store';
import { sha256Digest } from './digest';

let root: string;
let store: ContentStore;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-content-'));
  store = new ContentStore(root);
  store.init();
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const data = Buffer.from('hello content store '.repeat(1000));
const digest = sha256Digest(data);

describe('content store', () => {
  it('stores verified blobs and reads them back', async () => {
    const info = await store.put(data, { digest, size: data.length });
    expect(info).toEqual({ digest, size: data.length });
    expect((await store.read(digest, 1e6)).equals(data)).toBe(true);
    expect(await store.list()).toEqual([digest]);
    // A second writer of the same digest has nothing to do.
    expect(await store.writer({ digest, size: data.length })).toBeUndefined();
  });

  it('refuses a digest or size mismatch and leaves nothing behind', async () => {
    await expect(store.put(Buffer.from('other'), { digest, size: 5 })).rejects.toBeInstanceOf(DigestMismatch);
    await expect(store.put(data, { digest, size: data.length + 1 })).rejects.toThrow(/size mismatch/);
    const w = await store.writer({ digest, size: 10 });
    await expect(w!.write(data)).rejects.toThrow(/larger than its declared size/);
    await w!.abort();
    expect(await store.list()).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'ingest'))).toEqual([]);
  });

  it('resumes a partial ingest, re-hashing what is there', async () => {
    const w1 = await store.writer({ digest, size: data.length });
    await w1!.write(data.subarray(0, 5000));
    await w1!.close();
    // A new store (as after a restart) sees the partial data and continues from it.
    const again = new ContentStore(root);
    again.init();
    expect(await again.ingestOffset(digest)).toBe(5000);
    const w2 = await again.writer({ digest, size: data.length });
    expect(w2!.offset).toBe(5000);
    await w2!.write(data.subarray(5000));
    expect(await w2!.commit()).toEqual({ digest, size: data.length });
    expect(fs.readdirSync(path.join(root, 'ingest'))).toEqual([]);
  });

  it('serialises writers of one digest: the second finds the blob stored', async () => {
    const w1 = await store.writer({ digest, size: data.length });
    const second = store.writer({ digest, size: data.length });
    let settled = false;
    void second.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    await w1!.write(data);
    await w1!.commit();
    expect(await second).toBeUndefined();
  });

  it('a blob being deleted counts as absent at once', async () => {
    await store.put(data);
    const removal = store.delete(digest);
    expect(await store.has(digest)).toBe(false);
    await removal;
    expect(fs.existsSync(store.blobPath(digest))).toBe(false);
  });

  it('adopts a file by renaming it, verifying an expected digest', async () => {
    const f = path.join(root, 'member');
    fs.writeFileSync(f, data);
    expect(await store.adoptFile(f, { digest, size: data.length })).toEqual({ digest, size: data.length });
    expect(fs.existsSync(f)).toBe(false);
    fs.writeFileSync(f, 'not it');
    await expect(store.adoptFile(f, { digest })).rejects.toThrow(/digest mismatch/);
    fs.symlinkSync('/etc/hostname', path.join(root, 'link'));
    await expect(store.adoptFile(path.join(root, 'link'))).rejects.toThrow();
  });
});
