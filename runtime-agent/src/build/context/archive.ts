/**
 * ADD's local-archive rule: a source file is extracted when it is a tar archive, plain or
 * compressed (gzip, bzip2, xz, zstd), recognised by content, not by name, as Docker does.
 */
import fs from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { Decompress as ZstdDecompress } from 'fzstd';
import { type Compression, detectCompression } from './decompress';

const BLOCK = 512;

/** A valid tar header (checksum matches) that is not the end-of-archive marker. */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < BLOCK) return false;
  if (block.every((b) => b === 0)) return false;
  const field = Buffer.from(block.subarray(148, 156)).toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const stored = Number.parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 32 : (block[i] as number);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

async function readHead(p: string, n: number): Promise<Buffer> {
  const fh = await fs.open(p, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function gunzipHead(data: Buffer, want: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const gz = createGunzip();
    const out: Buffer[] = [];
    let len = 0;
    const finish = (): void => {
      gz.removeAllListeners();
      gz.on('error', () => undefined);
      gz.destroy();
      resolve(Buffer.concat(out).subarray(0, want));
    };
    gz.on('data', (c: Buffer) => {
      out.push(c);
      len += c.length;
      if (len >= want) finish();
    });
    gz.on('error', finish);
    gz.on('end', finish);
    gz.end(data);
  });
}

async function unzstdHead(p: string, want: number): Promise<Buffer> {
  const out: Buffer[] = [];
  let len = 0;
  const d = new ZstdDecompress((data) => {
    out.push(Buffer.from(data));
    len += data.length;
  });
  const stream = createReadStream(p, { highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream) {
      d.push(chunk as Buffer);
      if (len >= want) break;
    }
  } catch {
    // not valid zstd: not an archive
  } finally {
    stream.destroy();
  }
  return Buffer.concat(out).subarray(0, want);
}

export interface ArchiveInfo {
  compression: Compression;
  /** False when the compression cannot be decoded here (bzip2, xz): Berth refuses to guess. */
  verified: boolean;
}

/** The archive format of a file, or undefined when it is not a tar archive. */
export async function detectArchive(p: string): Promise<ArchiveInfo | undefined> {
  const head = await readHead(p, 64 * 1024);
  const compression = detectCompression(head);
  switch (compression) {
    case 'none':
      return isTarHeader(head.subarray(0, BLOCK)) ? { compression, verified: true } : undefined;
    case 'gzip':
      return isTarHeader(await gunzipHead(head, BLOCK)) ? { compression, verified: true } : undefined;
    case 'zstd':
      return isTarHeader(await unzstdHead(p, BLOCK)) ? { compression, verified: true } : undefined;
    default:
      return { compression, verified: false };
  }
}
