/**
 * ADD <url>: downloads the file (http and https, redirects followed) to a private directory, with
 * Docker's naming rule (the last path element of the URL, else Content-Disposition's filename) and
 * mtime (Last-Modified). The digest covers the content and name; `--checksum` is verified.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InvalidArgument, Unavailable } from '../../errdefs';

export function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

export interface DownloadedUrl {
  url: string;
  filename?: string;
  hostPath: string;
  digest: string;
  /** sha256:<hex> of the content. */
  contentDigest: string;
  mtime?: Date;
}

export interface DownloadOptions {
  /** A directory only the build uses; one sub-directory per download is created in it. */
  dir: string;
  checksum?: string;
  maxRedirects?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Docker's getFilenameForDownload. */
export function filenameForDownload(urlPath: string, contentDisposition: string | undefined): string | undefined {
  if (urlPath !== '' && !urlPath.endsWith('/')) {
    const base = path.posix.basename(urlPath);
    if (base !== '' && base !== '/' && base !== '.') return base;
  }
  if (contentDisposition) {
    const m = /filename\*?=(?:UTF-8'')?("([^"]*)"|[^;]+)/i.exec(contentDisposition);
    const name = m ? decodeURIComponent((m[2] ?? m[1] ?? '').trim()) : '';
    if (name !== '' && !name.endsWith('/')) {
      const base = path.posix.basename(name);
      if (base !== '') return base;
    }
  }
  return undefined;
}

function get(url: URL, opts: DownloadOptions): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.get(url, { timeout: opts.timeoutMs ?? 60_000, signal: opts.signal }, resolve);
    req.on('timeout', () => req.destroy(new Unavailable(`timeout while downloading ${url.href}`)));
    req.on('error', reject);
  });
}

async function fetchFollowing(url: URL, opts: DownloadOptions): Promise<{ res: http.IncomingMessage; url: URL }> {
  let current = url;
  for (let i = 0; i <= (opts.maxRedirects ?? 10); i++) {
    const res = await get(current, opts);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      current = new URL(res.headers.location, current);
      if (current.protocol !== 'http:' && current.protocol !== 'https:') {
        throw new InvalidArgument(`redirect to unsupported URL ${current.href}`);
      }
      continue;
    }
    if (status < 200 || status >= 300) {
      const body = await readSome(res, 512);
      throw new Unavailable(
        `failed to GET ${url.href} with status ${status} ${res.statusMessage ?? ''}: ${body}`.trim(),
      );
    }
    return { res, url: current };
  }
  throw new Unavailable(`failed to GET ${url.href}: too many redirects`);
}

async function readSome(res: http.IncomingMessage, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let len = 0;
  for await (const c of res) {
    parts.push(c as Buffer);
    len += (c as Buffer).length;
    if (len >= max) break;
  }
  res.destroy();
  return Buffer.concat(parts).subarray(0, max).toString('utf8').trim();
}

export async function downloadUrl(raw: string, opts: DownloadOptions): Promise<DownloadedUrl> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidArgument(`invalid URL: ${raw}`);
  }
  const { res } = await fetchFollowing(url, opts);
  const filename = filenameForDownload(url.pathname, res.headers['content-disposition']);
  const dir = await fs.mkdtemp(path.join(opts.dir, 'url-'));
  const hostPath = path.join(dir, filename ?? '__unnamed__');
  const h = createHash('sha256');
  res.on('data', (c: Buffer) => h.update(c));
  await pipeline(res, createWriteStream(hostPath, { flags: 'wx', mode: 0o600 }));
  const contentDigest = 'sha256:' + h.digest('hex');
  if (opts.checksum !== undefined && opts.checksum !== contentDigest) {
    throw new InvalidArgument(`digest mismatch ${contentDigest}: ${opts.checksum}`);
  }
  const lastModified = res.headers['last-modified'];
  const mtime = lastModified ? new Date(lastModified) : undefined;
  const out: DownloadedUrl = {
    url: raw,
    hostPath,
    contentDigest,
    digest:
      'url:' +
      createHash('sha256')
        .update(`${filename ?? ''}\n${contentDigest}`)
        .digest('hex'),
  };
  if (filename !== undefined) out.filename = filename;
  if (mtime && !Number.isNaN(mtime.getTime())) out.mtime = mtime;
  return out;
}
