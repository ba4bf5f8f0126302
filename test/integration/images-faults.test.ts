/**
 * Faults during pulls, injected by a proxy in front of the real registry: 5xx and dropped
 * connections are retried (a dropped layer resumes with a Range request), a corrupted layer or a
 * bad manifest is refused with nothing stored, an agent killed mid-pull leaves a consistent store
 * and the next pull reuses what was finished, and a full disk gives a clear error without any
 * half-written blob becoming visible.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { request, startBerthd, type BerthdHandle } from '../support/berthd';
import { describeRoot } from '../support/env';
import { apiPull, apiStream, publishImage, verifyBlobs, type Published } from '../support/image-tools';
import { startRegistryProxy, type RegistryProxy } from '../support/registry-proxy';
import type { TarEntry } from '../support/tar';
import { MT, OciLayoutWriter } from '../support/oci-layout';
import { skopeoCopy } from '../support/skopeo';

const reg = inject('fixtureRegistry');

/** A unique image with layers of incompressible data (so sizes on disk are predictable). */
async function uniqueImage(
  repo: string,
  layerSizes: number[],
  compressible = false,
): Promise<Published & { ref: string }> {
  const ref = `${reg!.host}/faults/${repo}-${crypto.randomBytes(4).toString('hex')}:latest`;
  const layers = layerSizes.map((n, i) => [
    { name: `l${i}/`, type: 'directory' as const },
    { name: `l${i}/id`, content: crypto.randomBytes(16) },
    { name: `l${i}/data.bin`, content: compressible ? Buffer.alloc(n) : crypto.randomBytes(n) },
  ]);
  const p = await publishImage(ref, layers);
  return { ...p, ref };
}

const viaProxy = (proxy: RegistryProxy, ref: string): string => ref.replace(reg!.host, proxy.host);
const blobGets = (proxy: RegistryProxy, digest: string) =>
  proxy.log.filter((r) => r.method === 'GET' && r.path.endsWith(`/blobs/${digest}`));

