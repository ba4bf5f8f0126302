/**
 * Apply one tar (compressed or not) from a file to an empty directory: decompress, hash the
 * uncompressed stream (the layer's diff ID), parse, unpack. The same code runs in the unpack worker
 * and, where no worker bundle exists (tests from source), inline.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { InvalidArgument } from '../errdefs';
import { decompress } from './decompress';
import type { Digest } from './digest';
import type { Compression } from './manifest';
import { DEFAULT_LIMITS, TarReader } from './tar/reader';
import { LayerUnpacker, type UnpackOptions } from './tar-unpack';

export interface ApplyRequest {
  /** The (possibly compressed) tar. */
  file: string;
  compression: Compression | 'auto';
  /** An empty or missing directory to unpack into. */
  dest: string;
  options: UnpackOptions;
  /** When given, a different diff ID is an error (the image config promised this content). */
  expectDiffId?: Digest | undefined;
}

export interface ApplyResult {
  diffId: Digest;
  /** Size of the uncompressed tar. */
  tarSize: number;
  entries: number;
  fileBytes: number;
}

export type ApplyProgress = (readBytes: number, totalBytes: number) => void;

export async function applyTarFile(req: ApplyRequest, onProgress?: ApplyProgress): Promise<ApplyResult> {
  const total = fs.statSync(req.file).size;
  let read = 0;
  const src = fs.createReadStream(req.file, { highWaterMark: 1024 * 1024 });
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const c of src as AsyncIterable<Buffer>) {
      read += c.length;
      onProgress?.(read, total);
      yield c;
    }
  }
  const hash = crypto.createHash('sha256');
  let tarSize = 0;
  const unpacker = new LayerUnpacker(req.dest, req.options);
  const reader = new TarReader(unpacker, DEFAULT_LIMITS);
  try {
    for await (const chunk of decompress(counted(), req.compression)) {
      hash.update(chunk);
      tarSize += chunk.length;
      reader.push(chunk);
    }
    reader.end();
    if (reader.entryCount === 0 && tarSize > 0 && tarSize < 1024) {
      throw new InvalidArgument('not a tar archive');
    }
    const stats = unpacker.finish();
    const diffId = `sha256:${hash.digest('hex')}` as Digest;
    if (req.expectDiffId && req.expectDiffId !== diffId) {
      throw new InvalidArgument(
        `layer content does not match the image config: diff ID ${diffId}, expected ${req.expectDiffId}`,
      );
    }
    return { diffId, tarSize, entries: stats.entries, fileBytes: stats.fileBytes };
  } catch (err) {
    unpacker.abort();
    throw err;
  } finally {
    src.destroy();
  }
}
