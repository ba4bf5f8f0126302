import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildContext } from './build-context';
import { ContextSourceResolver } from './resolver';
import { downloadUrl, filenameForDownload } from './url-source';

let server: http.Server;
let base: string;
let tmp: string;
const BODY = 'downloaded content\n';
const SHA = 'sha256:' + createHash('sha256').update(BODY).digest('hex');

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-url-test-'));
  server = http.createServer((req, res) => {
    switch (req.url) {
      case '/files/tool.tar.gz':
        res.writeHead(200, { 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT' });
        res.end(BODY);
        return;
      case '/download/':
        res.writeHead(200, { 'Content-Disposition': 'attachment; filename="named.bin"' });
        res.end(BODY);
        return;
      case '/anon/':
        res.end(BODY);
        return;
      case '/redirect':
        res.writeHead(302, { Location: '/files/tool.tar.gz' });
        res.end();
        return;
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('no such file');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('filenameForDownload', () => {
  it('uses the last URL path element, else Content-Disposition', () => {
    expect(filenameForDownload('/a/b/file.txt', undefined)).toBe('file.txt');
    expect(filenameForDownload('/a/b/', 'attachment; filename="x.zip"')).toBe('x.zip');
    expect(filenameForDownload('/', "attachment; filename*=UTF-8''na%C3%AFve.txt")).toBe('naïve.txt');
    expect(filenameForDownload('', undefined)).toBeUndefined();
  });
});

describe('downloadUrl', () => {
  it('downloads with the name, mtime and digest Docker uses', async () => {
    const d = await downloadUrl(`${base}/files/tool.tar.gz`, { dir: tmp });
    expect(d.filename).toBe('tool.tar.gz');
    expect(fs.readFileSync(d.hostPath, 'utf8')).toBe(BODY);
    expect(d.mtime?.toISOString()).toBe('2015-10-21T07:28:00.000Z');
    expect(d.contentDigest).toBe(SHA);
    const named = await downloadUrl(`${base}/download/`, { dir: tmp });
    expect(named.filename).toBe('named.bin');
    expect(named.digest).not.toBe(d.digest);
    const anon = await downloadUrl(`${base}/anon/`, { dir: tmp });
    expect(anon.filename).toBeUndefined();
    expect(path.basename(anon.hostPath)).toBe('__unnamed__');
  });

  it('follows redirects and verifies --checksum', async () => {
    expect((await downloadUrl(`${base}/redirect`, { dir: tmp, checksum: SHA })).filename).toBe('redirect');
    await expect(
      downloadUrl(`${base}/files/tool.tar.gz`, { dir: tmp, checksum: 'sha256:' + '0'.repeat(64) }),
    ).rejects.toThrow(/digest mismatch/);
  });

  it('reports HTTP errors with the status and body', async () => {
    await expect(downloadUrl(`${base}/missing`, { dir: tmp })).rejects.toThrow(
      `failed to GET ${base}/missing with status 404 Not Found: no such file`,
    );
  });
});

describe('ContextSourceResolver with URLs', () => {
  it('downloads ADD URLs into the context scratch directory and refuses them for COPY', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'ctx-'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM x\n');
    const ctx = await BuildContext.fromDirectory(dir, { tmpDir: tmp });
    try {
      const r = new ContextSourceResolver(ctx);
      const [item] = await r.resolve({
        from: { kind: 'context' },
        sources: [`${base}/files/tool.tar.gz`],
        excludes: [],
        add: true,
      });
      expect(item).toMatchObject({ kind: 'url', filename: 'tool.tar.gz' });
      expect(item?.hostPath.startsWith(tmp)).toBe(true);
      expect(item?.hostPath.startsWith(dir)).toBe(false);
      await expect(
        r.resolve({ from: { kind: 'context' }, sources: [`${base}/x`], excludes: [], add: false }),
      ).rejects.toThrow("source can't be a URL for COPY");
      await expect(
        r.resolve({ from: { kind: 'context' }, sources: ['Dockerfile'], excludes: [], add: true, checksum: 'md5:x' }),
      ).rejects.toThrow('invalid checksum digest format: md5:x');
    } finally {
      await ctx.dispose();
    }
  });
});