describeRoot(
  'images: faults',
  () => {
    let proxy: RegistryProxy;
    let d: BerthdHandle;
    beforeAll(async () => {
      if (!reg) throw new Error('the fixture registry is not available');
      proxy = await startRegistryProxy(reg.url);
      d = await startBerthd({ args: ['--insecure-registry', proxy.host] });
    });
    afterAll(async () => {
      await d?.stop();
      d?.cleanup();
      await proxy?.stop();
    });

    const images = async () =>
      (await request(d.socket, 'GET', '/v1.43/images/json')).json() as Array<{ RepoTags: string[] }>;

    it('retries 5xx answers and resumes a layer whose connection dropped', async () => {
      const img = await uniqueImage('retry', [300_000, 300_000]);
      const [l0, l1] = img.layers;
      let fails500 = 2;
      let drops = 1;
      proxy.rule = (r) => {
        if (r.path.endsWith(`/blobs/${l0!.digest}`) && r.method === 'GET' && fails500-- > 0) {
          return { kind: 'status', status: 503 };
        }
        if (r.path.endsWith(`/blobs/${l1!.digest}`) && r.method === 'GET' && drops-- > 0)
          return { kind: 'drop', afterBytes: 100_000 };
        return undefined;
      };
      try {
        const { error } = await apiPull(d.socket, viaProxy(proxy, img.ref));
        expect(error).toBeUndefined();
      } finally {
        proxy.rule = undefined;
      }
      expect(blobGets(proxy, l0!.digest)).toHaveLength(3);
      const l1Gets = blobGets(proxy, l1!.digest);
      expect(l1Gets).toHaveLength(2);
      expect(l1Gets[1]!.range).toMatch(/^bytes=\d+-$/);
      expect(Number(/bytes=(\d+)-/.exec(l1Gets[1]!.range!)![1])).toBeGreaterThan(0);
      expect(verifyBlobs(d.dataRoot).bad).toEqual([]);
    });

    it('refuses a layer whose content does not match its digest, storing nothing', async () => {
      const img = await uniqueImage('corrupt', [200_000]);
      const layer = img.layers[0]!;
      proxy.rule = (r) => (r.path.endsWith(`/blobs/${layer.digest}`) ? { kind: 'corrupt' } : undefined);
      try {
        const { error } = await apiPull(d.socket, viaProxy(proxy, img.ref));
        expect(error).toMatch(new RegExp(`digest mismatch: expected ${layer.digest}`));
      } finally {
        proxy.rule = undefined;
      }
      const blobs = path.join(d.dataRoot, 'image/content/blobs/sha256');
      expect(fs.existsSync(path.join(blobs, layer.digest.slice(7)))).toBe(false);
      expect(fs.readdirSync(path.join(d.dataRoot, 'image/content/ingest'))).toEqual([]);
      expect(fs.existsSync(path.join(d.dataRoot, 'image/layers/sha256', img.diffIds[0]!.slice(7)))).toBe(false);
      expect((await images()).some((i) => i.RepoTags.some((t) => t.includes('faults/corrupt')))).toBe(false);
      expect(verifyBlobs(d.dataRoot).bad).toEqual([]);
    });

    it('refuses bad manifests and reports registry errors clearly', async () => {
      const img = await uniqueImage('manifest', [1000]);
      const ref = viaProxy(proxy, img.ref);
      const isManifest = (p: string) => p.includes('/manifests/');
      const cases: Array<
        [
          Parameters<NonNullable<RegistryProxy['rule']>>[0] extends never
            ? never
            : Exclude<ReturnType<NonNullable<RegistryProxy['rule']>>, undefined>,
          RegExp,
        ]
      > = [
        [
          { kind: 'body', body: Buffer.from('{not json'), contentType: 'application/vnd.oci.image.manifest.v1+json' },
          /invalid manifest: not valid JSON/,
        ],
        [
          {
            kind: 'body',
            body: Buffer.alloc(5 * 1024 * 1024, 0x20),
            contentType: 'application/vnd.oci.image.manifest.v1+json',
          },
          /larger than the 4194304-byte limit/,
        ],
        [
          {
            kind: 'body',
            body: Buffer.from('{"schemaVersion":1,"name":"x"}'),
            contentType: 'application/vnd.docker.distribution.manifest.v1+json',
          },
          /schema 1 is deprecated and not supported/,
        ],
        [
          {
            kind: 'status',
            status: 404,
            body: '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}',
          },
          /not found: manifest unknown/,
        ],
        [{ kind: 'status', status: 503 }, /answered 503/],
        [
          {
            kind: 'status',
            status: 403,
            body: '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}',
          },
          /denied: requested access to the resource is denied/,
        ],
      ];
      for (const [fault, msg] of cases) {
        proxy.rule = (r) => (isManifest(r.path) ? fault : undefined);
        try {
          const { error } = await apiPull(d.socket, ref);
          expect(error, JSON.stringify(fault).slice(0, 80)).toMatch(msg);
        } finally {
          proxy.rule = undefined;
        }
      }
      const missing = img.layers[0]!;
      proxy.rule = (r) =>
        r.path.endsWith(`/blobs/${missing.digest}`)
          ? {
              kind: 'status',
              status: 404,
              body: '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}',
            }
          : undefined;
      try {
        const { error } = await apiPull(d.socket, ref);
        expect(error).toMatch(/blob unknown: blob unknown to registry/);
      } finally {
        proxy.rule = undefined;
      }
    });

    it('refuses an image config that is not valid JSON or too large', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-badconfig-'));
      try {
        const w = new OciLayoutWriter(dir);
        const bad = w.writeBlob('{"architecture": "amd64", not json', 'application/vnd.oci.image.config.v1+json');
        const m1 = w.writeBlob(
          JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: bad, layers: [] }),
          MT.ociManifest,
        );
        w.tag('badjson', m1);
        const tag = crypto.randomBytes(4).toString('hex');
        const ref = `${reg!.host}/faults/config-badjson-${tag}:latest`;
        await skopeoCopy(`oci:${dir}:badjson`, `docker://${ref}`);
        const { error } = await apiPull(d.socket, viaProxy(proxy, ref));
        expect(error).toMatch(/invalid image config: not valid JSON/);
        expect(fs.existsSync(path.join(d.dataRoot, 'image/content/blobs/sha256', bad.digest.slice(7)))).toBe(false);
        // A config declared larger than the limit is refused before it is fetched (skopeo itself
        // refuses to store one, so the proxy serves a manifest that declares it).
        const huge = { ...bad, size: 9 * 1024 * 1024 };
        const manifest = Buffer.from(
          JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: huge, layers: [] }),
        );
        proxy.rule = (r) =>
          r.path.includes('/manifests/') ? { kind: 'body', body: manifest, contentType: MT.ociManifest } : undefined;
        try {
          const big = await apiPull(d.socket, viaProxy(proxy, ref));
          expect(big.error).toMatch(/image config sha256:[0-9a-f]+ is too large \(9437184 bytes\)/);
        } finally {
          proxy.rule = undefined;
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('sends the stream headers at once (before the first layer arrives)', async () => {
      const img = await uniqueImage('headers', [200_000]);
      const layer = img.layers[0]!;
      proxy.rule = (r) => (r.path.endsWith(`/blobs/${layer.digest}`) ? { kind: 'stall', afterBytes: 1000 } : undefined);
      try {
        const q = new URLSearchParams({ fromImage: viaProxy(proxy, img.ref).replace(/:latest$/, ''), tag: 'latest' });
        const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
          const req = http.request(
            { socketPath: d.socket, method: 'POST', path: `/v1.43/images/create?${q}` },
            (res) => {
              resolve(res.headers);
              res.destroy();
            },
          );
          req.on('error', reject);
          req.end();
        });
        expect(headers['content-type']).toBe('application/json');
      } finally {
        proxy.rule = undefined;
        proxy.releaseStalled();
      }
    });

    it('refuses hostile layers without touching anything outside the layer dir', async () => {
      const tag = crypto.randomBytes(4).toString('hex');
      const escaped = path.join(os.tmpdir(), `berth-escaped-${tag}`);
      const cases: Array<[string, TarEntry[], RegExp]> = [
        ['dotdot', [{ name: `../../../../escape-${tag}`, content: 'x' }], /"\.\." in its path/],
        ['absolute', [{ name: escaped, content: 'x' }], /absolute path/],
        [
          'symlink-then-file',
          [
            { name: 'esc', type: 'symlink', linkname: os.tmpdir() },
            { name: `esc/berth-escaped-${tag}`, content: 'x' },
          ],
          /parent "esc" is a symlink/,
        ],
        ['hardlink-out', [{ name: 'h', type: 'link', linkname: '/etc/passwd' }], /outside the layer/],
        ['device', [{ name: 'disk', type: 'block-device', devmajor: 8, devminor: 0 }], /device node/],
      ];
      for (const [name, entries, msg] of cases) {
        const ref = `${reg!.host}/faults/hostile-${name}-${tag}:latest`;
        await publishImage(ref, [entries]);
        const { error } = await apiPull(d.socket, viaProxy(proxy, ref));
        expect(error, name).toMatch(msg);
      }
      expect(fs.existsSync(escaped)).toBe(false);
      const found = execFileSync('find', [d.dir, '-name', `*escape*-${tag}`])
        .toString()
        .trim();
      expect(found).toBe('');
      expect(fs.readdirSync(path.join(d.dataRoot, 'image/layers/tmp'))).toEqual([]);
      expect((await images()).some((i) => i.RepoTags.some((t) => t.includes('hostile')))).toBe(false);
    });

    describe('agent killed mid-pull', () => {
      it('keeps the store consistent and the next pull reuses finished blobs', async () => {
        const img = await uniqueImage('killed', [400_000, 600_000, 400_000]);
        const [a, b, c] = img.layers;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-killed-'));
        let k = await startBerthd({ dir, args: ['--insecure-registry', proxy.host] });
        proxy.rule = (r) =>
          r.path.endsWith(`/blobs/${b!.digest}`) ? { kind: 'stall', afterBytes: 250_000 } : undefined;
        try {
          const pulling = apiPull(k.socket, viaProxy(proxy, img.ref)).catch(() => undefined);
          const blobs = path.join(k.dataRoot, 'image/content/blobs/sha256');
          const ingest = path.join(k.dataRoot, 'image/content/ingest', b!.digest.slice(7), 'data');
          const deadline = Date.now() + 30_000;
          while (
            !(
              fs.existsSync(path.join(blobs, a!.digest.slice(7))) && fs.existsSync(path.join(blobs, c!.digest.slice(7)))
            ) ||
            !fs.existsSync(ingest) ||
            fs.statSync(ingest).size < 250_000
          ) {
            if (Date.now() > deadline) throw new Error('pull did not reach the stalled state');
            await new Promise((r) => setTimeout(r, 50));
          }
          await k.kill9();
          await pulling;
          proxy.rule = undefined;
          proxy.releaseStalled();
          // Consistent: only verified blobs are visible, no image record was written.
          expect(verifyBlobs(k.dataRoot).bad).toEqual([]);
          k = await startBerthd({ dir, args: ['--insecure-registry', proxy.host] });
          expect(((await request(k.socket, 'GET', '/v1.43/images/json')).json() as unknown[]).length).toBe(0);
          const mark = proxy.log.length;
          const { error, lines } = await apiPull(k.socket, viaProxy(proxy, img.ref));
          expect(error).toBeUndefined();
          const after = proxy.log.slice(mark).filter((r) => r.method === 'GET' && r.path.includes('/blobs/sha256:'));
          expect(after.some((r) => r.path.endsWith(a!.digest) || r.path.endsWith(c!.digest))).toBe(false);
          const resumed = after.filter((r) => r.path.endsWith(b!.digest));
          expect(resumed).toHaveLength(1);
          expect(resumed[0]!.range).toBe('bytes=250000-');
          expect(lines.at(-1)?.status).toMatch(/^Status: Downloaded newer image/);
          expect(verifyBlobs(k.dataRoot).bad).toEqual([]);
        } finally {
          proxy.rule = undefined;
          proxy.releaseStalled();
          await k.stop();
          k.cleanup();
        }
      });
    });

    describe('disk full', () => {
      let mnt: string;
      beforeAll(() => {
        mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-full-'));
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m,mode=0700', 'tmpfs', mnt]);
      });
      afterAll(() => {
        spawnSync('umount', [mnt]);
        fs.rmSync(mnt, { recursive: true, force: true });
      });

      it('fails with a clear error and no half-written blob visible', async () => {
        const img = await uniqueImage('full', [1_500_000, 1_500_000, 1_500_000]);
        const dataRoot = path.join(mnt, 'data');
        const f = await startBerthd({
          args: ['--data-root', dataRoot, '--insecure-registry', proxy.host],
          logLevel: 'info',
        });
        try {
          // The daemon works on the small tmpfs, not on the harness's own data root.
          expect(f.dataRoot).toBe(dataRoot);
          const info = (await request(f.socket, 'GET', '/v1.43/info')).json() as { DockerRootDir: string };
          expect(info.DockerRootDir).toBe(dataRoot);
          expect(fs.existsSync(path.join(f.dir, 'data'))).toBe(false);
          const { error } = await apiPull(f.socket, viaProxy(proxy, img.ref));
          expect(error).toMatch(/no space left on device/);
          const v = verifyBlobs(dataRoot);
          expect(v.bad).toEqual([]);
          const ingest = path.join(dataRoot, 'image/content/ingest');
          for (const e of fs.readdirSync(ingest)) {
            const data = path.join(ingest, e, 'data');
            // Whatever stays is a resumable download of a blob not yet committed, never a visible blob.
            expect(fs.existsSync(path.join(dataRoot, 'image/content/blobs/sha256', e))).toBe(false);
            if (fs.existsSync(data)) expect(fs.statSync(data).size).toBeLessThan(1_600_000);
          }
          expect(fs.readdirSync(path.join(dataRoot, 'image/layers/tmp'))).toEqual([]);
          const ping = await request(f.socket, 'GET', '/_ping');
          expect(ping.status).toBe(200);
          const list = await apiStream(f.socket, 'GET', '/v1.43/images/json');
          expect(list.status).toBe(200);
        } finally {
          await f.stop();
          f.cleanup();
          fs.rmSync(dataRoot, { recursive: true, force: true });
        }
      });

      it('fails clearly when the disk fills while unpacking, leaving no partial layer', async () => {
        // Small blobs, big content: the blobs fit, the unpacked layers do not.
        const img = await uniqueImage('full-unpack', [1_500_000, 1_500_000, 1_500_000], true);
        const dataRoot = path.join(mnt, 'data2');
        const f = await startBerthd({
          args: ['--data-root', dataRoot, '--insecure-registry', proxy.host],
          logLevel: 'info',
        });
        try {
          const { error } = await apiPull(f.socket, viaProxy(proxy, img.ref));
          expect(error).toMatch(/no space left on device/);
          expect(verifyBlobs(dataRoot).bad).toEqual([]);
          expect(fs.readdirSync(path.join(dataRoot, 'image/layers/tmp'))).toEqual([]);
          for (const d of fs.readdirSync(path.join(dataRoot, 'image/layers/sha256'))) {
            // Whatever layer made it is complete (its metadata is written last).
            expect(fs.existsSync(path.join(dataRoot, 'image/layers/sha256', d, 'layer.json'))).toBe(true);
          }
          expect(((await request(f.socket, 'GET', '/v1.43/images/json')).json() as unknown[]).length).toBe(0);
        } finally {
          await f.stop();
          f.cleanup();
          fs.rmSync(dataRoot, { recursive: true, force: true });
        }
      });
    });
  },
  ['skopeo', 'mount'],
);
